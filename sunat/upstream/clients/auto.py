"""SUNAT_CLIENT=auto: plain HTTP through every flow, and a real browser while SUNAT refuses them all.

The browser answers within the same budget (SUNAT_DEADLINE) as the HTTP flows it follows, and
stays the choice (sunat.upstream.flows.choice, deployment-wide) until the HTTP flows are tried
again: by the scheduled check (sunat.upstream.flow_check), or by a lookup once the choice is
SUNAT_FLOW_RECHECK_MINUTES old. The browser is started on first need, one per process.
"""

import logging
import threading

from sunat.exceptions import SunatError, SunatRefused, SunatRejected, refused_by
from sunat.monitoring import metrics
from sunat.upstream import budget
from sunat.upstream.clients.base import Section, SunatClient
from sunat.upstream.clients.http import HttpClient
from sunat.upstream.flows import BROWSER, FLOWS, choice

logger = logging.getLogger(__name__)


class AutoClient(SunatClient):
    name = "auto"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._options = (args, kwargs)
        self.http = HttpClient(*args, remember=True, alone=False, **kwargs)
        self._browser = None
        self._browser_lock = threading.Lock()

    @property
    def browser(self):
        with self._browser_lock:
            if self._browser is None:
                from sunat.upstream.clients.browser import BrowserClient  # Selenium only when needed

                args, kwargs = self._options
                self._browser = BrowserClient(*args, **kwargs)
            return self._browser

    def lookup(self, ruc: str) -> dict:
        return self._either(lambda client: client.lookup(ruc), ficha=True)

    def lookup_section(self, ruc: str, section: Section, razon_social: str = ""):
        return self._either(lambda client: client.lookup_section(ruc, section, razon_social), ficha=False)

    def _either(self, ask, ficha: bool):
        """`ficha`: only the ficha's failure through the browser says that nothing works; a section's
        may be SUNAT's own error page for that RUC and page."""
        with budget.ensure():
            choice.check_may_walk()
            in_use = (choice.in_use() or {}).get("flow")
            order, from_cheapest = choice.plan([*FLOWS, BROWSER])
            if order[0] != BROWSER:
                try:
                    return ask(self.http)
                except SunatRefused as refused:
                    logger.warning("SUNAT refused every HTTP flow; asking through the browser (%s)", refused)
                except SunatError as exc:
                    # Re-examining HTTP while the browser is in use: HTTP failing in any way (a SUNAT
                    # that drops non-browser clients resets them) leaves the browser to answer.
                    if in_use != BROWSER or isinstance(exc, SunatRejected):
                        raise
                    logger.warning("HTTP failed while the browser is in use (%s); asking through the browser", exc)
                from_cheapest = True  # every HTTP flow was just tried
            return self._through_browser(ask, from_cheapest, ficha)

    def _through_browser(self, ask, from_cheapest: bool, ficha: bool):
        try:
            answer = ask(self.browser)
        except SunatError as exc:
            if not (ficha and refused_by(exc)):  # the firewall, a cooldown, no answer, a browser that failed
                metrics.flow_attempt(BROWSER, metrics.FLOW_FAILED)
                raise
            metrics.flow_attempt(BROWSER, metrics.FLOW_REFUSED)
            choice.everything_refused(f"{BROWSER}: {exc}")
            raise SunatRefused(f"SUNAT refused every flow, the browser's too ({exc})") from exc
        metrics.flow_attempt(BROWSER, metrics.FLOW_ACCEPTED)
        choice.accepted(BROWSER, from_cheapest)
        return answer

    def reset(self) -> None:
        self.http.reset()

    def close(self) -> None:
        self.http.close()
        with self._browser_lock:
            if self._browser is not None:
                self._browser.close()
