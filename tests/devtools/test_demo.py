"""make demo, as a newcomer meets it: everything starts, an administrator and a key are printed, the
README's walkthrough, pasted into a shell, goes from a lookup to a signed webhook that the receiver
the repository ships accepts, and the client code of examples/ (Python, JavaScript, PHP) answers
and fails as it says."""

import os
import re
import signal
import subprocess
import sys

import pytest
import requests

from devtools import demo
from devtools.servers import Output, ServerFailed, free_port, wait_until
from sunat.home.views import EXAMPLE_RUC
from tests.support.paths import PROJECT_ROOT

pytestmark = [pytest.mark.standalone, pytest.mark.servers, pytest.mark.slow]

MARKER = "<!-- demo-walkthrough"


def walkthrough() -> str:
    """The shell block the README's demo walkthrough asks to paste."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split(MARKER, 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]


@pytest.fixture(scope="module")
def running_demo(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("demo")
    ports = {"DEMO_PORT": str(free_port()), "REPLICA_PORT": str(free_port())}
    env = {**os.environ, **ports, "DEMO_DIR": str(tmp_path / "demo")}
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "devtools.demo"], cwd=PROJECT_ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    output = Output(log)

    def printed():
        if process.poll() is not None:
            raise ServerFailed(f"make demo exited with {process.returncode}", output)
        return re.search(r"CLAVE=(rk_\S+)", log.read_text(errors="replace"))

    try:
        key = wait_until(printed, 180, "make demo's key").group(1)
        yield {"env": env, "key": key, "log": log, "output": output, **ports}
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # as Ctrl-C in its terminal reaches the whole group
        process.wait(30)


def test_the_demo_prints_an_administrator_and_a_key_that_work(running_demo):
    text = running_demo["log"].read_text(errors="replace")
    password = re.search(r"usuario demo +contraseña (\S+)", text).group(1)

    base = f"http://127.0.0.1:{running_demo['DEMO_PORT']}"
    session = requests.Session()
    login = session.get(f"{base}/admin/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    admin = session.post(f"{base}/admin/login/?next=/admin/", timeout=10, headers={"Referer": f"{base}/admin/login/"},
                         data={"username": "demo", "password": password, "csrfmiddlewaretoken": token})
    watched = requests.get(f"{base}/api/vigilancia", timeout=10, headers={"Authorization": f"Bearer {running_demo['key']}"})

    assert admin.status_code == 200 and "/admin/login/" not in admin.url
    assert watched.status_code == 200
    for register in ("padron", "agentes-retencion", "buenos-contribuyentes", "establecimientos-anexos"):
        assert f"({register}): importado" in text, register


def test_the_readme_walkthrough_ends_with_a_signed_webhook(running_demo):
    script = walkthrough()
    assert demo.demo_ruc() in script  # the README watches the RUC the demo's padrón has
    receiver = free_port()
    script = (script.replace("CLAVE=rk_...", f"CLAVE={running_demo['key']}")
              .replace("127.0.0.1:8000", f"127.0.0.1:{running_demo['DEMO_PORT']}")
              .replace("127.0.0.1:8002", f"127.0.0.1:{receiver}").replace("--puerto 8002", f"--puerto {receiver}")
              .replace(".venv/bin/python", sys.executable))

    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=PROJECT_ROOT, env=running_demo["env"],
                            capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}\n{running_demo['output'].tail()}"
    assert f'"ruc": "{demo.demo_ruc()}"' in result.stdout
    assert f"firma válida · ruc.cambio {demo.demo_ruc()} (padron): condicion: HABIDO → NO HABIDO" in result.stdout


def test_the_demo_answers_the_exchange_rate_and_its_comprobantes(running_demo):
    """README's examples 6 and 7, against the demo's stand-ins of SUNAT's exchange rate and API."""
    base = f"http://127.0.0.1:{running_demo['DEMO_PORT']}"
    auth = {"Authorization": f"Bearer {running_demo['key']}"}
    accepted, annulled = demo.comprobantes(demo.demo_ruc())

    sunday = requests.get(f"{base}/api/tipo-cambio", params={"fecha": "2026-11-08"}, headers=auth, timeout=30)
    answers = [requests.post(f"{base}/api/comprobantes/validar", json=item, headers=auth, timeout=30)
               for item in (accepted, annulled)]

    assert sunday.status_code == 200, sunday.text
    assert sunday.json() == {"fecha": "2026-11-08", "compra": 3.312, "venta": 3.315, "moneda": "USD",
                             "publicadoEl": "2026-11-06", "fuente": "sunat"}
    assert [answer.status_code for answer in answers] == [200, 200], [answer.text for answer in answers]
    assert [answer.json()["estado"] for answer in answers] == ["ACEPTADO", "ANULADO"]
    assert answers[0].json()["estadoRuc"] == "ACTIVO" and answers[0].json()["emisor"]["ruc"] == demo.demo_ruc()


CLIENTS = {"python": ["python3", "examples/python/consulta.py"], "javascript": ["node", "examples/javascript/consulta.mjs"],
           "php": ["php", "examples/php/consulta.php"]}


@pytest.mark.parametrize("language", CLIENTS)
def test_the_client_examples_look_up_a_ruc_and_report_each_error(running_demo, language):
    def run(ruc: str, key: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "CONSULTA_RUC_URL": f"http://127.0.0.1:{running_demo['DEMO_PORT']}",
               "CONSULTA_RUC_CLAVE": key}
        return subprocess.run([*CLIENTS[language], ruc], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                              timeout=60)

    found = run(EXAMPLE_RUC, running_demo["key"])  # from the replica: the walkthrough changes the demo's RUC
    invalid = run("20131312956", running_demo["key"])
    refused = run(EXAMPLE_RUC, "rk_00000000_clave-que-no-existe")

    assert found.returncode == 0, found.stderr
    assert found.stdout.splitlines()[1] == "estado: ACTIVO · condición: HABIDO"
    assert found.stdout.startswith(f"{EXAMPLE_RUC} ") and "fuente: sunat" in found.stdout
    assert invalid.returncode == 1 and "No se pudo consultar: 400 ruc_invalido: El dígito verificador" in invalid.stderr
    assert refused.returncode == 1 and "No se pudo consultar: 401 api_key_invalida" in refused.stderr
