"""SUNAT over plain HTTP (requests), through the flows public clients report (sunat.upstream.flows).

Each flow keeps its own SUNAT session (cookies, numRnd), shared by the process's threads. A
lookup tries the flow in use first and the others after it (sunat.upstream.flows.choice); a
refused flow is tried once more on a new session when its session was an old one (it may have
expired, its numRnd may have been good for one query only), and then the next flow is tried.
Every request, the form page, the list page and the captcha included, is paced, under the
lookup's deadline, and read in bounded memory (transport.py).
"""

import logging
import threading
from urllib.parse import urlsplit

import requests
from django.conf import settings

from sunat.exceptions import DeadlineExceeded, FlowRefused, SunatError, SunatRefused, SunatRejected, SunatUnavailable
from sunat.monitoring import metrics
from sunat.upstream import budget
from sunat.upstream.clients import headers, transport
from sunat.upstream.clients.base import Section, SunatClient
from sunat.upstream.flows import FLOWS, LIST_SEARCH, Flow, choice, nmagic
from sunat.upstream.parser import PageKind, error_message, marked_kind
from sunat.upstream.parser.session import is_search_form, numrnd, script_cookies

logger = logging.getLogger(__name__)

REFUSING_STATUSES = (401, 403, 404)  # what SUNAT answers a request it does not take this way
CAPTCHA_PATH = "captcha"


class FlowSession:
    """One flow's SUNAT session in this process: its cookies and the numRnd its queries carry."""

    def __init__(self, flow: Flow):
        self.flow = flow
        self.cookies = requests.cookies.RequestsCookieJar()  # locks itself; every thread's requests use it
        self.lock = threading.Lock()  # one thread opens the session, the others wait for it
        self.opened = False
        self.numrnd: str | None = None
        self.numrnd_used = False
        self.single_use = False  # learned: SUNAT took each numRnd for one query only (kept across sessions)

    def forget(self) -> None:
        self.cookies.clear()
        self.opened = False
        self.numrnd, self.numrnd_used = None, False


class HttpClient(SunatClient):
    name = "http"

    def __init__(self, *args, user_agent=None, flows=None, remember=False, alone=True, **kwargs):
        """`flows`: the flows to use (all of them by default, cheapest first); `remember`: whether it is
        the service's client, whose lookups follow and make the deployment's choice of flow
        (sunat.upstream.flows.choice); `alone`: whether nothing follows it (SUNAT_CLIENT=http): then
        every flow refused means nothing works."""
        super().__init__(*args, **kwargs)
        self.profile = headers.profile(user_agent or settings.SUNAT_USER_AGENT)
        self.flows = list(flows or FLOWS.values())
        self.remember = remember
        self.alone = remember and alone
        self._sessions = {flow.name: FlowSession(flow) for flow in self.flows}
        # requests.Session is not thread-safe: each thread has its own per flow, on the flow's cookie jar.
        self._local = threading.local()

    def fetch_ruc_page(self, ruc: str) -> str:
        return self._walk(lambda session: self._ask_ruc(session, ruc), ficha=True)

    def fetch_section_page(self, ruc: str, section: Section, razon_social: str) -> str:
        def ask(session):
            # What the result page's own form (formRepLeg, formNumTrabajd) posts: no token.
            fields = {"accion": section.accion, "contexto": "ti-it", "modo": "1", "nroRuc": ruc, "desRuc": razon_social}
            if session.numrnd:
                fields["numRnd"] = session.numrnd
            return self._post(session, fields)

        return self._walk(ask, ficha=False)

    def reset(self) -> None:
        for session in self._sessions.values():
            session.forget()  # the next attempt starts a new SUNAT session

    def fetch_with(self, flow_name: str, ruc: str) -> str:
        """consPorRuc through one flow on a new session (the check of every flow): FlowRefused if refused."""
        session = self._sessions[flow_name]
        session.forget()
        return self._in_session(session, lambda s: self._ask_ruc(s, ruc), ficha=True)

    # The walk through the flows -----------------------------------------------------------------

    def _walk(self, ask, ficha: bool) -> str:
        """`ficha`: the answer should be a result page (a section may well be one of SUNAT's message
        pages: "no information")."""
        if self.alone:
            choice.check_may_walk()
        names = [flow.name for flow in self.flows]
        order, from_cheapest = choice.plan(names) if self.remember else (names, True)
        refusals = []
        for name in order:
            try:
                page = self._in_session(self._sessions[name], ask, ficha)
            except FlowRefused as refusal:
                metrics.flow_attempt(name, metrics.FLOW_REFUSED)
                logger.warning("SUNAT refused the %s flow: %s", name, refusal)
                refusals.append(f"{name}: {refusal}")
                continue
            except SunatError:
                metrics.flow_attempt(name, metrics.FLOW_FAILED)
                raise
            metrics.flow_attempt(name, metrics.FLOW_ACCEPTED)
            if self.remember:
                choice.accepted(name, from_cheapest)
            return page
        detail = "; ".join(refusals)
        if self.alone:
            choice.everything_refused(detail)
        raise SunatRefused(f"SUNAT refused every HTTP flow ({detail})")

    def _in_session(self, session: FlowSession, ask, ficha: bool) -> str:
        opened = self._open(session)
        reused = session.numrnd_used
        try:
            return self._verdict(ask(session), ficha)
        except FlowRefused:
            if opened:
                raise
        # An old session: it may have expired, or its numRnd been good for one query (CiaphasC: on a
        # 401 or 403, a new session and one retry).
        session.forget()
        self._open(session)
        page = self._verdict(ask(session), ficha)
        if reused and not session.single_use:
            session.single_use = True
            logger.info("SUNAT takes a numRnd of the %s flow once: one per query from now on", session.flow.name)
        return page

    def _verdict(self, answer: transport.Answer, ficha: bool = True) -> str:
        """The page, or FlowRefused when it says that SUNAT does not take the query this way (for a
        `ficha`, an error page says so too)."""
        if answer.status in REFUSING_STATUSES:
            raise FlowRefused(f"HTTP {answer.status}")
        if answer.status != 200:
            raise SunatUnavailable(f"SUNAT answered HTTP {answer.status}")
        page = answer.text
        kind = marked_kind(page)  # markers only: a result page is parsed once, by its reader
        if kind is PageKind.ERROR and ficha:
            raise FlowRefused(f"página de error: {error_message(page) or 'sin mensaje'}")
        if kind is None and is_search_form(page):
            raise FlowRefused("volvió el formulario de búsqueda")
        if kind is None and "document.cookie" in page:
            raise FlowRefused("volvió una página que pone cookies por script (¿un desafío JavaScript?)")
        return page

    # A flow's steps -----------------------------------------------------------------------------

    def _open(self, session: FlowSession) -> bool:
        """Open the flow's session if it is not (the form page, and the cookies its script sets when
        the flow copies them); whether this call opened it."""
        if session.opened:
            return False
        if not session.lock.acquire(timeout=budget.current().check("waiting for a SUNAT session")):
            raise DeadlineExceeded("another request kept opening the SUNAT session past the deadline")
        try:
            if session.opened:
                return False
            session.forget()
            answer = self._get(session, self.form_url, self.profile.document())
            if answer.status in REFUSING_STATUSES:
                raise FlowRefused(f"el formulario respondió HTTP {answer.status}")
            if answer.status != 200:
                raise SunatUnavailable(f"SUNAT answered HTTP {answer.status} for the form page")
            if marked_kind(answer.text) is PageKind.REJECTED:
                raise SunatRejected("SUNAT's firewall rejected the form page")
            if session.flow.copies_script_cookies:
                host = urlsplit(self.base_url).hostname
                for name, value, path in script_cookies(answer.text):
                    session.cookies.set(name, value, domain=host, path=path)
            session.opened = True
            return True
        finally:
            session.lock.release()

    def _ask_ruc(self, session: FlowSession, ruc: str) -> transport.Answer:
        value = self._numrnd(session) if session.flow.numrnd_from else None
        answer = self._post(session, session.flow.ruc_fields(ruc, value))
        session.numrnd_used = value is not None
        return answer

    def _numrnd(self, session: FlowSession) -> str:
        """The numRnd the next query carries: the session's, or a new one when it has none or SUNAT
        takes each once."""
        if session.numrnd is None or (session.single_use and session.numrnd_used):
            if session.flow.numrnd_from == "list":
                session.numrnd = self._numrnd_from_list(session)
            else:
                session.numrnd = self._numrnd_from_captcha(session)
            session.numrnd_used = False
        return session.numrnd

    def _numrnd_from_list(self, session: FlowSession) -> str:
        page = self._verdict(self._post(session, {"accion": "consPorRazonSoc", "razSoc": LIST_SEARCH}))
        if marked_kind(page) is PageKind.REJECTED:
            raise SunatRejected("SUNAT's firewall rejected the list page")
        value = numrnd(page)
        if value is None:
            raise FlowRefused("la página de lista no trae numRnd")
        return value

    def _numrnd_from_captcha(self, session: FlowSession) -> str:
        value = nmagic()
        answer = self._get(session, self.base_url + CAPTCHA_PATH, self.profile.image(referer=self.form_url),
                           params={"accion": "image", "nmagic": value})
        # CiaphasC goes on without the image when SUNAT answers 401 or 404.
        if answer.status not in (200, 401, 404):
            raise SunatUnavailable(f"SUNAT answered HTTP {answer.status} for the captcha")
        return value

    # Requests -----------------------------------------------------------------------------------

    def _http(self, session: FlowSession) -> requests.Session:
        sessions = getattr(self._local, "sessions", None)
        if sessions is None:
            sessions = self._local.sessions = {}
        http = sessions.get(session.flow.name)
        if http is None:
            http = sessions[session.flow.name] = requests.Session()
            http.cookies = session.cookies
        return http

    def _get(self, session: FlowSession, url: str, request_headers: dict, params=None) -> transport.Answer:
        return transport.request(self._http(session).get, url, self.request_timeout(), self.timeout,
                                 query=False, headers=request_headers, params=params)

    def _post(self, session: FlowSession, fields: dict) -> transport.Answer:
        request_headers = self.profile.document(referer=self.form_url, origin=self._origin(), same_site=True)
        return transport.request(self._http(session).post, self.query_url, self.request_timeout(), self.timeout,
                                 query=True, data=fields, headers=request_headers)

    def _origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"
