"""The container deployment: docker-compose.prod.yml as docker-compose reads it, and .env.production.

No Docker engine is needed: `docker-compose config` validates and resolves the file (env_file
included) without one. Compose 1.29's `config` prints services of every profile, so which
services `up` starts is worked out here with the Compose rule: a service with `profiles`
starts only when one of them is enabled (or it is named on the command line).
"""

import ipaddress
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import PROJECT_ROOT

# Does not use the database or cache that `make test` varies: run once, in the first pass.
pytestmark = pytest.mark.standalone

yaml = pytest.importorskip("yaml", reason="PyYAML is in requirements/test.txt")

COMPOSE_FILE = PROJECT_ROOT / "docker-compose.prod.yml"
ENV_FILE = PROJECT_ROOT / ".env.production"
NGINX_TEMPLATE = PROJECT_ROOT / "nginx" / "templates" / "default.conf.template"
DOCKER_COMPOSE = "/usr/bin/docker-compose"
# What the compose users run: the stack without Redis, and everything with it.
WITHOUT_REDIS_TARGETS = ["db", "web", "nginx", "worker"]

# env("X"), env.bool("X"), env.db("X"), ... (django-environ) and os.environ / os.getenv reads.
ENV_READ = re.compile(
    r"""(?:\benv(?:\.[a-z_]+)?\(|\bos\.environ\.get\(|\bos\.getenv\(|\bos\.environ\.setdefault\(|\bos\.environ\[)"""
    r"""\s*["']([A-Za-z_][A-Za-z0-9_]*)["']"""
)


# --- helpers ---------------------------------------------------------------------------------

def read_env_file(path: Path = ENV_FILE) -> dict:
    """KEY=value lines as compose reads them: no quotes, no `export`, comments on their own lines."""
    values = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)", stripped)
        assert match, f"{path.name}:{number} is not KEY=value: {line!r}"
        name, value = match.groups()
        assert name not in values, f"{path.name}:{number} defines {name} twice"
        values[name] = value
    return values


# What config/ reads that no operator sets: pytest-xdist names its workers (config/settings/test.py).
SET_BY_TOOLS = {"PYTEST_XDIST_WORKER"}


def variables_read_by_config() -> dict:
    """Every environment variable config/ reads that an operator may set, with the file that reads it."""
    found = {}
    for source in sorted((PROJECT_ROOT / "config").rglob("*.py")):
        for name in ENV_READ.findall(source.read_text(encoding="utf-8")):
            if name not in SET_BY_TOOLS:
                found.setdefault(name, source.relative_to(PROJECT_ROOT).as_posix())
    return found


def compose_config(*profiles: str) -> subprocess.CompletedProcess:
    if not os.path.exists(DOCKER_COMPOSE):
        pytest.skip(f"{DOCKER_COMPOSE} is not installed (Debian's docker-compose; `make test` installs it)")
    # Only what the command line says: no COMPOSE_PROFILES / COMPOSE_FILE from the caller.
    env = {name: value for name, value in os.environ.items() if not name.startswith("COMPOSE_")}
    args = [DOCKER_COMPOSE, "-f", COMPOSE_FILE.name]
    for profile in profiles:
        args += ["--profile", profile]
    return subprocess.run([*args, "config"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=60)


def services_started(config: dict, profiles=(), targets=None) -> set:
    """What `up [targets]` starts under the Compose profile rule, with depends_on followed."""
    services = config["services"]
    if targets is None:
        targets = [name for name, service in services.items()
                   if not service.get("profiles") or set(service["profiles"]) & set(profiles)]
    started, pending = set(), list(targets)
    while pending:
        name = pending.pop()
        if name not in started:
            started.add(name)
            pending.extend(depends_on(services[name]))
    return started


def depends_on(service: dict) -> dict:
    """depends_on in either form, as {name: condition}."""
    value = service.get("depends_on") or {}
    if isinstance(value, list):
        return {name: "service_started" for name in value}
    return {name: (options or {}).get("condition", "service_started") for name, options in value.items()}


def command_text(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def mounts(service: dict) -> list:
    """Volumes as (source, target, read_only), short or long syntax."""
    result = []
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            parts = volume.split(":")
            result.append((parts[0], parts[1], len(parts) > 2 and "ro" in parts[2].split(",")))
        else:
            result.append((volume.get("source"), volume["target"], bool(volume.get("read_only"))))
    return result


def published_ports(service: dict) -> set:
    ports = set()
    for port in service.get("ports", []):
        if isinstance(port, dict):
            ports.add((int(port["published"]), int(port["target"])))
        else:
            published, target = str(port).rsplit(":", 2)[-2:]
            ports.add((int(published), int(target)))
    return ports


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def production_env(**overrides) -> dict:
    """The process environment with .env.production on top, as the web container gets it."""
    return {**os.environ, **read_env_file(), **overrides}


# --- fixtures --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def config():
    result = compose_config()
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


@pytest.fixture(scope="module")
def config_with_redis():
    result = compose_config("redis")
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


@pytest.fixture(scope="module")
def raw_compose():
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


# --- docker-compose.prod.yml -----------------------------------------------------------------

@pytest.mark.parametrize("profiles", [(), ("redis",)], ids=["without-redis", "with-redis-profile"])
@pytest.mark.servers
def test_compose_file_is_accepted_by_docker_compose(profiles):
    result = compose_config(*profiles)

    assert result.returncode == 0, result.stderr
    assert set(yaml.safe_load(result.stdout)["services"]) >= {"db", "web", "nginx"}


@pytest.mark.servers
def test_up_without_a_profile_leaves_redis_out(config):
    assert services_started(config) == {"db", "web", "nginx", "worker"}


@pytest.mark.servers
def test_up_of_db_web_nginx_pulls_in_no_redis(config):
    assert "redis" not in services_started(config, targets=WITHOUT_REDIS_TARGETS)


@pytest.mark.servers
def test_redis_profile_adds_redis(config_with_redis):
    assert services_started(config_with_redis, profiles=["redis"]) == {"db", "web", "nginx", "worker", "redis"}


@pytest.mark.servers
def test_redis_is_only_in_its_profile_persistent_and_health_checked(config_with_redis):
    redis = config_with_redis["services"]["redis"]

    assert redis["profiles"] == ["redis"]
    assert re.search(r"--appendonly\s+yes", command_text(redis))
    assert any(target == "/data" and source in config_with_redis["volumes"] for source, target, _ in mounts(redis))
    assert "redis-cli ping" in " ".join(redis["healthcheck"]["test"])


@pytest.mark.servers
def test_web_waits_for_a_healthy_db_and_not_for_redis(config):
    web_depends_on = depends_on(config["services"]["web"])

    assert "redis" not in web_depends_on
    assert web_depends_on.get("db") == "service_healthy"


@pytest.mark.servers
def test_web_takes_its_settings_from_env_production(raw_compose, config):
    env_file = raw_compose["services"]["web"]["env_file"]

    assert (env_file if isinstance(env_file, list) else [env_file]) == [".env.production"]
    # What compose resolved from the file is exactly what the file says (no quoting surprises).
    assert config["services"]["web"]["environment"] == read_env_file()


@pytest.mark.servers
def test_worker_runs_the_job_queue_from_the_web_image_without_redis(raw_compose, config):
    worker, web = config["services"]["worker"], config["services"]["web"]

    assert worker["build"] == web["build"] and raw_compose["services"]["worker"]["env_file"] == ".env.production"
    assert worker["environment"] == read_env_file() and "SUNAT_SYNC_TIME" in worker["environment"]
    assert depends_on(worker).get("web") == "service_healthy" and "redis" not in depends_on(worker)
    steps = [step.strip() for step in command_text(worker).removeprefix("sh -c ").split("&&")]
    assert steps == ["python manage.py sync_schedules", "exec python manage.py qcluster"]
    assert worker["healthcheck"]["test"] == ["NONE"] and worker["restart"] == "unless-stopped"


@pytest.mark.servers
def test_web_migrates_and_collects_static_before_starting_gunicorn(config):
    command = command_text(config["services"]["web"])
    steps = [step.strip() for step in command.split("&&")]

    assert any(step.endswith("python manage.py migrate --noinput") for step in steps), command
    assert any(step == "python manage.py collectstatic --noinput" for step in steps), command
    migrate = next(i for i, step in enumerate(steps) if "migrate" in step)
    collectstatic = next(i for i, step in enumerate(steps) if "collectstatic" in step)
    assert migrate < collectstatic < len(steps) - 1
    assert steps[-2] == "python manage.py setup_status"  # the log says what the first run still lacks
    assert steps[-1] == "exec gunicorn -c config/gunicorn.py config.wsgi"


@pytest.mark.servers
def test_web_collects_static_into_the_volume_nginx_serves(config):
    web, nginx = config["services"]["web"], config["services"]["nginx"]
    static_root = web["environment"]["DJANGO_STATIC_ROOT"]

    web_static = [source for source, target, _ in mounts(web) if target == static_root]
    assert web_static == ["static"] and "static" in config["volumes"]
    assert ("static", nginx["environment"]["STATIC_ROOT"], True) in mounts(nginx)


@pytest.mark.servers
def test_nginx_mounts_the_templates_and_the_static_volume_and_publishes_80(config):
    nginx = config["services"]["nginx"]

    assert (str(PROJECT_ROOT / "nginx" / "templates"), "/etc/nginx/templates", True) in mounts(nginx)
    assert ("static", "/srv/static", True) in mounts(nginx)
    assert (80, 80) in published_ports(nginx)
    assert nginx["environment"]["NGINX_PORT"] == "80"
    assert nginx["environment"]["GUNICORN_UPSTREAM"] == "web:8000"
    assert "8000" in [str(port) for port in config["services"]["web"]["expose"]]
    assert "web" in depends_on(nginx)


@pytest.mark.servers
def test_nginx_has_a_value_for_every_template_variable_and_substitutes_only_those(config):
    environment = config["services"]["nginx"]["environment"]
    directives = "\n".join(line for line in NGINX_TEMPLATE.read_text().splitlines()
                           if not line.lstrip().startswith("#"))
    template_variables = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", directives))
    # The image matches names against the filter as an awk regex inside /.../.
    name_filter = environment["NGINX_ENVSUBST_FILTER"]

    # GUNICORN_UPSTREAM is nginx/entrypoint.d/41-upstream.sh's (a list), not the template's.
    assert template_variables >= {"NGINX_PORT", "NGINX_SERVER_NAME", "STATIC_ROOT"}
    assert {name for name in template_variables if not environment.get(name)} == set()
    assert "/" not in name_filter
    assert {name for name in template_variables if not re.search(name_filter, name)} == set()
    assert not re.search(name_filter, "DJANGO_SECRET_KEY") and not re.search(name_filter, "DATABASE_URL")


@pytest.mark.servers
def test_nginx_does_not_receive_the_secrets(config):
    environment = config["services"]["nginx"]["environment"]

    assert not environment.get("DJANGO_SECRET_KEY")
    assert not environment.get("DATABASE_URL")
    assert not environment.get("POSTGRES_PASSWORD")


@pytest.mark.servers
def test_db_is_health_checked_and_keeps_its_data_in_a_volume(config):
    db = config["services"]["db"]

    assert db["image"].startswith("postgres:15")
    assert re.search(r"pg_isready -U \S+ -d \S+", " ".join(db["healthcheck"]["test"]))
    assert any(target == "/var/lib/postgresql/data" and source in config["volumes"] for source, target, _ in mounts(db))
    assert {"POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"} <= set(db["environment"])


# --- .env.production -------------------------------------------------------------------------

def test_env_production_defines_every_variable_config_reads():
    read = variables_read_by_config()
    defined = read_env_file()

    # The scan itself works: these are read in base.py, production.py and gunicorn.py.
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "USE_REDIS", "DJANGO_SECURE_SSL_REDIRECT",
            "GUNICORN_WORKERS"} <= set(read)
    missing = {name: where for name, where in read.items() if name not in defined}
    assert missing == {}, f"add these to .env.production: {missing}"


def test_env_production_runs_without_redis_and_names_the_redis_service():
    values = read_env_file()

    assert values["API_KEYS_REQUIRED"] == "True"  # a deployment that follows it is no open API
    assert values["USE_REDIS"] == "False"
    assert values["REDIS_URL"] == "redis://redis:6379/0"
    assert values["DJANGO_SETTINGS_MODULE"] == "config.settings.production"


def test_env_production_database_url_matches_the_db_service():
    values = read_env_file()

    assert values["DATABASE_URL"] == (
        f"postgres://{values['POSTGRES_USER']}:{values['POSTGRES_PASSWORD']}@db:5432/{values['POSTGRES_DB']}"
    )


@pytest.mark.servers
def test_production_refuses_the_placeholder_secret_key_of_env_production():
    result = manage(production_env(), "check")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
    assert "secrets.token_urlsafe" in result.stderr


@pytest.mark.servers
def test_production_refuses_the_placeholder_database_password_of_env_production():
    result = manage(production_env(DJANGO_SECRET_KEY=secrets.token_urlsafe(50)), "check")

    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr and "DATABASE_URL" in result.stderr


@pytest.mark.servers
def test_production_refuses_a_placeholder_password_left_in_database_url_alone():
    env = production_env(DJANGO_SECRET_KEY=secrets.token_urlsafe(50), POSTGRES_PASSWORD="s3cr3t-elegida")

    assert manage(env, "check").returncode != 0


@pytest.mark.servers
def test_env_production_with_a_generated_key_and_password_passes_check_deploy_without_warnings():
    # DATABASE_URL points at host `db`; `check` does not connect to the database.
    password = secrets.token_urlsafe(24)
    env = production_env(DJANGO_SECRET_KEY=secrets.token_urlsafe(50), POSTGRES_PASSWORD=password,
                         DATABASE_URL=f"postgres://ruc:{password}@db:5432/ruc")
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.servers
def test_web_believes_x_real_ip_only_from_the_address_compose_gives_nginx(config):
    nginx_address = ipaddress.ip_address(config["services"]["nginx"]["networks"]["default"]["ipv4_address"])
    subnet = ipaddress.ip_network(config["networks"]["default"]["ipam"]["config"][0]["subnet"])
    believed = [ipaddress.ip_network(entry, strict=False) for entry in read_env_file()["REAL_IP_FROM"].split(",")]

    assert nginx_address in subnet
    assert believed == [ipaddress.ip_network(f"{nginx_address}/32")]  # nginx alone: no other container
