"""SUNAT through a real Chromium driven by Selenium: what keeps working if SUNAT's flow changes.

One browser per process, reused across lookups and used by one thread at a time; recycled
after SELENIUM_MAX_USES lookups, after a timeout and after a crash; quit at exit.
"""

import atexit
import logging
import os
import threading
import time

from django.conf import settings
from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from sunat.clients.base import Section, SunatClient
from sunat.clients.browser_processes import OWNER_ENV, kill_browsers_of, kill_orphaned_browsers
from sunat.exceptions import SunatTimeout, SunatUnavailable

logger = logging.getLogger(__name__)

# Work offline and as root; no GPU, no background traffic to Google.
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-extensions",
    "--blink-settings=imagesEnabled=false",
)

# SUNAT's answer (a result, a sub-page, or one of its error pages) is in the DOM.
_ANSWER_IN_DOM_JS = """
if (document.title.match(/Request Rejected|Pagina de (Error|Mensajes)/i)) return true;
if (document.querySelector("div.panel-footer, form[name=formRepLeg], table")) return true;
return /no es v.lido/i.test(document.body ? document.body.innerText : "");
"""
_ANSWER_READY_JS = 'if (document.readyState !== "loading") return true;' + _ANSWER_IN_DOM_JS


class BrowserClient(SunatClient):
    def __init__(self, *args, chrome_binary=None, chromedriver_path=None, max_uses=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.chrome_binary = chrome_binary or settings.CHROME_BINARY
        self.chromedriver_path = chromedriver_path or settings.CHROMEDRIVER_PATH
        self.max_uses = max_uses or settings.SELENIUM_MAX_USES
        self._lock = threading.Lock()
        self._driver = None
        self._driver_pid = None  # the process that started it (a fork must not share it)
        self._uses = 0
        self._recycle = False
        self.browsers_started = 0
        atexit.register(self.close)

    # Lookups ------------------------------------------------------------------------------

    def fetch_ruc_page(self, ruc: str) -> str:
        return self._browse(ruc, lambda driver, deadline: self._open_result(driver, ruc, deadline))

    def fetch_section_page(self, ruc: str, section: Section, razon_social: str) -> str:
        def open_section(driver, deadline):
            self._open_result(driver, ruc, deadline)
            # The result page's own form, as its button does (document.formX.submit()).
            if not driver.execute_script(f"return !!document.forms[{section.form_name!r}]"):
                return driver.page_source  # not a result page: let the parser say what it is
            self._navigate(
                driver, deadline, lambda: driver.execute_script(f"document.forms[{section.form_name!r}].submit()")
            )
            return driver.page_source

        return self._browse(ruc, open_section)

    def reset(self) -> None:
        # After an error page: a new SUNAT session; the browser itself is kept.
        with self._lock:
            if self._driver is not None and self._driver_pid == os.getpid():
                try:
                    self._driver.delete_all_cookies()
                except WebDriverException:
                    self._quit()

    def close(self) -> None:
        with self._lock:
            self._quit()

    # Browser lifecycle ---------------------------------------------------------------------

    def _browse(self, ruc: str, steps) -> str:
        with self._lock:
            driver = self._ready_driver()
            deadline = time.monotonic() + self.timeout
            try:
                html = steps(driver, deadline)
            except TimeoutException as exc:
                self._quit()  # a hung page may have left the browser in any state
                raise SunatTimeout(f"SUNAT did not answer in {self.timeout:g}s (browser)") from exc
            except WebDriverException as exc:
                self._quit()  # renderer crash, browser gone, ...: a fresh one next time
                raise SunatUnavailable(f"browser failed: {exc.msg or exc.__class__.__name__}") from exc
            self._uses += 1
            if self._uses >= self.max_uses or self._recycle:
                self._quit()
            return html

    def _ready_driver(self):
        if self._driver is not None and self._driver_pid != os.getpid():
            self._driver = None  # inherited through fork: the parent's, not ours
        if self._driver is None:
            kill_orphaned_browsers()  # what a killed predecessor left behind
            self._driver = self._start_driver()
            self._driver_pid = os.getpid()
            self._uses = 0
            self.browsers_started += 1
        return self._driver

    def _start_driver(self):
        options = webdriver.ChromeOptions()
        options.binary_location = self.chrome_binary
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.images": 2})
        options.page_load_strategy = "eager"
        # An explicit driver path: Selenium Manager never runs, so nothing is downloaded.
        service = Service(
            executable_path=self.chromedriver_path,
            env={**os.environ, OWNER_ENV: str(os.getpid())},
        )
        try:
            driver = webdriver.Chrome(options=options, service=service)
        except WebDriverException as exc:
            kill_browsers_of(os.getpid())
            raise SunatUnavailable(f"cannot start the browser: {exc.msg or exc}") from exc
        except (OSError, ValueError) as exc:
            raise SunatUnavailable(f"cannot start the browser: {exc}") from exc
        driver.set_page_load_timeout(self.timeout)
        driver.set_script_timeout(self.timeout)
        # A stuck chromedriver must not hold a request for Selenium's default 120 s.
        driver.command_executor.client_config.timeout = self.timeout + 10
        return driver

    def _quit(self) -> None:
        driver, self._driver = self._driver, None
        self._recycle = False
        if driver is None or self._driver_pid != os.getpid():
            return
        try:
            driver.quit()
        except Exception:  # a crashed browser may not quit politely
            logger.warning("browser did not quit cleanly", exc_info=True)
        kill_browsers_of(os.getpid())  # whatever quit() left behind

    # Page steps ---------------------------------------------------------------------------

    def _open_result(self, driver, ruc: str, deadline: float) -> str:
        driver.get(self.form_url)
        ruc_field = self._wait(driver, deadline).until(EC.element_to_be_clickable((By.ID, "txtRuc")))
        ruc_field.clear()
        ruc_field.send_keys(ruc)
        self._navigate(driver, deadline, driver.find_element(By.ID, "btnAceptar").click)
        return driver.page_source

    def _navigate(self, driver, deadline: float, leave_page) -> None:
        """Leave the current page (click, submit) and wait until the next one holds SUNAT's answer."""
        page = driver.find_element(By.TAG_NAME, "html")
        try:
            leave_page()
            wait = self._wait(driver, deadline)
            wait.until(EC.staleness_of(page))
            wait.until(lambda d: d.execute_script(_ANSWER_READY_JS))
        except TimeoutException:
            # SUNAT may keep the connection open after </html>: the page never finishes loading,
            # and the browser gives up at its page load timeout with the answer already there.
            if not (EC.staleness_of(page)(driver) and driver.execute_script(_ANSWER_IN_DOM_JS)):
                raise
            logger.info("SUNAT kept the page loading; using what arrived")
            self._recycle = True  # a browser that hit its page load timeout is not trusted again
        driver.execute_script("window.stop()")
        if driver.execute_script("return document.documentURI").startswith("chrome-error://"):
            raise SunatUnavailable("the browser could not reach SUNAT")

    @staticmethod
    def _wait(driver, deadline: float) -> WebDriverWait:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutException("SUNAT timeout spent")
        return WebDriverWait(driver, remaining, poll_frequency=0.05)
