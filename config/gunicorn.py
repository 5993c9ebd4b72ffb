"""gunicorn settings: `gunicorn -c config/gunicorn.py config.wsgi`. Values from the environment."""

import glob
import json
import os
import shutil
import tempfile

# Metrics (prometheus-client's multiprocess mode): every worker writes its values to files in this
# directory (GUNICORN_METRICS_DIR, or a new temporary one) and GET /metrics adds them up. Set before
# anything imports prometheus-client, for gunicorn's processes only (other commands sharing the
# environment file stay single-process); emptied of its files when the server starts (counters
# start at zero with it, as Prometheus' rate() expects).
_OWN_METRICS_DIR = not os.environ.get("GUNICORN_METRICS_DIR")
_METRICS_DIR = os.environ.get("GUNICORN_METRICS_DIR") or tempfile.mkdtemp(prefix="consulta-ruc-metrics-")
os.environ.update(PROMETHEUS_MULTIPROC_DIR=_METRICS_DIR)  # written for prometheus-client, not read
os.makedirs(_METRICS_DIR, exist_ok=True)
for _path in glob.glob(os.path.join(_METRICS_DIR, "*.db")):  # only prometheus-client's files
    os.remove(_path)

from gunicorn import util as gunicorn_util  # noqa: E402

from sunat.upstream.clients.browser_processes import kill_browsers_of, kill_orphaned_browsers  # noqa: E402

# The requests gunicorn refuses before Django sees them (a raw UTF-8 or control byte in the request
# line, a line or too many header fields past its limits, a broken chunk...) get gunicorn's HTML page,
# and nginx passes its answer on as it is. Every error of the service is JSON: these too. gunicorn has
# no setting for it, so its one writer of those pages is replaced (same arguments, same framing).
_GUNICORN_ERRORS = {
    400: ("solicitud_invalida", "La solicitud no es válida."),
    403: ("acceso_denegado", "Solicitud prohibida."),
    414: ("ruta_muy_larga", "La ruta de la solicitud es demasiado larga."),
    417: ("expectativa_fallida", "La cabecera Expect no se admite."),
    431: ("cabeceras_muy_grandes", "Las cabeceras de la solicitud son demasiadas o demasiado grandes."),
    501: ("no_implementado", "La codificación de la solicitud no se admite."),
}


def _write_json_error(sock, status_int, reason, mesg):
    code, detail = _GUNICORN_ERRORS.get(status_int, ("error_interno", "Error interno del servicio."))
    body = json.dumps({"error": code, "detail": detail}, ensure_ascii=False).encode()
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
            f"Content-Type: application/json; charset=utf-8\r\nContent-Length: {len(body)}\r\n\r\n")
    gunicorn_util.write_nonblock(sock, head.encode("latin-1") + body)


gunicorn_util.write_error = _write_json_error

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
# Threads: a miss waits on SUNAT (a future, no CPU) while the same worker keeps answering hits.
# At most SUNAT_QUEUE_SIZE of them ever wait (sunat.upstream.scheduler); the others answer hits.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "32"))
_waiting = int(os.environ.get("SUNAT_QUEUE_SIZE", "24"))
if threads <= _waiting:
    raise RuntimeError(f"GUNICORN_THREADS ({threads}) must be above SUNAT_QUEUE_SIZE ({_waiting}): "
                       "the threads beyond it are the ones that answer cached lookups")
# The settings read these: without Redis, each worker paces SUNAT at 1/workers of the rate.
os.environ["GUNICORN_WORKERS"] = str(workers)
os.environ["GUNICORN_THREADS"] = str(threads)
# gthread's heartbeat: a worker whose main loop is stuck this long is restarted. No request
# takes longer than SUNAT_DEADLINE.
timeout = 60
# A stopping worker finishes its requests (each within SUNAT_DEADLINE); queued SUNAT work is dropped.
graceful_timeout = 30
# nginx already logs every request; gunicorn's own line costs ~10% of a cached hit's CPU.
# GUNICORN_ACCESS_LOG=- prints it (to stdout) when gunicorn runs without nginx.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"


def worker_exit(server, worker):
    # In the worker, after its last request: every piece of the process's state stops (sunat.process):
    # queued SUNAT work is not drained; the admin's counts of its last seconds, and answers kept while
    # the database was out, are written if it can.
    from sunat import process

    process.stop()


def child_exit(server, worker):
    # Runs in the arbiter: a worker killed hard could not quit its browser, so do it here.
    kill_browsers_of(worker.pid)


def on_exit(server):
    kill_orphaned_browsers()
    if _OWN_METRICS_DIR:
        shutil.rmtree(_METRICS_DIR, ignore_errors=True)
