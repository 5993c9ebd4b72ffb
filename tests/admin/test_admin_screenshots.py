"""The admin's pages for operators in a real headless Chromium at 1280×900: each page has what
issue 19 named, nothing is pushed off-screen, and a screenshot of each is taken (into
SCREENSHOTS_DIR when set, as `make screenshots` does, else into the test's own directory)."""

import struct
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from sunat.keys import services as api_keys
from sunat.models import RucSectionRecord
from sunat.monitoring import tally
from sunat.registers.importer import import_padron
from tests.support.browser import chromium, screenshots_dir
from tests.support.padron_files import COMPANY, HANDMADE, write_rows
from tests.watch.test_watch_api import auth

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.standalone, pytest.mark.browser]

WIDTH, HEIGHT = 1280, 900
PASSWORD = "operador-de-prueba-1"


@pytest.fixture
def browser():
    with chromium(WIDTH, HEIGHT) as driver:
        yield driver


@pytest.fixture
def screenshots(tmp_path) -> Path:
    return screenshots_dir(tmp_path)


@pytest.fixture
def operated(client, replica, tmp_path):
    """What an operator sees on a running service: lookups with sub-pages, the padrón, keys in use."""
    get_user_model().objects.create_superuser("operador", "operador@example.com", PASSWORD)
    key, plain = api_keys.create_key("Facturador", per_minute=120, per_day=20000)
    for _ in range(3):
        client.get(f"/api/ruc/{COMPANY}", **auth(plain))
    client.get(f"/api/ruc/{COMPANY}/representantes")
    old, _ = api_keys.create_key("Integración anterior")
    api_keys.revoke(old)
    import_padron(str(write_rows(tmp_path / "padron.zip", HANDMADE)))
    tally.flush()
    return {"key": key, "section": RucSectionRecord.objects.get(ruc=COMPANY)}


def log_in(browser, base_url):
    browser.get(base_url + reverse("admin:login"))
    browser.find_element(By.NAME, "username").send_keys("operador")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    WebDriverWait(browser, 15).until(lambda driver: "/admin/login/" not in driver.current_url)
    assert browser.find_element(By.ID, "site-name").text == "Consulta RUC"


def assert_fits(browser, name: str) -> None:
    """Nothing wider than the window, and no list scrolled sideways inside its box (the admin's
    .results): no column pushed off-screen."""
    widest, hidden = browser.execute_script("""
        var right = document.documentElement.scrollWidth, hidden = [];
        document.querySelectorAll('table th, table td').forEach(function (cell) {
            right = Math.max(right, cell.getBoundingClientRect().right + window.scrollX);
        });
        document.querySelectorAll('.results, .module').forEach(function (box) {
            if (box.scrollWidth > box.clientWidth + 1) hidden.push(box.className + " " + box.textContent.trim().slice(0, 40));
        });
        return [right, hidden];""")
    assert widest <= WIDTH, f"{name}: {widest}px wide at {WIDTH}px"
    assert hidden == [], f"{name}: a list scrolls sideways: {hidden}"


def check_page(browser, url: str, name: str, directory: Path, *selectors: str, texts=()) -> None:
    browser.get(url)
    path = directory / f"{name}.png"
    assert browser.save_screenshot(str(path))  # first: a page that fails the checks is there to see
    for selector in selectors:
        assert browser.find_elements(By.CSS_SELECTOR, selector), f"{name}: no {selector}"
    body = browser.find_element(By.TAG_NAME, "body").text
    for expected in texts:
        assert expected in body, f"{name}: no {expected!r}"
    assert "Django" not in browser.title and "Consulta RUC" in browser.title
    assert_fits(browser, name)
    width, height = struct.unpack(">II", path.read_bytes()[16:24])  # the PNG's IHDR
    assert (width, height) == (WIDTH, HEIGHT)


def test_every_operator_page_is_readable_at_1280_by_900(browser, live_server, operated, screenshots):
    base = live_server.url
    log_in(browser, base)
    key, section = operated["key"], operated["section"]
    pages = [
        ("01-inicio", reverse("admin:index"), ["#resumen-del-servicio a"], ["Administración del servicio"]),
        ("02-resumen", reverse("admin-overview"), ["#periodos", "#estado", "#importaciones", "#cola"],
         ["Esta hora", "Últimas 24 horas", "Pausa por el firewall de SUNAT", "padron"]),
        ("03-consultas", reverse("admin:sunat_rucrecord_changelist"), ["#result_list", "#changelist-filter"],
         ["ANTIGÜEDAD", "CONSULTAS", "vigencia", "fuente", "SUNAT (una consulta)", COMPANY]),
        ("04-consulta", reverse("admin:sunat_rucrecord_change", args=[COMPANY]),
         ["#refrescar-desde-sunat", ".field-sections a", ".field-hits"], ["Refrescar desde SUNAT", "representantes"]),
        ("05-subpaginas", reverse("admin:sunat_rucsectionrecord_changelist"), ["#result_list"], ["representantes"]),
        ("06-subpagina", reverse("admin:sunat_rucsectionrecord_change", args=[section.pk]), [".field-lookup a"], []),
        ("07-padron", reverse("admin:sunat_padronentry_changelist"), ["#result_list", "#searchbar"], [COMPANY]),
        ("08-claves", reverse("admin:sunat_apikey_changelist"), ["#result_list", "#changelist-filter"],
         ["activas", "revocadas", "Facturador"]),
        ("09-clave", reverse("admin:sunat_apikey_change", args=[key.pk]), [".uso-por-dia", "#rotar-clave"],
         ["Uso de los últimos 30 días"]),
        ("10-rotar-clave", reverse("admin:sunat_apikey_rotate", args=[key.pk]), ["#confirmar-rotacion"],
         ["La clave anterior sigue valiendo"]),
    ]
    for name, path, selectors, texts in pages:
        check_page(browser, base + path, name, screenshots, *selectors, texts=texts)
    assert sorted(p.name for p in screenshots.glob("*.png")) == [f"{name}.png" for name, *_ in pages]


def test_every_list_of_the_admin_fits_1280_pixels(browser, live_server, operated):
    """Every model's list, with rows in it (the screenshots above are a few of them)."""
    base = live_server.url
    log_in(browser, base)
    for model in admin.site._registry:
        name = f"{model._meta.app_label}_{model._meta.model_name}"
        browser.get(base + reverse(f"admin:{name}_changelist"))
        assert "Consulta RUC" in browser.title, name
        assert_fits(browser, name)
