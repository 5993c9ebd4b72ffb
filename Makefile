# The two commands a newcomer needs: `make run` (serve on 127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run demo test test-fast lint test-sqlite test-postgres-redis venv system-deps migrate clean bench bench-deps bench-padron screenshots

# Virtualenv with every Python dependency; rebuilt when a requirements file changes.
$(VENV)/.installed: requirements/base.txt requirements/production.txt requirements/test.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/test.txt
	touch $@

venv: $(VENV)/.installed

migrate: venv
	$(PY) manage.py migrate --noinput

# The service on SQLite and LocMem, asking the real SUNAT on a miss, and the job queue's worker
# beside it (webhook deliveries), stopped with it.
run: migrate
	@$(PY) manage.py sync_schedules
	@$(PY) manage.py qcluster & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:8000

# Everything, offline, against the bundled SUNAT replica (devtools/demo.py): a sample of every
# register imported, the job queue's worker and schedules, an administrator and an API key printed,
# webhooks allowed to loopback (this machine only). Its data lives in .demo/; ports: DEMO_PORT=8000,
# REPLICA_PORT=8001 (make demo DEMO_PORT=9000).
demo: venv
	@$(PY) -m devtools.demo

# Servers the tests start on loopback, and promtool (Debian's prometheus package: the alert rules'
# tests): installed from Debian's packages when missing.
system-deps:
	@missing=""; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	[ -x /usr/bin/chromedriver ] || missing="$$missing chromium-driver"; \
	[ -x /usr/sbin/nginx ] || missing="$$missing nginx"; \
	command -v docker-compose >/dev/null || missing="$$missing docker-compose"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v php >/dev/null || missing="$$missing php-cli"; \
	command -v promtool >/dev/null || missing="$$missing prometheus"; \
	if [ -n "$$missing" ]; then \
		sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		echo "Installing:$$missing"; \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# The whole suite on SQLite + LocMem, then again on a real PostgreSQL + a real redis-server
# (less the standalone tests, which bring their own servers or touch neither).
test: venv system-deps lint test-sqlite test-postgres-redis

# Ruff, then the import contracts of pyproject.toml's [tool.importlinter] (the app's floors, no cycles).
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache --no-logo

# For your own loop: SQLite and LocMem, no Chromium, no other program, nothing slow (pytest --fast,
# tests/conftest.py: a test of this tier that starts a program fails). Under two minutes.
test-fast: venv
	$(PY) -m pytest --fast -q -n auto

# On both cores: LocMem is each process's own, and every server a test starts takes free ports and
# folders of its own (two checkouts may run the suite at once), so two workers never meet; a module's
# tests stay together (--dist loadfile), sharing its servers.
test-sqlite: venv system-deps
	$(PY) -m pytest -n 2 --dist loadfile

# Both cores too: on the runner's one PostgreSQL and redis-server each worker has a test database
# (pytest-django) and a Redis database (config/settings/test.py) of its own.
test-postgres-redis: venv system-deps
	$(PY) -m devtools.servers --postgres --redis -- $(PY) -m pytest -n 2 --dist loadfile -m "not standalone"

clean:
	rm -rf $(VENV) .pytest_cache staticfiles

# The admin's pages for operators in headless Chromium at 1280x900, into docs/screenshots (the test
# that takes them also checks each page; make test runs it too, into a temporary directory).
screenshots: venv system-deps
	SCREENSHOTS_DIR=docs/screenshots $(PY) -m pytest -q tests/admin/test_admin_screenshots.py tests/home \
		tests/api/test_api_reference.py

# Benchmarks (figures for docs/performance.md and the issue notes; never asserted by tests).
bench: venv system-deps bench-deps
	$(PY) -m devtools.bench.clients
	$(PY) -m devtools.bench.flows
	$(PY) -m devtools.bench.resilience
	$(PY) -m devtools.bench.stack
	$(PY) -m devtools.bench.redis_memory
	$(PY) -m devtools.bench.isolation
	$(PY) -m devtools.bench.complete
	$(PY) -m devtools.bench.webhooks
	$(PY) -m devtools.bench.monitoring --rounds 3

# Importing a generated 2-million-row Padrón Reducido into PostgreSQL next to a plain COPY, and
# /api/buscar on it (~2 min); then SUNAT's daily sync at real size: an 18-million-row padrón and
# the other five files, on two days, the second with 0.5% of the padrón changed (~20 min).
bench-padron: venv system-deps
	$(PY) -m devtools.bench.padron
	$(PY) -m devtools.bench.sync

# The load generator of devtools.bench.stack (redis-benchmark comes with redis-server).
bench-deps:
	@if ! command -v wrk >/dev/null; then \
		sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		echo "Installing: wrk"; \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends wrk; \
	fi
