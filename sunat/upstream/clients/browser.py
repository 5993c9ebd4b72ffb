"""SUNAT through a real Chromium driven by Selenium: what keeps working if SUNAT's flow changes.

One browser per process, reused across lookups and used by one thread at a time; recycled
after SELENIUM_MAX_USES lookups, after a timeout and after a crash; quit at exit.
"""

import atexit
import json
import logging
import os
import threading
import time
from urllib.parse import urlsplit

from django.conf import settings
from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait
from urllib3.exceptions import HTTPError, ReadTimeoutError

from sunat.exceptions import BrowserFailed, DeadlineExceeded, SunatTimeout, SunatUnavailable, SunatUnreachable
from sunat.upstream import budget, throttle
from sunat.upstream.clients.base import Section, SunatClient
from sunat.upstream.clients.browser_processes import OWNER_ENV, kill_orphaned_browsers, kill_process_tree
from sunat.upstream.clients.browser_scripts import ANSWER_IN_DOM_JS, ANSWER_READY_JS, SUBMIT_SECTION_JS, left
from sunat.upstream.flows import BROWSER, choice
from sunat.upstream.parser import PageKind, classify_page

logger = logging.getLogger(__name__)

# Work offline and as root; no GPU, no background traffic to Google. Images stay on: SUNAT's page
# registers its numRnd by loading a captcha image (captcha?accion=image&nmagic=), and nothing the
# page's own flow needs is switched off.
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
)

class BrowserClient(SunatClient):
    name = "selenium"

    def __init__(self, *args, chrome_binary=None, chromedriver_path=None, max_uses=None, remember=False, **kwargs):
        """`remember`: the browser is the service's only client (SUNAT_CLIENT=selenium), so it is the flow
        in use (sunat.upstream.flows.choice) whenever it gets a page."""
        super().__init__(*args, **kwargs)
        self.remember = remember
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
        return self._remembered(self._browse(ruc, lambda driver, deadline: self._open_result(driver, ruc, deadline)))

    def fetch_section_page(self, ruc: str, section: Section, razon_social: str) -> str:
        def open_section(driver, deadline):
            result = self._open_result(driver, ruc, deadline)
            if classify_page(result) is not PageKind.RESULT:
                return result  # an error page: the caller's parser says which
            # Submit the result page's own form, as its button does; SUNAT leaves the button out
            # for some taxpayers, and then the same fields are posted from a form made here.
            submit = SUBMIT_SECTION_JS.format(
                form=json.dumps(section.form_name),
                fields=json.dumps(
                    {"accion": section.accion, "contexto": "ti-it", "modo": "1", "nroRuc": ruc, "desRuc": razon_social}
                ),
            )
            self._navigate(driver, deadline, lambda: driver.execute_script(submit))
            return driver.page_source

        return self._remembered(self._browse(ruc, open_section))

    def _remembered(self, html: str) -> str:
        if self.remember:
            choice.accepted(BROWSER, from_cheapest=True)
        return html

    def reset(self) -> None:
        # After an error page: a new SUNAT session; the browser itself is kept.
        with self._lock:
            if self._driver is not None and self._driver_pid == os.getpid():
                try:
                    self._driver.delete_all_cookies()
                except WebDriverException:
                    self._kill()

    def close(self) -> None:
        with self._lock:
            self._quit()

    # Browser lifecycle ---------------------------------------------------------------------

    def _browse(self, ruc: str, steps) -> str:
        work = budget.current()
        # One lookup at a time per browser; the others wait their turn within their own deadline.
        if not self._lock.acquire(timeout=work.check("waiting for the browser")):
            raise DeadlineExceeded("the browser stayed busy past the deadline")
        try:
            driver = self._ready_driver()
            timeout = self.request_timeout()
            deadline = time.monotonic() + timeout
            try:
                html = steps(driver, deadline)
            except (TimeoutException, ReadTimeoutError) as exc:
                self._kill()  # a hung page or chromedriver: nothing polite will work
                if timeout >= self.timeout:  # cut short by the deadline, it says nothing of SUNAT
                    throttle.failed()
                raise SunatTimeout(f"SUNAT did not answer in {timeout:g}s (browser)") from exc
            except (WebDriverException, HTTPError, OSError) as exc:
                self._kill()  # renderer crash, browser or driver gone: a fresh one next time
                raise BrowserFailed(f"browser failed: {getattr(exc, 'msg', None) or exc!r}") from exc
            self._uses += 1
            if self._uses >= self.max_uses or self._recycle:
                self._quit()
            return html
        finally:
            self._lock.release()

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
        options.page_load_strategy = "eager"
        # An explicit driver path: Selenium Manager never runs, so nothing is downloaded.
        service = Service(
            executable_path=self.chromedriver_path,
            env={**os.environ, OWNER_ENV: str(os.getpid())},
        )
        try:
            driver = webdriver.Chrome(options=options, service=service)
        except (WebDriverException, OSError, ValueError) as exc:
            if getattr(service, "process", None) is not None:
                kill_process_tree(service.process.pid)
            raise BrowserFailed(f"cannot start the browser: {getattr(exc, 'msg', None) or exc}") from exc
        driver.set_page_load_timeout(self.timeout)
        driver.set_script_timeout(self.timeout)
        # A stuck chromedriver must not hold a request for Selenium's default 120 s, nor for
        # urllib3's three retries of it: what did not answer in time will not answer a retry.
        executor = driver.command_executor
        executor.client_config.timeout = self.timeout + 5
        executor._conn.connection_pool_kw["retries"] = False  # no public setting after creation
        executor._conn.clear()  # pools are rebuilt with it on the next command
        return driver

    def _quit(self) -> None:
        """Close the browser politely (recycling, exit); kill it if it does not go."""
        driver = self._release()
        if driver is None:
            return
        try:
            driver.quit()
        except Exception:  # a crashed browser may not quit politely
            logger.warning("browser did not quit cleanly", exc_info=True)
        kill_process_tree(driver.service.process.pid)  # whatever quit() left behind

    def _kill(self) -> None:
        """Kill the browser at once: after a timeout or a crash it may not answer at all."""
        driver = self._release()
        if driver is not None:
            kill_process_tree(driver.service.process.pid)

    def _release(self):
        driver, self._driver = self._driver, None
        self._recycle = False
        if driver is None or self._driver_pid != os.getpid():
            return None  # not ours to stop: started by the process we were forked from
        return driver

    # Page steps ---------------------------------------------------------------------------

    def _open_result(self, driver, ruc: str, deadline: float) -> str:
        throttle.wait_for_turn()
        driver.get(self.form_url)
        self._check_reached(driver)
        self._let_page_load(driver, deadline)
        ruc_field = self._wait(driver, deadline).until(EC.element_to_be_clickable((By.ID, "txtRuc")))
        ruc_field.clear()
        ruc_field.send_keys(ruc)
        self._navigate(driver, deadline, driver.find_element(By.ID, "btnAceptar").click)
        return driver.page_source

    def _let_page_load(self, driver, deadline: float) -> None:
        """Give the form page's scripts and what they load (the captcha image that registers numRnd, a
        cookie computed by script) until the load event, as a person would wait; a page that never
        finishes loading is used as it is."""
        try:
            self._wait(driver, min(deadline, time.monotonic() + self.timeout / 2)).until(
                lambda d: d.execute_script("return document.readyState") == "complete")
        except TimeoutException:
            logger.info("SUNAT's form page kept loading; going on with it")

    def _navigate(self, driver, deadline: float, leave_page) -> None:
        """Leave the current page (click, submit) and wait until the next one holds SUNAT's answer."""
        page = driver.find_element(By.TAG_NAME, "html")
        throttle.wait_for_turn()
        try:
            leave_page()
            wait = self._wait(driver, deadline)
            wait.until(left(page))
            wait.until(lambda d: d.execute_script(ANSWER_READY_JS))
        except TimeoutException:
            # SUNAT may keep the connection open after </html>: the page never finishes loading,
            # and the browser gives up at its page load timeout with the answer already there.
            try:
                arrived = left(page)(driver) and driver.execute_script(ANSWER_IN_DOM_JS)
            except WebDriverException:
                arrived = False
            if not arrived:
                raise
            logger.info("SUNAT kept the page loading; using what arrived")
            self._recycle = True  # a browser that hit its page load timeout is not trusted again
        driver.execute_script("window.stop()")  # don't wait for a connection SUNAT keeps open
        self._check_reached(driver)
        throttle.answered()

    def _check_reached(self, driver) -> None:
        """Raise if the browser shows its own network error page instead of SUNAT's, or ended up
        somewhere else than SUNAT (a redirect), or holds a page over SUNAT_MAX_PAGE_BYTES."""
        where = driver.execute_script("return document.documentURI")
        if not where.startswith("chrome-error://") and urlsplit(where).netloc != urlsplit(self.base_url).netloc:
            raise SunatUnavailable("SUNAT sent the browser to another host")
        if len(driver.page_source) > settings.SUNAT_MAX_PAGE_BYTES:
            raise SunatUnavailable(f"SUNAT sent a page over {settings.SUNAT_MAX_PAGE_BYTES} bytes")
        if where.startswith("chrome-error://"):
            throttle.failed()
            if "ERR_CONNECTION_RESET" in driver.page_source:
                raise SunatUnreachable("SUNAT reset the connection (browser)")
            raise SunatUnreachable("the browser could not reach SUNAT")

    @staticmethod
    def _wait(driver, deadline: float) -> WebDriverWait:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutException("SUNAT timeout spent")
        return WebDriverWait(driver, remaining, poll_frequency=0.05)
