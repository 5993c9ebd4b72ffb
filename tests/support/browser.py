"""A real headless Chromium for the tests that look at pages, at a given viewport size."""

import contextlib
import os
from pathlib import Path

from django.conf import settings
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

# The width of the document as laid out (its widest box included): more than the window is a page
# that scrolls sideways.
DOCUMENT_WIDTH = """
    var right = document.documentElement.scrollWidth;
    document.querySelectorAll('body *').forEach(function (element) {
        var box = element.getBoundingClientRect();
        if (box.width && getComputedStyle(element).position !== 'fixed') right = Math.max(right, box.right + window.scrollX);
    });
    return right;"""

# The page's own width: what scrolls sideways as a whole (a code box that scrolls inside itself does not).
PAGE_WIDTH = "return document.documentElement.scrollWidth;"


@contextlib.contextmanager
def chromium(width: int, height: int):
    """Chromium whose viewport is exactly width × height CSS pixels."""
    options = webdriver.ChromeOptions()
    options.binary_location = settings.CHROME_BINARY
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-extensions", "--hide-scrollbars",
                 "--force-device-scale-factor=1", "--lang=es-PE"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=settings.CHROMEDRIVER_PATH))
    try:
        driver.set_window_size(width, height)
        inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
        driver.set_window_size(width + width - inner[0], height + height - inner[1])  # the viewport, exactly
        yield driver
    finally:
        driver.quit()


def screenshots_dir(tmp_path: Path) -> Path:
    """SCREENSHOTS_DIR when set (`make screenshots`: docs/screenshots), else the test's own directory."""
    directory = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    directory.mkdir(parents=True, exist_ok=True)
    return directory
