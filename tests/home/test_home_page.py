"""The landing page at /: shown to anyone, in Spanish, readable at a desktop's and a phone's width,
and its lookup box calls the API as any client does (the key the visitor types, or none)."""

import struct

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from sunat.home.views import EXAMPLE_RUC
from sunat.keys import services as api_keys
from tests.support.browser import DOCUMENT_WIDTH, chromium, screenshots_dir

pytestmark = pytest.mark.django_db(transaction=True)  # the live server's threads read the database

SIZES = {"escritorio": (1280, 900), "telefono": (390, 844)}


def test_the_page_is_shown_without_a_key_and_links_the_way_on(client, settings):
    settings.API_KEYS_REQUIRED = True

    answer = client.get("/")
    page = answer.content.decode()

    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/html")
    assert '<html lang="es">' in page and "Este servicio exige una clave" in page
    assert all(f'href="{link}"' in page for link in ("/api/docs", "/api/schema", "/health", "/admin/"))
    assert client.get("/", HTTP_AUTHORIZATION="Bearer rk_falsa").status_code == 200  # no key is checked here


def test_anything_but_reading_it_is_a_json_405(client):
    answer = client.post("/")

    assert answer.status_code == 405 and answer.json()["error"] == "metodo_no_permitido"


def ask(browser, ruc: str, key: str = "", section: str = "") -> tuple[str, str]:
    """Type into the lookup box, send it, and wait for the answer: (the status line, the JSON)."""
    field = browser.find_element(By.ID, "ruc")
    field.clear()
    field.send_keys(ruc)
    Select(browser.find_element(By.ID, "seccion")).select_by_value(section)
    browser.find_element(By.ID, "clave").clear()
    browser.find_element(By.ID, "clave").send_keys(key)
    browser.execute_script("document.getElementById('respuesta').hidden = true")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 20).until(lambda driver: driver.find_element(By.ID, "respuesta").is_displayed())
    return browser.find_element(By.ID, "estado").text, browser.find_element(By.ID, "respuesta").text


@pytest.mark.browser
@pytest.mark.standalone
@pytest.mark.parametrize("size", SIZES)
def test_the_lookup_box_asks_the_api_under_the_same_rules_as_any_client(live_server, replica, settings, tmp_path,
                                                                         size):
    settings.API_KEYS_REQUIRED = True
    _, key = api_keys.create_key("Portada")
    width, height = SIZES[size]

    with chromium(width, height) as browser:
        browser.get(live_server.url + "/")
        assert browser.title == "Consulta RUC"
        assert browser.execute_script(DOCUMENT_WIDTH) <= width, f"wider than the window at {width}px"

        refused, without_key = ask(browser, EXAMPLE_RUC)
        status, answer = ask(browser, EXAMPLE_RUC, key)
        invalid, bad = ask(browser, "20131312956", key)
        section, representatives = ask(browser, EXAMPLE_RUC, key, "representantes")

        path = screenshots_dir(tmp_path) / f"portada-{size}.png"
        assert browser.save_screenshot(str(path))
        assert browser.execute_script(DOCUMENT_WIDTH) <= width, f"the answer is wider than the window at {width}px"
    assert "→ 401" in refused and '"api_key_requerida"' in without_key
    assert "→ 200" in status and f'"ruc": "{EXAMPLE_RUC}"' in answer and '"razonSocial"' in answer
    assert "→ 400" in invalid and '"detail"' in bad
    assert f"/api/ruc/{EXAMPLE_RUC}/representantes → 200" in section and '"representantes"' in representatives
    assert struct.unpack(">II", path.read_bytes()[16:24]) == (width, height)  # the PNG's IHDR
