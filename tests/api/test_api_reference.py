"""/api/docs in a real Chromium: Redoc renders the service's own document from files the service
serves (nothing is asked of another site), each operation shows its code samples, and the page fits
a desktop's and a phone's width."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from sunat.api import openapi
from tests.support.browser import PAGE_WIDTH, chromium, screenshots_dir

pytestmark = [pytest.mark.django_db, pytest.mark.browser, pytest.mark.standalone]

SIZES = {"escritorio": (1280, 900), "telefono": (390, 844)}


def test_the_page_is_redoc_on_our_own_files_and_keeps_the_browser_here(client):
    page = client.get("/api/docs")
    html = page.content.decode()

    assert page.status_code == 200 and "default-src 'self'" in page["Content-Security-Policy"]
    assert "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js" in html
    assert 'data-schema="/api/schema"' in html and "/api/docs/texto" in html  # the page without JavaScript
    assert "//" not in html.replace("://", "").split("<body>", 1)[1].replace("</", "")  # no other site named


@pytest.mark.parametrize("size", SIZES)
def test_redoc_renders_every_operation_with_its_code_samples_and_fits(live_server, tmp_path, size):
    width, height = SIZES[size]
    with chromium(width, height) as browser:
        browser.get(live_server.url + "/api/docs")
        WebDriverWait(browser, 30).until(lambda driver: driver.find_elements(By.CSS_SELECTOR, ".api-content h1"))
        title = browser.find_element(By.CSS_SELECTOR, ".api-content h1").text
        text = browser.find_element(By.TAG_NAME, "body").get_attribute("textContent")
        resources = browser.execute_script("return performance.getEntriesByType('resource').map("
                                           "function (entry) { return [entry.name, entry.transferSize]; })")
        widest = browser.execute_script(PAGE_WIDTH)  # code boxes scroll inside themselves
        browser.save_screenshot(str(screenshots_dir(tmp_path) / f"referencia-{size}.png"))
        logs = browser.get_log("browser")

    assert title.startswith("Consulta RUC")
    for item in openapi.schema()["paths"].values():
        for operation in item.values():
            assert operation["summary"] in text, operation["summary"]
    assert all(label in text for label in ("curl", "Python", "JavaScript", "PHP"))
    # Redoc's footer asks Redocly's CDN for a logo: the page's CSP blocks it, nothing leaves the site.
    assert [url for url, size in resources if not url.startswith(live_server.url) and size] == [], resources
    blocked = [entry["message"] for entry in logs if "Content Security Policy" in entry["message"]]
    assert all("redoc.ly" in message and "has been blocked" in message for message in blocked), blocked
    assert [entry for entry in logs if entry["level"] == "SEVERE" and entry["message"] not in blocked] == [], logs
    assert widest <= width, f"{widest}px wide at {width}px"
