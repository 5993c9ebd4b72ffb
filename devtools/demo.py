"""`make demo`: the whole service on this machine, offline, against the bundled SUNAT replica.

    python -m devtools.demo                          what `make demo` runs (Ctrl-C stops everything)
    python -m devtools.demo cambio RUC "NO HABIDO"   SUNAT's next padrón: that RUC's condición changed,
                                                     synced as the daily job would (a watched RUC's webhook)

It writes a small sample of every SUNAT register (devtools.padron_generator, register_generator)
for the replica to serve at SUNAT's paths, migrates its own database, imports every register
through the real sync, registers the schedules, creates an administrator and an API key and prints
both, then runs the replica, the stand-ins of SUNAT's exchange rate and of its comprobante API
(with credentials and a few comprobantes of the demo's company), the job queue's worker (qcluster)
and the web server until Ctrl-C.
Webhooks may reach loopback here only (WEBHOOK_ALLOW_PRIVATE in this environment), so that
examples/webhook_receiver.py can receive them. Everything lives in .demo/ (its database, the files);
the ports are DEMO_PORT (8000) and REPLICA_PORT (8001). devtools/ is never in the image, and this
refuses production settings: the administrator and key it prints are for this machine only.
"""

import argparse
import io
import os
import secrets
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path

from devtools.cpe import ANULADO, CpeStandin
from devtools.padron_generator import generate_rows, write_padron
from devtools.register_generator import write_register, zip_name
from devtools.replica.files import FILE_PATHS
from devtools.servers import HOST, stop_on_sigterm, stop_process, wait_for_port
from devtools.tipocambio import TipoCambioStandin

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("DEMO_DIR") or PROJECT_ROOT / ".demo")
ROWS, SEED = 2000, 0  # the sample padrón: enough to search, small enough to import in a second
ADMIN = "demo"
KEY_NAME = "demo"
FILES = {file: path for path, file in FILE_PATHS.items()}  # SUNAT's file name -> its path


def ports() -> tuple[int, int]:
    return int(os.environ.get("DEMO_PORT", 8000)), int(os.environ.get("REPLICA_PORT", 8001))


def environment() -> dict:
    """The demo's settings: local ones, its own database, SUNAT and its files at the replica."""
    port, replica_port = ports()
    replica = f"http://{HOST}:{replica_port}"
    from sunat.registers.files import REGISTERS

    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{DATA / 'db.sqlite3'}",
        "SUNAT_BASE_URL": f"{replica}/cl-ti-itmrconsruc/",
        "WEBHOOK_ALLOW_PRIVATE": "True",  # the demo's receiver listens on loopback
        "API_KEYS_REQUIRED": "False",  # the first curl works without a key; watching needs one
        **{register.url_setting: replica + FILES[zip_name(register)] for register in REGISTERS.values()},
    }


def comprobantes(ruc: str) -> list[dict]:
    """The comprobantes the demo's SUNAT API knows, as POST /api/comprobantes/validar takes them: an
    accepted factura and an annulled one, of the demo's company."""
    return [{"rucEmisor": ruc, "tipo": "01", "serie": "F001", "numero": "1520", "fechaEmision": "2026-11-02",
             "monto": 1180.0},
            {"rucEmisor": ruc, "tipo": "01", "serie": "F001", "numero": "1521", "fechaEmision": "2026-11-03",
             "monto": 590.0}]


def start_standins() -> tuple[dict, list]:
    """SUNAT's exchange rate and its comprobante API on free loopback ports: their settings, and the
    stand-ins to stop."""
    from zoneinfo import ZoneInfo

    rates = TipoCambioStandin(today=datetime.now(ZoneInfo("America/Lima")).date()).start()
    api = CpeStandin().start()
    accepted, annulled = comprobantes(demo_ruc())
    for item, estado in ((accepted, None), (annulled, ANULADO)):
        api.add(item["rucEmisor"], item["tipo"], item["serie"], item["numero"],
                item["fechaEmision"], f"{item['monto']:.2f}",
                **({"estado": estado} if estado else {}))
    settings = {"SUNAT_TIPO_CAMBIO_URL": rates.url, "SUNAT_TIPO_CAMBIO_TXT_URL": rates.txt_url,
                "SUNAT_API_TOKEN_URL": api.token_url, "SUNAT_API_URL": api.api_url,
                "SUNAT_API_CLIENT_ID": api.client_id, "SUNAT_API_CLIENT_SECRET": api.client_secret,
                "SUNAT_API_RUC": "20131312955"}
    return settings, [rates, api]


def demo_ruc() -> str:
    """A company of the sample padrón, ACTIVO and HABIDO: the one the README's walkthrough watches."""
    return next(row[0] for row in generate_rows(ROWS, SEED)
                if row[0].startswith("20") and row[2] == "ACTIVO" and row[3] == "HABIDO")


def write_files(directory: Path) -> None:
    from sunat.registers.files import PADRON, REGISTERS

    directory.mkdir(parents=True, exist_ok=True)
    for register in REGISTERS.values():
        path = directory / zip_name(register)
        if register is PADRON:
            write_padron(path, ROWS, SEED)
        else:
            write_register(path, register.name, ROWS, seed=SEED)


def set_up() -> dict:
    """Files, database, registers, schedules, administrator and key; what to print."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from sunat.keys import services as api_keys
    from sunat.models import ApiKey

    write_files(DATA / "archivos")
    call_command("migrate", verbosity=0)
    call_command("sync_schedules")
    password = secrets.token_urlsafe(9)
    admin, _ = get_user_model().objects.get_or_create(username=ADMIN, defaults={"is_staff": True, "is_superuser": True})
    admin.set_password(password)
    admin.save()
    for old in ApiKey.objects.filter(name=KEY_NAME, revoked_at=None):
        api_keys.revoke(old)  # the previous run's key: shown once, and gone with its terminal
    _, key = api_keys.create_key(KEY_NAME)
    return {"password": password, "key": key}


def banner(port: int, replica_port: int, password: str, key: str) -> str:
    base = f"http://{HOST}:{port}"
    return f"""
  Consulta RUC (demo) en {base}/    ·    SUNAT de prueba en http://{HOST}:{replica_port}/
  Administración: {base}/admin/  usuario {ADMIN}  contraseña {password}
  Clave de API (solo se muestra ahora):  CLAVE={key}
  RUC del padrón de ejemplo para vigilar: {demo_ruc()}
  Los pasos, de una consulta a un webhook firmado: README.md, "Demo walkthrough". Ctrl-C detiene todo.
"""


def run() -> None:
    port, replica_port = ports()
    env = environment()
    os.environ.update(env)
    if "production" in env["DJANGO_SETTINGS_MODULE"]:
        sys.exit("make demo no corre con la configuración de producción.")
    stop_on_sigterm()
    python = sys.executable
    replica = subprocess.Popen([python, "-m", "devtools.replica", "--port", str(replica_port), "--latency", "0.3",
                                "--files-dir", str(DATA / "archivos"), "--quiet"], cwd=PROJECT_ROOT, env=env)
    children = [replica]
    standins = []
    try:
        standin_settings, standins = start_standins()
        env.update(standin_settings)
        os.environ.update(standin_settings)
        import django

        DATA.mkdir(exist_ok=True)
        wait_for_port(replica_port, replica)
        django.setup()
        shown = set_up()  # the files too: the replica serves its directory as it is when asked
        from django.core.management import call_command

        call_command("sync_sunat_files")
        children.append(subprocess.Popen([python, "manage.py", "qcluster"], cwd=PROJECT_ROOT, env=env))
        web = subprocess.Popen([python, "manage.py", "runserver", f"{HOST}:{port}", "--noreload"],
                               cwd=PROJECT_ROOT, env=env)
        children.append(web)
        wait_for_port(port, web, timeout=60)
        print(banner(port, replica_port, shown["password"], shown["key"]), flush=True)
        web.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for child in reversed(children):
            stop_process(child)
        for standin in standins:
            standin.stop()


def change(ruc: str, condicion: str) -> None:
    """Rewrite the sample padrón with `ruc`'s condición changed, dated now, and sync it."""
    os.environ.update(environment())
    import django

    django.setup()
    from django.core.management import call_command

    from sunat.registers.files import PADRON
    from sunat.registers.sources import LIMA

    path = DATA / "archivos" / zip_name(PADRON)
    if not path.exists():
        sys.exit("No hay padrón de la demo: corra make demo primero (en otra terminal).")
    with zipfile.ZipFile(path) as source:
        lines = source.read(source.infolist()[0]).split(b"\n")
    prefix, found = ruc.encode() + b"|", False
    for number, line in enumerate(lines):
        if line.startswith(prefix):
            fields = line.split(b"|")
            fields[3], found = condicion.encode("latin-1"), True
            lines[number] = b"|".join(fields)
    if not found:
        sys.exit(f"El RUC {ruc} no está en el padrón de la demo (pruebe con {demo_ruc()}).")
    member = zipfile.ZipInfo(PADRON.file_name, date_time=datetime.now(LIMA).timetuple()[:6])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        target.writestr(member, b"\n".join(lines))
    path.write_bytes(buffer.getvalue())
    call_command("sync_sunat_files", "--only", PADRON.name)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m devtools.demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command")
    changed = commands.add_parser("cambio", help="el siguiente padrón de SUNAT, con la condición de un RUC cambiada")
    changed.add_argument("ruc")
    changed.add_argument("condicion", help='p. ej. "NO HABIDO"')
    args = parser.parse_args(argv)
    if args.command == "cambio":
        change(args.ruc, args.condicion)
    else:
        run()


if __name__ == "__main__":
    main()
