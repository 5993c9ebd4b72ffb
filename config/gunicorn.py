"""gunicorn settings: `gunicorn -c config/gunicorn.py config.wsgi`. Values from the environment."""

import os

from sunat.clients.browser_processes import kill_browsers_of, kill_orphaned_browsers

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
# Threads: a miss waits seconds on SUNAT while the same worker keeps answering cache hits.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Longer than the slowest miss: every attempt timing out, plus the backoff between them.
timeout = int(float(os.environ.get("SUNAT_TIMEOUT", "10")) * int(os.environ.get("SUNAT_MAX_ATTEMPTS", "3")) + 30)
graceful_timeout = 30
# nginx already logs every request; gunicorn's own line costs ~10% of a cached hit's CPU.
# GUNICORN_ACCESS_LOG=- prints it (to stdout) when gunicorn runs without nginx.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"


def child_exit(server, worker):
    # Runs in the arbiter: a worker killed hard could not quit its browser, so do it here.
    kill_browsers_of(worker.pid)


def on_exit(server):
    kill_orphaned_browsers()
