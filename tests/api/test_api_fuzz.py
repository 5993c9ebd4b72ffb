"""Property-based (Hypothesis) tests of the API's answers to bad input.

Whatever the path, query string, method or body, the API answers JSON: never a 5xx, never
an HTML page, a 4xx always has `error` and `detail`, an echoed RUC is short, SUNAT is never
asked about an invalid RUC, and what is already stored (database and cache) stays as it was.
"""

import json
import string
import time
from urllib.parse import quote, unquote, urlencode

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sunat import caching
from sunat.lookups import ruc_cache
from sunat.models import RucRecord, RucSectionRecord
from sunat.validators import InvalidRuc, ruc_check_digit, validate_ruc

pytestmark = pytest.mark.django_db(transaction=True)  # SUNAT is asked from the scheduler's threads

COMPANY = "20573215045"
SECTIONS = ("representantes", "trabajadores")
MAX_ECHO = 64
JSON_5XX = {503: "sunat_no_disponible", 504: "sunat_timeout"}
ROUTES = ("/api/ruc/{}", "/obtener-ruc/{}", "/api/ruc/{}/representantes", "/api/ruc/{}/trabajadores")
OTHER_METHODS = ("POST", "PUT", "PATCH", "DELETE", "OPTIONS")

# Fixtures (client, replica, the stored lookup) live for the whole test, across examples: that
# is the point, the stored lookup must survive every example. No example database: it would be
# a `.hypothesis/` directory in the project.
FUZZ = dict(deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])


# ---------------------------------------------------------------------------------------------
# Strategies


def _is_valid(value: str) -> bool:
    try:
        validate_ruc(value)
    except InvalidRuc:
        return False
    return True


def _make_ruc(first_ten: str) -> str:
    return first_ten + str(ruc_check_digit(first_ten))


# Characters that look like digits or hide in text, and are not a RUC's 0-9.
UNICODE_DIGITS = (
    "０１２３４５６７８９"  # full-width
    "٠١٢٣٤٥٦٧٨٩"  # Arabic-Indic
    "۰۱۲۳۴۵۶۷۸۹"  # Extended Arabic-Indic
    "०१२३४५६७८९"  # Devanagari
    "০১২৩৪৫৬৭৮৯"  # Bengali
    "¹²³⁰₀₁₂"  # super/subscripts (isdigit, not decimal)
    "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗"  # mathematical bold
    "①②③ⅠⅡⅢ"
)
INVISIBLE = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2069\u200b\u200c\u200d\ufeff\u00ad"
CONTROL = "".join(map(chr, range(0x00, 0x20))) + "\x7f\x85\xa0\u2028\u2029"
EMOJI = "😀🇵🇪👨‍👩‍👧🔥💩🧪"
TRICKY = UNICODE_DIGITS + INVISIBLE + CONTROL + EMOJI + "./\\%?#&=+;: '\"<>{}[]|`^~"

prefixes = st.sampled_from(("10", "15", "16", "17", "20"))
eight_digits = st.text(alphabet=string.digits, min_size=8, max_size=8)
valid_rucs = st.builds(lambda p, d: _make_ruc(p + d), prefixes, eight_digits)


@st.composite
def wrong_check_digit_rucs(draw):
    first_ten = draw(prefixes) + draw(eight_digits)
    right = ruc_check_digit(first_ten)
    return first_ten + str(draw(st.integers(0, 9).filter(lambda d: d != right)))


@st.composite
def disguised_rucs(draw):
    """A valid RUC with one or more digits swapped for a look-alike, or invisible marks added."""
    ruc = list(draw(st.one_of(valid_rucs, st.just(COMPANY))))
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(ruc) - 1))
        if draw(st.booleans()):
            ruc[i] = draw(st.sampled_from(UNICODE_DIGITS))
        else:
            ruc.insert(i, draw(st.sampled_from(INVISIBLE + CONTROL + " ")))
    return "".join(ruc)


digit_strings = st.one_of(
    st.text(alphabet=string.digits, max_size=40),
    st.builds(lambda d, n: d * n, st.sampled_from(string.digits), st.integers(12, 3000)),
)
long_text = st.builds(lambda s, n: (s * n)[:4000], st.text(min_size=1, max_size=12), st.integers(50, 400))

# Text for one path segment; it is percent-encoded (UTF-8) into the URL, and a "/" in it
# really becomes a "/" in the path the router sees.
segment_text = st.one_of(
    st.text(max_size=40),  # any Unicode but surrogates
    st.text(alphabet=TRICKY + string.digits, max_size=40),
    digit_strings,
    wrong_check_digit_rucs(),
    disguised_rucs(),
    long_text,
    st.sampled_from(("", ".", "..", "...", " ", COMPANY + " ", " " + COMPANY, COMPANY + "\x00", "+" + COMPANY,
                     "-" + COMPANY, COMPANY + ".0", "2.0573215045e10", "0x4CA3F1B45")),
)


@st.composite
def raw_segments(draw):
    """Path text written as-is: percent escapes of any bytes (often not UTF-8), dots, slashes."""
    parts = draw(st.lists(st.one_of(
        st.binary(min_size=1, max_size=8).map(lambda b: "".join(f"%{byte:02X}" for byte in b)),
        st.sampled_from(("%FF", "%FE", "%C0%AE", "%E2%80", "%ED%A0%80", "%F4%90%80%80", "%00", "%2e%2e", "%2E%2E",
                         "%2e", "..", ".", "/", "//", "%2F", "%2f", "%5C", "\\", "%", "%%", "%G0", "%2", ";", "%3B")),
        st.text(alphabet=string.digits + string.ascii_letters + "-_.~", max_size=11),
        st.just(COMPANY),
    ), min_size=1, max_size=8))
    return "".join(parts)


query_values = st.one_of(
    st.sampled_from(("", "0", "1", "true", "false", "TRUE", "False", "tRuE", "yes", "no", "2", "-1", " 1", "1 ",
                     "１", "truе", "ｔｒｕｅ", "İ", "on", "null", "[]", "1,0")),
    st.text(max_size=20),
    st.text(alphabet=TRICKY, max_size=20),
    long_text,
)
query_names = st.one_of(st.just("fresh"), st.sampled_from(("FRESH", "fresh[]", "fresh ", "ruc", "", "_", "callback",
                                                          "format")), st.text(max_size=10))


# ---------------------------------------------------------------------------------------------
# Helpers


def _stored_state():
    """What must never change: the stored lookup (and its sub-pages) in the database and the cache."""
    record = RucRecord.objects.get(ruc=COMPANY)
    sections = {
        row.section: (row.data, row.source, row.fetched_at)
        for row in RucSectionRecord.objects.filter(ruc=COMPANY)
    }
    return {
        "record": (record.data, record.source, record.fetched_at, record.razon_social, record.estado,
                   record.condicion),
        "sections": sections,
        "cached": ruc_cache.get(COMPANY),
        "cached_sections": {name: ruc_cache.get(COMPANY, name) for name in SECTIONS},
    }


@pytest.fixture
def stored(client, replica):
    """One real lookup of COMPANY (main page and sub-pages), stored before any fuzzing."""
    for path in ROUTES:
        response = client.get(path.format(COMPANY))
        assert response.status_code == 200, response.content
    state = _stored_state()
    assert state["cached"] == state["record"][0]
    assert set(state["sections"]) == set(SECTIONS)
    return state


def _sunat_requests(replica):
    stats = replica.stats()
    return stats["queries"], stats["alias_posts"], stats["form_page_gets"]


def assert_api_answer(response, method="GET"):
    """The properties every answer of the API has, whatever was asked."""
    status = response.status_code
    content_type = response.get("Content-Type", "")
    assert content_type.split(";")[0].strip() == "application/json", (status, content_type, response.content[:200])
    if method == "HEAD":
        assert status < 500, status
        return None
    body = json.loads(response.content.decode("utf-8"))
    assert isinstance(body, dict)
    if status >= 500:
        # SUNAT's own failures are the only 5xx, and they are JSON; the replica works, so even
        # these should not happen here.
        assert body.get("error") == JSON_5XX.get(status), (status, body)
        pytest.fail(f"{status} from a working replica: {body}")
    if 400 <= status < 500:
        assert isinstance(body.get("error"), str) and body["error"], body
        assert isinstance(body.get("detail"), str) and body["detail"], body
        if "ruc" in body:
            assert isinstance(body["ruc"], str) and len(body["ruc"]) <= MAX_ECHO, body
    else:
        assert status in (200,), (status, body)
    return body


def _fresh_spent():
    """This client (the test client's address) asked SUNAT for COMPANY's pages a moment ago: ?fresh=1 serves
    what is stored, however long the fuzzing takes (sunat.lookups.fresh)."""
    for section in (None, *SECTIONS):
        cache.set(caching.fresh_turn("ip:127.0.0.1", COMPANY, section), time.time() + 60, timeout=60)


def _fuzz_get(client, replica, stored, path, *, may_be_valid):
    _fresh_spent()
    before = _sunat_requests(replica)
    response = client.get(path)
    body = assert_api_answer(response)
    if not may_be_valid:
        assert _sunat_requests(replica) == before, f"SUNAT asked for {path!r}"
    assert _stored_state() == stored
    return response, body


# ---------------------------------------------------------------------------------------------
# Paths


@settings(max_examples=600, **FUZZ)
@given(route=st.sampled_from(ROUTES), text=segment_text)
@pytest.mark.slow
def test_any_text_as_the_ruc_gets_a_json_answer(client, replica, stored, route, text):
    path = route.format(quote(text, safe=""))
    parts = text.split("/")
    response, body = _fuzz_get(client, replica, stored, path, may_be_valid=any(map(_is_valid, parts)))
    if "/" not in text and not _is_valid(text):
        # One segment: it reaches the view, which refuses it without asking SUNAT.
        assert response.status_code == 400, body
        assert body["error"] == "ruc_invalido" and body["ruc"] == text[:MAX_ECHO], body


@settings(max_examples=300, **FUZZ)
@given(route=st.sampled_from(ROUTES), ruc=st.one_of(wrong_check_digit_rucs(), disguised_rucs(), digit_strings))
@pytest.mark.slow
def test_almost_rucs_are_refused_without_asking_sunat(client, replica, stored, route, ruc):
    if _is_valid(ruc):  # a digit string can happen to be a valid RUC
        return
    response, body = _fuzz_get(client, replica, stored, route.format(quote(ruc, safe="")), may_be_valid=False)
    assert response.status_code == 400 and body["error"] == "ruc_invalido", body
    assert body["ruc"] == ruc[:MAX_ECHO]


@settings(max_examples=300, **FUZZ)
@given(route=st.sampled_from(ROUTES), raw=raw_segments())
@pytest.mark.slow
def test_raw_paths_with_broken_escapes_dots_and_slashes(client, replica, stored, route, raw):
    path = route.format(raw)
    decoded = unquote(raw, errors="replace")
    _fuzz_get(client, replica, stored, path, may_be_valid=any(map(_is_valid, decoded.replace("\\", "/").split("/"))))


@settings(max_examples=60, **FUZZ)
@given(route=st.sampled_from(ROUTES), ruc=valid_rucs)
@pytest.mark.slow
def test_valid_rucs_get_data_or_not_found(client, replica, stored, route, ruc):
    response, body = _fuzz_get(client, replica, stored, route.format(ruc), may_be_valid=True)
    assert response.status_code in (200, 404), body
    if response.status_code == 404:
        assert body["error"] == "ruc_no_encontrado" and body["ruc"] == ruc
    else:
        assert body["ruc"] == ruc


# ---------------------------------------------------------------------------------------------
# Query strings


@settings(max_examples=300, **FUZZ)
@given(
    route=st.sampled_from(ROUTES),
    ruc=st.sampled_from((COMPANY, "20573215046", "abc", "")),
    params=st.lists(st.tuples(query_names, query_values), max_size=12),
    repeat=st.integers(1, 3),
)
@pytest.mark.slow
def test_query_strings_fresh_repeated_unknown_and_long(client, replica, stored, route, ruc, params, repeat):
    params = params * repeat
    path = route.format(ruc) + "?" + urlencode(params, quote_via=quote)
    response, body = _fuzz_get(client, replica, stored, path, may_be_valid=False)
    fresh_values = [value for name, value in params if name == "fresh"]
    fresh = fresh_values[-1].lower() if fresh_values else ""  # QueryDict.get: the last one
    if fresh not in ("", "0", "false", "1", "true"):
        assert response.status_code == 400 and body["error"] == "parametro_invalido", body
        assert body["ruc"] == ruc[:MAX_ECHO]
    elif ruc == COMPANY:
        assert response.status_code == 200 and response["X-Cache"] == "HIT", body
    else:
        assert response.status_code == 400 and body["error"] == "ruc_invalido", body


@settings(max_examples=100, **FUZZ)
@given(route=st.sampled_from(ROUTES + ("/health",)), raw=raw_segments(), count=st.integers(0, 1200))
@pytest.mark.slow
def test_raw_query_strings_and_too_many_parameters(client, replica, stored, route, raw, count):
    query = "&".join([raw] + ["x=1"] * count)
    _fresh_spent()
    before = _sunat_requests(replica)
    response = client.get(route.format(COMPANY) + "?" + query)
    assert_api_answer(response)
    assert _sunat_requests(replica) == before  # COMPANY is stored: nothing to ask
    if count >= 1000:  # DATA_UPLOAD_MAX_NUMBER_FIELDS; /health never reads its query string
        assert response.status_code in ((200,) if route == "/health" else (400,))
    assert _stored_state() == stored


# ---------------------------------------------------------------------------------------------
# Methods and bodies

content_types = st.one_of(
    st.sampled_from((
        "application/json", "application/json; charset=utf-8", "application/json; charset=nope",
        "application/x-www-form-urlencoded", "multipart/form-data", "multipart/form-data; boundary=x",
        "multipart/form-data; boundary=", "text/plain", "text/html", "application/xml", "", "*/*", ";;;",
        "application/octet-stream",
    )),
    st.text(alphabet=string.printable, max_size=40),
)
bodies = st.one_of(
    st.binary(max_size=300),
    st.sampled_from((b"{", b"{bad", b'{"ruc": ', b"[1,2", b'{"ruc": "20573215045"}', b"null", b"\xff\xfe\x00",
                     b"--x\r\nContent-Disposition: form-data\r\n", b"a=1&a=2&fresh=1", b"%FF=%FE")),
    st.text(max_size=100).map(str.encode),
)


@settings(max_examples=300, **FUZZ)
@given(
    method=st.sampled_from(OTHER_METHODS),
    path=st.one_of(st.sampled_from(ROUTES).map(lambda r: r.format(COMPANY)), st.just("/health"),
                   st.sampled_from(ROUTES).map(lambda r: r.format("abc"))),
    body=bodies,
    content_type=content_types,
    query=st.sampled_from(("", "?fresh=1", "?fresh=bogus", "?_method=GET")),
)
@pytest.mark.slow
def test_other_methods_are_refused_as_json(client, replica, stored, method, path, body, content_type, query):
    before = _sunat_requests(replica)
    response = client.generic(method, path + query, data=body, content_type=content_type)
    answer = assert_api_answer(response, method)
    assert response.status_code == 405 and answer["error"] == "metodo_no_permitido", answer
    assert response["Allow"] == "GET, HEAD"
    assert _sunat_requests(replica) == before
    assert _stored_state() == stored


@settings(max_examples=100, **FUZZ)
@given(
    method=st.one_of(st.sampled_from(OTHER_METHODS + ("GET", "HEAD", "TRACE", "CONNECT", "PROPFIND", "get", "Get")),
                     st.text(alphabet=string.ascii_uppercase, min_size=1, max_size=10)),
    query=st.lists(st.tuples(query_names, query_values), max_size=6).map(lambda p: urlencode(p, quote_via=quote)),
)
@pytest.mark.slow
def test_health_with_odd_methods_and_query_strings(client, replica, stored, method, query):
    response = client.generic(method, "/health?" + query)
    method = method.upper()  # as RequestFactory.generic sends it
    body = assert_api_answer(response, method)
    if method in ("GET", "HEAD"):
        assert response.status_code == 200
        if body is not None:
            assert body["status"] == "ok" and body["database"]["ok"] is True
    else:
        assert response.status_code == 405 and body["error"] == "metodo_no_permitido", body
        assert response["Allow"] == "GET, HEAD"
    assert _stored_state() == stored


def test_stored_lookup_is_served_unchanged_after_fuzzing(client, replica, stored):
    before = _sunat_requests(replica)
    for path in ("/api/ruc/%FF%FE", "/api/ruc/..%2F..", "/api/ruc/" + "9" * 5000, f"/api/ruc/{COMPANY}?fresh=nope"):
        assert_api_answer(client.get(path))
    for method in OTHER_METHODS:
        assert_api_answer(client.generic(method, f"/api/ruc/{COMPANY}", data=b"{bad", content_type="application/json"),
                          method)
    response = client.get(f"/api/ruc/{COMPANY}")
    assert response.status_code == 200 and response["X-Cache"] == "HIT"
    assert response.json() == stored["record"][0]
    assert _sunat_requests(replica) == before
    assert _stored_state() == stored


# ---------------------------------------------------------------------------------------------
# Explicit regressions: inputs worth keeping whatever Hypothesis happens to draw


@pytest.mark.parametrize("path, echoed", [
    ("/api/ruc/%FF%FE", "%FF%FE"),  # not UTF-8: Django re-escapes it
    ("/api/ruc/%ED%A0%80", "%ED%A0%80"),  # an encoded surrogate
    ("/api/ruc/%2e%2e", ".."),
    ("/api/ruc/..", ".."),
    ("/api/ruc/%00", "\x00"),
    ("/api/ruc/", ""),
    ("/obtener-ruc/%E2%80%8F20573215045", "\u200f20573215045"),  # RTL mark
    ("/api/ruc/20573215045%20", "20573215045 "),
    ("/api/ruc/%EF%BC%92%EF%BC%90573215045", "２０573215045"),  # full-width digits
    ("/api/ruc/%F0%9D%9F%90%F0%9D%9F%8E573215045", "𝟐𝟎573215045"),  # mathematical bold digits
    ("/api/ruc/20573215046", "20573215046"),  # wrong check digit
    ("/api/ruc/30573215045/representantes", "30573215045"),  # wrong prefix
    ("/api/ruc/" + "1" * 5000 + "/trabajadores", "1" * MAX_ECHO),
])
def test_invalid_rucs_regressions(client, replica, stored, path, echoed):
    before = _sunat_requests(replica)
    response = client.get(path)
    body = assert_api_answer(response)
    assert response.status_code == 400 and body["error"] == "ruc_invalido"
    assert body["ruc"] == echoed
    assert _sunat_requests(replica) == before
    assert _stored_state() == stored


@pytest.mark.parametrize("path", ["/api/ruc/a/b/c", "/api/ruc/1%2F2", "/api/ruc/%2F%2F", "/health/", "/api/ruc/x/otros",
                                  "/%FF", "/inicio"])
def test_unknown_paths_are_a_json_404(client, replica, path):
    response = client.get(path)
    body = assert_api_answer(response)
    assert response.status_code == 404 and body["error"] == "ruta_no_encontrada"


def test_too_many_query_parameters_is_a_json_400(client, replica, stored):
    response = client.get(f"/api/ruc/{COMPANY}?" + "&".join(["fresh=1"] * 1001))
    body = assert_api_answer(response)
    assert response.status_code == 400 and body["error"] == "solicitud_invalida"


def test_head_of_an_invalid_ruc_is_a_bodiless_json_400(client, replica):
    response = client.head("/api/ruc/%FF")
    assert_api_answer(response, "HEAD")
    assert response.status_code == 400 and response.content == b""


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", [f"/api/ruc/{COMPANY}", f"/api/ruc/{COMPANY}/representantes", "/health"])
def test_unsafe_methods_from_a_real_client_get_a_json_405(replica, stored, method, path):
    client = Client(enforce_csrf_checks=True)  # like curl or any API client: no CSRF cookie
    response = client.generic(method, path, data=b'{"ruc": ', content_type="application/json")
    body = assert_api_answer(response, method)
    assert response.status_code == 405 and body["error"] == "metodo_no_permitido"


@pytest.mark.parametrize("path", ["/api/ruc", "/obtener-ruc"])
def test_lookup_path_without_a_ruc_is_json(client, replica, path):
    response = client.get(path)
    body = assert_api_answer(response)
    assert response.status_code == 400 and body["error"] == "ruc_invalido"
