"""The replica's switchable SUNAT defenses (devtools/replica/defenses.py): numRnd, the script
cookie, the JavaScript challenge, their 404s, the firewall's version rule and the timeline.

Each flow is what a public client reports doing (giansalex/peru-consult, CiaphasC/sunat-ruc-api,
crafter-research/sunat-cli), played with ``requests`` against a started ReplicaServer.
Run: .venv/bin/python -m pytest tests/devtools/test_replica_defenses.py -p no:django -q
"""

import re
import select
import shutil
import subprocess
import sys
import time

import pytest
import requests

from devtools.replica import DEFENSES, ReplicaConfig, ReplicaServer
from devtools.replica.sessions import MAX_NUMRNDS
from tests.support.paths import PROJECT_ROOT

# Uses neither the database nor the cache that `make test` varies: run once, in the first pass.
pytestmark = pytest.mark.standalone

RUC = "20131312955"  # SUNAT itself: a synthetic page here
HONEST_UA = "ruc-service/1.0 (+contact)"
TOKEN = "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v2w3x4y5z6"
SESSION_COOKIE = "ITMRCONSRUCSESSION"
DEFENDED = ["numrnd", "numrnd_once", "cookie", "js", "all"]


# -- fixtures and helpers ------------------------------------------------------


@pytest.fixture(scope="module")
def replica_server():
    with ReplicaServer() as server:
        yield server


@pytest.fixture
def sunat(replica_server):
    replica_server.config.update(**ReplicaConfig().to_dict())
    replica_server.reset_stats()
    yield replica_server
    replica_server.config.update(**ReplicaConfig().to_dict())


@pytest.fixture
def client():
    with requests.Session() as session:
        session.headers["User-Agent"] = HONEST_UA
        yield session


def new_client():
    session = requests.Session()
    session.headers["User-Agent"] = HONEST_UA
    return session


def open_form(sunat, client):
    response = client.get(sunat.url + "FrameCriterioBusquedaWeb.jsp", timeout=5)
    assert response.status_code == 200
    return response


def post_alias(sunat, client, data, **kwargs):
    kwargs.setdefault("timeout", 5)
    return client.post(sunat.url + "jcrS00Alias", data=data, **kwargs)


def lookup_form(ruc=RUC, **overrides):
    """What the form page posts once its script filled nroRuc and token (today's flow)."""
    form = {"accion": "consPorRuc", "nroRuc": ruc, "token": TOKEN, "contexto": "ti-it", "modo": "1",
            "search1": ruc, "tipdoc": "1", "rbtnTipo": "1", "codigo": ""}
    form.update(overrides)
    return {name: value for name, value in form.items() if value is not None}


def captcha(sunat, client, nmagic, accion="image"):
    return client.get(sunat.url + "captcha", params={"accion": accion, "nmagic": nmagic}, timeout=5)


def list_page(sunat, client, query="SUNAT"):
    return post_alias(sunat, client, {"accion": "consPorRazonSoc", "razSoc": query})


def numrnd_of(page):
    match = re.search(r'<input type="hidden" name="numRnd" value="(\d+)">', page.text)
    assert match, "no numeric numRnd on the page"
    return match.group(1)


def is_result_for(response, ruc=RUC):
    return (response.status_code == 200 and 'class="panel panel-primary"' in response.text
            and f"{ruc} - " in response.text)


def is_refused(response):
    """The defenses' answer: WebLogic's 404 page (crafter-research/sunat-cli reports 404s)."""
    return (response.status_code == 404 and "<title>Error 404--Not Found</title>" in response.text
            and response.headers["Content-Type"] == "text/html; charset=ISO-8859-1")


def scripts(page_text):
    return re.findall(r"<script>(.*?)</script>", page_text, re.S)


def copy_literal_script_cookies(page_text, client):
    """CiaphasC/sunat-ruc-api: every document.cookie="..." string of the page into the jar."""
    for literal in re.findall(r'document\.cookie\s*=\s*"([^"]+)"', page_text):
        name, _, value = literal.split(";", 1)[0].partition("=")
        client.cookies.set(name.strip(), value.strip())


# JavaScript's int32 semantics, to run the page's challenge as the browser would.
def int32(value):
    return (value + 2**31) % 2**32 - 2**31


def uint32(value):
    return value % 2**32


def run_challenge_script(page_text):
    """(cookie name, value) of the page's challenge, its arithmetic read from the script text."""
    script = next(script for script in scripts(page_text) if "toString(16)" in script)
    seed = int(re.search(r"var seed = (\d+);", script).group(1))
    rounds = int(re.search(r"var rounds = (\d+);", script).group(1))
    multiplier = int(re.search(r"Math\.imul\(x \^ \(x >>> 15\), (0x[0-9A-Fa-f]+)\) \+ i\) >>> 0;", script).group(1), 16)
    assert "x = (x ^ (x << 7) ^ (x >>> 11)) >>> 0;" in script
    name = re.search(r'document\.cookie = "([^"=]+)=" \+ x\.toString\(16\) \+ "; path=/";', script).group(1)
    x = uint32(seed)
    for i in range(rounds):
        mixed = int32(x) ^ (x >> 15)  # x ^ (x >>> 15)
        x = uint32(int32(mixed * multiplier) + i)  # (Math.imul(mixed, multiplier) + i) >>> 0
        x = uint32(int32(x) ^ int32(int32(x) << 7) ^ (x >> 11))  # (x ^ (x << 7) ^ (x >>> 11)) >>> 0
    return name, format(x, "x")


def pass_like_a_browser(sunat, client, page_text):
    """Everything the form page's scripts do: both cookies and the captcha image. The numRnd."""
    copy_literal_script_cookies(page_text, client)
    name, value = run_challenge_script(page_text)
    client.cookies.set(name, value, path="/")
    nmagic = "48151623"
    assert captcha(sunat, client, nmagic).status_code == 200
    return nmagic


# -- the switches --------------------------------------------------------------


def test_defenses_are_off_by_default_and_presets_set_every_switch():
    config = ReplicaConfig()
    switches = ("require_numrnd", "numrnd_single_use", "require_script_cookie", "js_challenge")

    assert [getattr(config, name) for name in switches] == [False] * 4
    assert {"plain", "numrnd", "cookie", "js"} <= set(DEFENSES)
    for preset in DEFENSES.values():
        assert set(preset) == set(switches)
    config.update(**DEFENSES["all"])
    assert config.require_numrnd and config.require_script_cookie and config.js_challenge
    config.update(**DEFENSES["plain"])
    assert config == ReplicaConfig()


def test_defense_switches_are_validated_and_settable_over_the_control_endpoint(sunat):
    control = sunat.url.replace("/cl-ti-itmrconsruc/", "/__replica__/config")
    with pytest.raises(ValueError):
        sunat.config.js_challenge = "yes"

    good = requests.post(control, json=DEFENSES["numrnd_once"], timeout=5)
    bad = requests.post(control, json={"require_script_cookie": 1}, timeout=5)

    assert good.status_code == 200 and good.json()["numrnd_single_use"] is True
    assert sunat.config.require_numrnd and sunat.config.numrnd_single_use
    assert bad.status_code == 400 and "require_script_cookie" in bad.json()["error"]


@pytest.mark.parametrize("defense", DEFENDED)
def test_todays_plain_post_is_refused_with_404_under_every_defense(sunat, client, defense):
    open_form(sunat, client)
    plain = post_alias(sunat, client, lookup_form())
    sunat.config.update(**DEFENSES[defense])
    open_form(sunat, client)
    refused = post_alias(sunat, client, lookup_form())

    assert is_result_for(plain)
    assert is_refused(refused)


def test_the_session_rule_comes_before_the_defenses(sunat, client):
    sunat.config.update(**DEFENSES["all"])

    response = post_alias(sunat, client, lookup_form())  # no form page: no session

    assert response.status_code == 200 and "Pagina de Error" in response.text


# -- numRnd ---------------------------------------------------------------------


def test_list_page_numrnd_flow_passes(sunat, client):
    """giansalex/peru-consult: consPorRazonSoc, its hidden numRnd, then consPorRuc without token."""
    sunat.config.update(**DEFENSES["numrnd"])
    open_form(sunat, client)
    listing = list_page(sunat, client)
    numrnd = numrnd_of(listing)

    response = post_alias(sunat, client, {"accion": "consPorRuc", "nroRuc": RUC, "numRnd": numrnd,
                                          "actReturn": "1", "modo": "1"})

    assert is_result_for(response)


def test_list_page_looks_like_the_captured_one(sunat, client):
    open_form(sunat, client)
    first, second = list_page(sunat, client, "lead working"), list_page(sunat, client, "lead working")

    assert first.status_code == 200 and first.headers["Content-Type"] == "text/html; charset=ISO-8859-1"
    assert 'class="list-group-item clearfix aRucs" data-ruc="20573215045"' in first.text
    assert '<h4 class="list-group-item-heading">LEAD WORKING PARTNER SAC</h4>' in first.text
    assert b"Ubicaci\xf3n: LIMA" in first.content  # ó as Latin-1
    form = re.search(r'<form action="/cl-ti-itmrconsruc/jcrS00Alias" method="post" name="selecXNroRuc">(.*?)</form>',
                     first.text, re.S).group(1)
    for field in ('name="accion" value="consPorRuc"', 'name="actReturn" value="1"', 'name="nroRuc" value=""',
                  'name="modo" value="1"'):
        assert field in form
    assert len(numrnd_of(first)) == 10 and numrnd_of(first) != numrnd_of(second)  # fresh each time
    assert "Fecha consulta: " in first.text
    assert "Pagina de Error" in list_page(sunat, client, "  ").text  # nothing to search for
    assert re.findall(r'data-ruc="(\d{11})"', list_page(sunat, client, "zzzz").text)  # synthetic rows


def test_captcha_nmagic_flow_passes(sunat, client):
    """CiaphasC/sunat-ruc-api: captcha?accion=image&nmagic=n, then consPorRuc with numRnd=n."""
    sunat.config.update(**DEFENSES["numrnd"])
    form_page = open_form(sunat, client)
    image = captcha(sunat, client, "4821")

    response = post_alias(sunat, client, lookup_form(numRnd="4821", codigo="", token="0123456789ABCDEFGHIJKLMN" * 2 + "0123"),
                          headers={"Referer": form_page.url})

    assert image.status_code == 200 and image.headers["Content-Type"] == "image/png"
    assert image.content.startswith(b"\x89PNG\r\n\x1a\n") and b"IEND" in image.content
    assert is_result_for(response)


def test_captcha_without_session_is_401_and_other_accions_are_404(sunat, client):
    no_session = captcha(sunat, client, "1234")
    open_form(sunat, client)
    random_accion = client.get(sunat.url + "captcha", params={"accion": "random"}, timeout=5)
    not_a_number = captcha(sunat, client, "12ab")

    assert no_session.status_code == 401 and no_session.content == b""
    assert random_accion.status_code == 404 and not_a_number.status_code == 404


@pytest.mark.parametrize("numrnd", ["", "999", "abc"], ids=["empty", "never-issued", "not-a-number"])
def test_a_numrnd_not_issued_to_the_session_is_refused(sunat, client, numrnd):
    sunat.config.update(**DEFENSES["numrnd"])
    open_form(sunat, client)
    captcha(sunat, client, "1234")

    assert is_refused(post_alias(sunat, client, lookup_form(numRnd=numrnd)))


def test_a_numrnd_of_another_session_is_refused(sunat, client):
    sunat.config.update(**DEFENSES["numrnd"])
    with new_client() as other:
        open_form(sunat, other)
        numrnd = numrnd_of(list_page(sunat, other))
    open_form(sunat, client)

    assert is_refused(post_alias(sunat, client, lookup_form(numRnd=numrnd)))


def test_issued_numrnds_stay_valid_for_the_session_the_last_few_of_them(sunat, client):
    sunat.config.update(**DEFENSES["numrnd"])
    open_form(sunat, client)
    numrnds = [str(n) for n in range(1, MAX_NUMRNDS + 2)]
    for n in numrnds:
        captcha(sunat, client, n)

    assert is_result_for(post_alias(sunat, client, lookup_form(numRnd=numrnds[-1])))
    assert is_result_for(post_alias(sunat, client, lookup_form(numRnd=numrnds[-1])))  # reusable
    assert is_result_for(post_alias(sunat, client, lookup_form(numRnd=numrnds[1])))
    assert is_refused(post_alias(sunat, client, lookup_form(numRnd=numrnds[0])))  # pushed out


def test_single_use_numrnd_refuses_a_second_use_and_a_renewed_one_passes(sunat, client):
    sunat.config.update(**DEFENSES["numrnd_once"])
    open_form(sunat, client)
    numrnd = numrnd_of(list_page(sunat, client))

    first = post_alias(sunat, client, lookup_form(numRnd=numrnd))
    second = post_alias(sunat, client, lookup_form(numRnd=numrnd))
    renewed = post_alias(sunat, client, lookup_form(numRnd=numrnd_of(list_page(sunat, client))))

    assert is_result_for(first) and is_refused(second) and is_result_for(renewed)


def test_sub_pages_pass_without_numrnd(sunat, client):
    sunat.config.update(**DEFENSES["numrnd_once"])
    open_form(sunat, client)

    response = post_alias(sunat, client, {"accion": "getRepLeg", "nroRuc": "20573215045", "desRuc": "",
                                          "contexto": "ti-it", "modo": "1"})

    assert response.status_code == 200 and "<th>Nro. Documento</th>" in response.text


# -- the script cookie ---------------------------------------------------------


def test_form_page_sets_a_literal_script_cookie_per_session(sunat, client):
    first = open_form(sunat, client).text
    with new_client() as other:
        second = open_form(sunat, other).text
    literal = re.compile(r'<script>document\.cookie="(\w+)=([0-9a-f]+); path=/cl-ti-itmrconsruc";</script>')

    (name, value), (other_name, other_value) = literal.search(first).groups(), literal.search(second).groups()
    assert name == other_name and value != other_value


def test_copying_the_literal_script_cookie_passes_cookie_mode(sunat, client):
    sunat.config.update(**DEFENSES["cookie"])
    page = open_form(sunat, client).text
    without = post_alias(sunat, client, lookup_form())
    copy_literal_script_cookies(page, client)

    assert is_refused(without)
    assert is_result_for(post_alias(sunat, client, lookup_form()))
    sub_page = post_alias(sunat, client, lookup_form(accion="getRepLeg", nroRuc="20573215045"))
    assert sub_page.status_code == 200 and "<th>Nro. Documento</th>" in sub_page.text


def test_a_script_cookie_of_another_session_is_refused(sunat, client):
    sunat.config.update(**DEFENSES["cookie"])
    with new_client() as other:
        copy_literal_script_cookies(open_form(sunat, other).text, client)
    open_form(sunat, client)  # a session of its own, with the other's cookie value

    assert is_refused(post_alias(sunat, client, lookup_form()))


@pytest.mark.parametrize("accion", ["consPorRazonSoc", "getRepLeg"])
def test_cookie_mode_refuses_list_and_sub_page_posts_without_the_cookie(sunat, client, accion):
    sunat.config.update(**DEFENSES["cookie"])
    open_form(sunat, client)

    response = post_alias(sunat, client, lookup_form(accion=accion, nroRuc="20573215045", razSoc="LEAD"))

    assert is_refused(response)


# -- the JavaScript challenge ------------------------------------------------------


def test_copying_literal_cookies_does_not_pass_js_mode(sunat, client):
    sunat.config.update(**DEFENSES["js"])
    page = open_form(sunat, client).text
    copy_literal_script_cookies(page, client)

    name, value = run_challenge_script(page)
    assert value not in page  # computed, never written
    assert client.cookies.get(name, path="/") in (None, "")  # a regex gets at most an empty value
    assert is_refused(post_alias(sunat, client, lookup_form()))
    assert is_refused(list_page(sunat, client))


def test_the_challenge_computed_from_the_script_passes_js_mode(sunat, client):
    sunat.config.update(**DEFENSES["js"])
    page = open_form(sunat, client).text
    name, value = run_challenge_script(page)
    client.cookies.set(name, value, path="/")

    assert name.startswith("TS01")
    assert is_result_for(post_alias(sunat, client, lookup_form()))
    client.cookies.set(name, format(int(value, 16) ^ 1, "x"), path="/")
    assert is_refused(post_alias(sunat, client, lookup_form()))


def test_the_challenge_is_per_session(sunat, client):
    sunat.config.update(**DEFENSES["js"])
    with new_client() as other:
        name, value = run_challenge_script(open_form(sunat, other).text)
    open_form(sunat, client)
    client.cookies.set(name, value, path="/")

    assert is_refused(post_alias(sunat, client, lookup_form()))


@pytest.mark.skipif(shutil.which("node") is None, reason="no node to run the page's script")
@pytest.mark.servers
def test_a_javascript_engine_running_the_page_script_passes_js_mode(sunat, client):
    sunat.config.update(**DEFENSES["js"])
    script = next(s for s in scripts(open_form(sunat, client).text) if "toString(16)" in s)
    cookie = subprocess.run(
        ["node", "-e", "var document = {set cookie(value) { console.log(value); }};" + script],
        capture_output=True, text=True, timeout=30, check=True,
    ).stdout.strip()
    name, value = cookie.split(";")[0].split("=")
    client.cookies.set(name, value, path="/")

    assert is_result_for(post_alias(sunat, client, lookup_form()))


# -- a browser passes them all ---------------------------------------------------------


def test_form_page_carries_numrnd_input_captcha_image_and_token_script(sunat, client):
    page = open_form(sunat, client).text
    form = re.search(r'<form name="mainForm" id="mainForm" method="post" action="jcrS00Alias">(.*?)</form>',
                     page, re.S).group(1)

    assert '<input type="hidden" name="numRnd" value="">' in form
    assert '<img id="imgCaptcha"' in page and 'id="txtRuc"' in form and 'id="btnAceptar"' in form
    script = "".join(scripts(page))
    assert '"captcha?accion=image&nmagic=" + form.elements.numRnd.value' in script
    assert "randomToken(52)" in script


def test_doing_what_the_form_page_scripts_do_passes_every_defense(sunat, client):
    sunat.config.update(**DEFENSES["all"])
    sunat.config.numrnd_single_use = True
    nmagic = pass_like_a_browser(sunat, client, open_form(sunat, client).text)

    assert is_result_for(post_alias(sunat, client, lookup_form(numRnd=nmagic)))
    assert post_alias(sunat, client, lookup_form(accion="getCantTrab", nroRuc="20573215045")).status_code == 200
    assert is_refused(post_alias(sunat, client, lookup_form(numRnd=nmagic)))  # single use


def test_a_refused_post_does_not_spend_the_numrnd(sunat, client):
    sunat.config.update(require_numrnd=True, numrnd_single_use=True, require_script_cookie=True)
    page = open_form(sunat, client).text
    captcha(sunat, client, "777")

    refused = post_alias(sunat, client, lookup_form(numRnd="777"))  # script cookie missing: checked first
    copy_literal_script_cookies(page, client)

    assert is_refused(refused)
    assert is_result_for(post_alias(sunat, client, lookup_form(numRnd="777")))


def _browser_paths():
    chromium = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
    return chromium, shutil.which("chromedriver")


@pytest.mark.skipif(None in _browser_paths(), reason="no Chromium/chromedriver")
@pytest.mark.browser
def test_headless_chromium_passes_every_defense_by_itself(sunat):
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    chromium, chromedriver = _browser_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    sunat.config.update(**DEFENSES["all"])
    sunat.config.numrnd_single_use = True
    driver = webdriver.Chrome(options=options, service=Service(chromedriver))
    try:
        driver.set_page_load_timeout(20)
        for ruc in (RUC, "20573215045"):  # the second lookup needs a renewed numRnd
            driver.get(sunat.url + "FrameCriterioBusquedaWeb.jsp")  # returns once the load event fired
            driver.find_element(By.ID, "txtRuc").send_keys(ruc)
            driver.find_element(By.ID, "btnAceptar").click()
            deadline = time.monotonic() + 10
            while f"{ruc} - " not in driver.page_source and "404" not in driver.title and time.monotonic() < deadline:
                time.sleep(0.05)
            assert f"{ruc} - " in driver.page_source, driver.title
    finally:
        driver.quit()
    assert sunat.stats()["captcha_gets"] == 2


# -- the firewall's version rule -----------------------------------------------------

CHROME_131 = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/131.0.0.0 Safari/537.36")
HEADLESS_131 = CHROME_131.replace("Chrome/", "HeadlessChrome/")
EDGE_131 = CHROME_131 + " Edg/131.0.0.0"


@pytest.mark.parametrize(
    "user_agent, hints, passes",
    [
        (CHROME_131, '"Chromium";v="131", "Not_A Brand";v="24"', True),
        (CHROME_131, '"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"', True),
        (HEADLESS_131, '"Not:A-Brand";v="8", "Chromium";v="131"', True),
        (HEADLESS_131, '"HeadlessChrome";v="131", "Not_A Brand";v="24"', True),
        (EDGE_131, '"Microsoft Edge";v="131", "Chromium";v="131", "Not_A Brand";v="24"', True),
        (CHROME_131, '"Chromium";v="130", "Not_A Brand";v="24"', False),
        (HEADLESS_131, '"Chromium";v="122"', False),
        (CHROME_131, '"Not_A Brand";v="131"', False),  # a GREASE brand proves nothing
        (CHROME_131, "", False),
        (CHROME_131, None, False),
        (HONEST_UA, None, True),
    ],
    ids=["chromium", "chrome", "headless", "headless-brand", "edge", "older-hints", "headless-mismatch",
         "grease-only", "empty-hints", "no-hints", "honest"],
)
def test_chrome_user_agent_needs_client_hints_of_the_same_major_version(sunat, client, user_agent, hints, passes):
    client.headers["User-Agent"] = user_agent
    if hints is not None:
        client.headers["Sec-CH-UA"] = hints

    answers = [open_form(sunat, client), captcha(sunat, client, "1"), post_alias(sunat, client, lookup_form())]

    for response in answers:
        assert ("<title>Request Rejected</title>" in response.text) != passes
    assert is_result_for(answers[-1]) == passes


# -- counting ----------------------------------------------------------------------


def test_stats_count_captchas_lists_and_time_every_sunat_request(sunat, client):
    control = sunat.url.replace("/cl-ti-itmrconsruc/", "/__replica__/")
    started = time.monotonic()
    open_form(sunat, client)
    captcha(sunat, client, "11")
    numrnd = numrnd_of(list_page(sunat, client))
    post_alias(sunat, client, lookup_form(numRnd=numrnd))
    client.get(sunat.url + "jcrS00Alias", timeout=5)
    requests.get(control + "stats", timeout=5)  # control requests are never SUNAT traffic
    requests.get(control + "config", timeout=5)
    finished = time.monotonic()

    stats = sunat.stats()
    assert stats["captcha_gets"] == 1 and stats["list_posts"] == 1
    assert stats["form_page_gets"] == 1 and stats["alias_posts"] == 2 and stats["queries"] == 1
    assert stats["by_accion"] == {"consPorRazonSoc": 1, "consPorRuc": 1}
    assert [kind for _, kind in stats["timeline"]] == ["form", "captcha", "alias", "alias", "alias_get"]
    times = [at for at, _ in stats["timeline"]]
    assert started <= times[0] and times == sorted(times) and times[-1] <= finished
    assert requests.get(control + "stats", timeout=5).json()["timeline"][0][1] == "form"


def test_timeline_counts_refused_requests_and_gives_the_request_rate(sunat, client):
    sunat.config.update(**DEFENSES["all"])
    for _ in range(3):
        open_form(sunat, client)
        post_alias(sunat, client, lookup_form())  # refused: still seen by SUNAT
        time.sleep(0.1)

    timeline = sunat.stats()["timeline"]
    assert len(timeline) == 6
    span = timeline[-1][0] - timeline[0][0]
    assert 0.2 <= span and len(timeline) / span < 30  # requests per second, as SUNAT sees them
    sunat.reset_stats()
    assert sunat.stats()["timeline"] == [] and sunat.stats()["captcha_gets"] == 0


# -- the CLI -----------------------------------------------------------------------------


@pytest.mark.parametrize("defense", sorted(DEFENSES))
def test_cli_defense_option_names_a_preset(defense):
    from devtools.replica.__main__ import build_parser

    assert build_parser().parse_args(["--defense", defense]).defense == defense


@pytest.mark.servers
def test_cli_starts_with_a_defense_switched_on():
    process = subprocess.Popen(
        [sys.executable, "-m", "devtools.replica", "--port", "0", "--defense", "js", "--quiet"],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        ready, _, _ = select.select([process.stdout], [], [], 10)
        assert ready, "the replica printed no URL within 10 s"
        url = process.stdout.readline().strip()
        config = requests.get(url.replace("/cl-ti-itmrconsruc/", "/__replica__/config"), timeout=5).json()
        assert {name: config[name] for name in DEFENSES["js"]} == DEFENSES["js"]
        with new_client() as session:
            session.get(url + "FrameCriterioBusquedaWeb.jsp", timeout=5)
            assert is_refused(session.post(url + "jcrS00Alias", data=lookup_form(), timeout=5))
        process.terminate()
        assert process.wait(timeout=5) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()
