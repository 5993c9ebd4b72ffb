"""The SUNAT stand-in (devtools.standin): each defense refuses the plain flow and lets its own flow pass."""

import os
import re
import secrets
import shutil

import pytest
import requests

from devtools.standin import Standin
from devtools.standin import ruc as rucs
from devtools.standin.sessions import SCRIPT_COOKIE, solve_challenge

pytestmark = pytest.mark.standalone

RUC = "20131312955"
CHROME_UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Chrome/138.0.0.0 Safari/537.36")
CHROME_HINTS = {"Sec-CH-UA": '"Not)A;Brand";v="8", "Chromium";v="138", "Google Chrome";v="138"',
                "Sec-CH-UA-Mobile": "?0", "Sec-CH-UA-Platform": '"Linux"'}


def new_session(browser=False):
    session = requests.Session()
    if browser:
        session.headers.update({"User-Agent": CHROME_UA, **CHROME_HINTS})
    return session


def token():
    return "".join(secrets.choice("0123456789ABCDEFGHIJKLMN") for _ in range(52))


def by_ruc(session, sunat, number=RUC, **extra):
    data = {"accion": "consPorRuc", "nroRuc": number, "token": token(), "contexto": "ti-it", "modo": "1", **extra}
    return session.post(sunat.url + "jcrS00Alias", data=data,
                        headers={"Referer": sunat.url + "FrameCriterioBusquedaWeb.jsp"})


def plain_flow(session, sunat, number=RUC):
    """GET the form, POST consPorRuc with a token: what a naive client does."""
    session.get(sunat.url + "FrameCriterioBusquedaWeb.jsp")
    return by_ruc(session, sunat, number)


def copy_script_cookies(session, sunat, page):
    for name, value in re.findall(r'document\.cookie="([^=;"]+)=([^;"]*)', page.text):
        session.cookies.set(name, value, domain=sunat.host, path="/")


def captcha_flow(session, sunat, number=RUC):
    """CiaphasC/sunat-ruc-api: form page, its script cookies, captcha nmagic, consPorRuc with numRnd."""
    copy_script_cookies(session, sunat, session.get(sunat.url + "FrameCriterioBusquedaWeb.jsp"))
    nmagic = str(secrets.randbelow(10**9))
    session.get(sunat.url + "captcha", params={"accion": "image", "nmagic": nmagic})
    return by_ruc(session, sunat, number, codigo="", numRnd=nmagic)


def list_numrnd(session, sunat):
    page = session.post(sunat.url + "jcrS00Alias", data={"accion": "consPorRazonSoc", "razSoc": "ACME"})
    return re.search(r'name="numRnd" value="(\d+)"', page.text).group(1)


def list_flow(session, sunat, number=RUC):
    """giansalex/peru-consult: session, consPorRazonSoc, consPorRuc with the list's numRnd."""
    session.get(sunat.url + "jcrS00Alias")
    numrnd = list_numrnd(session, sunat)
    return session.post(sunat.url + "jcrS00Alias",
                        data={"accion": "consPorRuc", "nroRuc": number, "numRnd": numrnd, "actReturn": "1", "modo": "1"})


def is_result(reply, number=RUC):
    return reply.status_code == 200 and f"{number} - " in reply.text and "fin list-group" in reply.text


def test_check_digit():
    for number in ("20131312955", "20100055237", "20100070970", "20330791412", "20516020301", "20110768151",
                   "20573215045", "20000000001"):
        assert rucs.is_valid(number), number
    assert not rucs.is_valid("20131312956")
    assert not rucs.is_valid("30131312955")


def test_no_defenses_serves_the_site_in_latin1():
    with Standin() as sunat:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/cl-ti-itmrconsruc/", sunat.url)
        session = new_session()
        form = session.get(sunat.url + "FrameCriterioBusquedaWeb.jsp")
        assert form.headers["Content-Type"] == "text/html; charset=ISO-8859-1"
        assert 'id="txtRuc"' in form.text and 'id="btnAceptar"' in form.text
        assert re.fullmatch(r"[^!]{52}!-?\d+!\d+", session.cookies["ITMRCONSRUCSESSION"])
        reply = by_ruc(session, sunat, "20573215045")
        assert is_result(reply, "20573215045") and "LEAD WORKING PARTNER SAC" in reply.text
        reply = by_ruc(session, sunat, "20110768151")
        assert is_result(reply, "20110768151") and "LEAD WORKING" not in reply.text and "20573215045" not in reply.text
        assert reply.content.decode("iso-8859-1") == reply.text
        assert "Sistema Emisión de Comprobante:".encode("iso-8859-1") in reply.content
        unknown = by_ruc(session, sunat, "20000000001")
        assert ("El número de RUC 20000000001 consultado no es válido. Debe verificar el número y volver a ingresar."
                in unknown.text)
        for bad_token in ("", None):
            data = {"accion": "consPorRuc", "nroRuc": RUC, "contexto": "ti-it", "modo": "1"}
            if bad_token is not None:
                data["token"] = bad_token
            error = session.post(sunat.url + "jcrS00Alias", data=data)
            assert "<title>.:: Pagina de Error ::.</title>" in error.text
            assert '<p class="error">Surgieron problemas al procesar la consulta</p>' in error.text
        assert [entry[1:] for entry in sunat.requests[:2]] == [
            ("GET", "/cl-ti-itmrconsruc/FrameCriterioBusquedaWeb.jsp", 200), ("POST", "/cl-ti-itmrconsruc/jcrS00Alias", 200)]


def test_sub_pages():
    with Standin(defenses={"cookie"}) as sunat:
        session = new_session()
        reply = captcha_flow(session, sunat)
        assert is_result(reply)
        name = re.search(rf"{RUC} - ([^<]+)</h4>", reply.text).group(1)
        data = {"accion": "getRepLeg", "nroRuc": RUC, "desRuc": name, "contexto": "ti-it", "modo": "1"}
        page = session.post(sunat.url + "jcrS00Alias", data=data)
        assert re.search(rf"<title>[^<]*{RUC}[^<]*</title>", page.text)
        assert "<th>Documento</th><th>Nro. Documento</th><th>Nombre</th><th>Cargo</th><th>Fecha Desde</th>" in page.text
        page = session.post(sunat.url + "jcrS00Alias", data={**data, "accion": "getCantTrab"})
        assert ".:: Pagina de Mensajes ::." in page.text


def test_numrnd():
    with Standin(defenses={"numrnd"}) as sunat:
        assert plain_flow(new_session(), sunat).status_code == 404
        assert is_result(list_flow(new_session(), sunat))
        assert is_result(captcha_flow(new_session(), sunat))
        session = new_session()
        numrnd = list_numrnd(session, sunat)
        assert is_result(by_ruc(session, sunat, numRnd=numrnd))
        assert by_ruc(session, sunat, numRnd=numrnd).status_code == 404  # single use
        assert by_ruc(new_session(), sunat, numRnd=list_numrnd(session, sunat)).status_code == 404  # another session's
        numbers = [list_numrnd(session, sunat) for _ in range(4)]
        assert by_ruc(session, sunat, numRnd=numbers[0]).status_code == 404  # only the latest 3 count
        assert all(is_result(by_ruc(session, sunat, numRnd=number)) for number in numbers[1:])


def test_cookie():
    with Standin(defenses={"cookie"}) as sunat:
        assert plain_flow(new_session(), sunat).status_code == 404
        session = new_session()
        session.get(sunat.url + "jcrS00Alias")
        assert session.post(sunat.url + "jcrS00Alias", data={"accion": "consPorRazonSoc", "razSoc": "X"}).status_code == 404
        page = session.get(sunat.url + "FrameCriterioBusquedaWeb.jsp")
        assert re.search(rf'document\.cookie="{SCRIPT_COOKIE}=01[0-9a-f]{{60}}; path=/"', page.text)
        copy_script_cookies(session, sunat, page)
        assert is_result(by_ruc(session, sunat))
        other = new_session()  # the cookie belongs to the session that got it
        other.get(sunat.url + "FrameCriterioBusquedaWeb.jsp")
        other.cookies.set(SCRIPT_COOKIE, session.cookies[SCRIPT_COOKIE], domain=sunat.host, path="/")
        assert by_ruc(other, sunat).status_code == 404


def test_js():
    with Standin(defenses={"js"}) as sunat:
        session = new_session()
        page = session.get(sunat.url + "FrameCriterioBusquedaWeb.jsp")
        assert page.status_code == 200 and "txtRuc" not in page.text and "location.reload()" in page.text
        assert by_ruc(session, sunat).status_code == 404
        assert session.get(sunat.url + "captcha", params={"accion": "image", "nmagic": "5"}).status_code == 404
        seed = sunat.sessions.find(session.cookies["ITMRCONSRUCSESSION"]).seed
        assert str(seed) in page.text and solve_challenge(seed) not in page.text
        session.cookies.set("STDJSCHK", solve_challenge(seed), domain=sunat.host, path="/")
        assert 'id="txtRuc"' in session.get(sunat.url + "FrameCriterioBusquedaWeb.jsp").text


def test_browser_ua():
    with Standin(defenses={"browser_ua"}) as sunat:
        with pytest.raises(requests.ConnectionError):
            plain_flow(new_session(), sunat)
        assert sunat.requests[-1][3] == 0
        chrome_without_hints = new_session()
        chrome_without_hints.headers["User-Agent"] = CHROME_UA
        rejected = chrome_without_hints.get(sunat.url + "FrameCriterioBusquedaWeb.jsp")
        assert "<title>Request Rejected</title>" in rejected.text
        assert re.search(r"Your support ID is: \d+", rejected.text)
        mismatched = new_session(browser=True)
        mismatched.headers["Sec-CH-UA"] = '"Chromium";v="120"'
        assert "Request Rejected" in mismatched.get(sunat.url + "FrameCriterioBusquedaWeb.jsp").text
        assert is_result(plain_flow(new_session(browser=True), sunat))


def test_all_but_js_with_requests_and_runtime_switch():
    with Standin(defenses={"numrnd", "cookie", "browser_ua"}) as sunat:
        assert is_result(captcha_flow(new_session(browser=True), sunat))
        sunat.captcha_status = 401  # reported; the nmagic still counts
        assert is_result(captcha_flow(new_session(browser=True), sunat))
        sunat.defenses = set()
        assert is_result(plain_flow(new_session(), sunat))
        sunat.defenses.add("numrnd")
        assert plain_flow(new_session(), sunat).status_code == 404
        with pytest.raises(ValueError):
            sunat.defenses = {"nonsense"}


@pytest.fixture
def chromium():
    webdriver = pytest.importorskip("selenium.webdriver")
    binary, driver_path = shutil.which("chromium") or "/usr/bin/chromium", shutil.which("chromedriver")
    if not (driver_path and os.path.exists(binary)):
        pytest.skip("chromium or chromedriver missing")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver_path))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def browser_lookup(driver, sunat, number=RUC):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(sunat.url + "FrameCriterioBusquedaWeb.jsp")
    wait = WebDriverWait(driver, 20)
    wait.until(lambda d: d.find_elements(By.ID, "txtRuc"))
    driver.find_element(By.ID, "txtRuc").send_keys(number)
    driver.find_element(By.ID, "btnAceptar").click()
    wait.until(lambda d: "fin list-group" in d.page_source or "Error 404" in d.page_source)
    return driver.page_source


@pytest.mark.parametrize("defenses", [{"js"}, {"numrnd", "cookie", "js", "browser_ua"}])
@pytest.mark.browser
def test_headless_chromium_passes(chromium, defenses):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with Standin(defenses=defenses) as sunat:
        page = browser_lookup(chromium, sunat)
        assert f"{RUC} - " in page, [entry[1:] for entry in sunat.requests]
        assert all(status != 404 for _, _, path, status in sunat.requests if "/cl-ti-itmrconsruc/" in path)
        assert chromium.find_elements(By.CLASS_NAME, "btnInfRepLeg")
        chromium.find_element(By.CLASS_NAME, "btnInfRepLeg").click()
        WebDriverWait(chromium, 20).until(lambda d: "Nro. Documento" in d.page_source)
        assert RUC in chromium.title
