"""The "monitoring" profile of docker-compose.prod.yml (Prometheus and Grafana, provisioned from
deploy/) and its dashboard: the compose file validates with it, nothing else needs it, Prometheus
scrapes the service from the one network METRICS_ALLOWED_IPS lets in and loads the alert rules, and
the dashboard reads only what the service exports: single numbers with thresholds first, latency
per route, one unit per panel."""

import ipaddress
import json
import math
import re

import pytest
import yaml

from devtools.servers import PROJECT_ROOT
from tests.deployment.test_compose import compose_config, mounts, read_env_file, services_started
from tests.monitoring.promql import grouping_labels, selectors, unexported

DEPLOY = PROJECT_ROOT / "deploy"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "consulta-ruc.json"


@pytest.fixture(scope="module")
def config_with_monitoring():
    result = compose_config("monitoring")
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


@pytest.mark.servers
def test_the_profile_adds_prometheus_and_grafana_and_nothing_needs_them(config_with_monitoring):
    assert services_started(config_with_monitoring, profiles=["monitoring"]) == {
        "db", "web", "nginx", "worker", "prometheus", "grafana"}
    assert services_started(config_with_monitoring) == {"db", "web", "nginx", "worker"}
    for name in ("prometheus", "grafana"):
        assert config_with_monitoring["services"][name]["profiles"] == ["monitoring"]


@pytest.mark.servers
def test_prometheus_scrapes_the_service_from_the_network_metrics_are_open_to(config_with_monitoring):
    services = config_with_monitoring["services"]
    prometheus_yml = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    (job,) = prometheus_yml["scrape_configs"]
    assert job["metrics_path"] == "/metrics" and job["static_configs"][0]["targets"] == ["web:8000"]
    # The alert rules, mounted beside the config that names them (a path relative to it).
    assert prometheus_yml["rule_files"] == ["alerts.yml"]
    prometheus_mounts = {target: (source, ro) for source, target, ro in mounts(services["prometheus"])}
    for name in ("prometheus.yml", "alerts.yml"):
        source, read_only = prometheus_mounts[f"/etc/prometheus/{name}"]
        assert source.endswith(f"deploy/prometheus/{name}") and read_only, name

    subnet = ipaddress.ip_network(config_with_monitoring["networks"]["metrics"]["ipam"]["config"][0]["subnet"])
    allowed = [ipaddress.ip_network(entry, strict=False) for entry in read_env_file()["METRICS_ALLOWED_IPS"].split(",")]
    assert subnet in allowed
    # Nobody else has an address there: not Grafana (published on the host's loopback), nor nginx.
    networks_with_metrics = {name for name, service in services.items() if "metrics" in service.get("networks", {})}
    assert networks_with_metrics == {"web", "prometheus"}
    assert set(services["grafana"]["networks"]) == {"monitoring"}
    assert "monitoring" in services["prometheus"]["networks"]


@pytest.mark.servers
def test_grafana_is_provisioned_from_the_repository_and_only_on_loopback(config_with_monitoring):
    grafana = config_with_monitoring["services"]["grafana"]
    targets = {target: source for source, target, _ in mounts(grafana)}
    assert targets["/etc/grafana/provisioning"].endswith("deploy/grafana/provisioning")
    assert targets["/var/lib/grafana/dashboards"].endswith("deploy/grafana/dashboards")
    assert grafana["ports"] == ["127.0.0.1:3000:3000/tcp"]  # the host's loopback only
    datasource = yaml.safe_load((DEPLOY / "grafana/provisioning/datasources/prometheus.yml").read_text())
    assert datasource["datasources"][0]["url"] == "http://prometheus:9090"
    provider = yaml.safe_load((DEPLOY / "grafana/provisioning/dashboards/consulta-ruc.yml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"


def panels() -> list[dict]:
    return json.loads(DASHBOARD.read_text())["panels"]


def queries(panel: dict) -> list[str]:
    return [target["expr"] for target in panel["targets"]]


def test_every_query_of_the_dashboard_reads_only_what_the_service_exports(scraped):
    problems = {f"{panel['title']} {target['refId']}": unexported(target["expr"], scraped)
                for panel in panels() for target in panel["targets"]}
    assert len(problems) >= 15
    assert {where: found for where, found in problems.items() if found} == {}
    # And the dashboard shows what the issues asked for: hits, SUNAT, pacing, cooldown, circuit,
    # quotas, batches, imports, the queue, the notices.
    used = {selector.name for panel in panels() for query in queries(panel) for selector in selectors(query)}
    for family in ("consulta_ruc_http_request_duration_seconds", "consulta_ruc_sunat_requests",
                   "consulta_ruc_sunat_pacing_wait_seconds", "consulta_ruc_sunat_cooldown_seconds",
                   "consulta_ruc_redis_circuit_open", "consulta_ruc_quota_rejections", "consulta_ruc_batch_size",
                   "consulta_ruc_register_current_timestamp_seconds", "consulta_ruc_register_imported",
                   "consulta_ruc_queue_jobs", "consulta_ruc_queue_oldest_job_age_seconds",
                   "consulta_ruc_webhook_notices", "consulta_ruc_webhook_notices_retrying"):
        assert any(name.startswith(family) for name in used), family


# The single numbers an operator reads first: (title, a selector its query reads, what it turns
# red at, the alert sharing that threshold or None).
STATS = [
    ("Aciertos de caché (1 h)", 'consulta_ruc_http_request_duration_seconds_count{', None, None),
    ("Éxito de SUNAT (15 min)", 'consulta_ruc_sunat_requests_total{outcome=~"ok|not_found"}', None, None),
    ("Tarea más antigua en la cola", "consulta_ruc_queue_oldest_job_age_seconds", 300, "QueueStuck"),
    ("Avisos de webhook pendientes", 'consulta_ruc_webhook_notices{state="pendiente"}', None, None),
    ("Registro más desactualizado", "consulta_ruc_register_current_timestamp_seconds", 36 * 3600,
     "RegisterStale"),
]


def test_the_first_rows_are_single_numbers_with_thresholds_explained():
    stats = {panel["title"]: panel for panel in panels() if panel["type"] == "stat"}
    assert all(panel["gridPos"]["y"] < 10 for panel in stats.values())
    alerts = {rule["alert"]: rule["expr"] for group in yaml.safe_load((DEPLOY / "prometheus/alerts.yml").read_text())[
        "groups"] for rule in group["rules"]}
    for title, reads, red_at, alert in STATS:
        panel = stats[title]
        assert reads in " ".join(queries(panel)), title
        steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
        assert steps[0]["value"] is None and [step["value"] for step in steps[1:]] == sorted(
            step["value"] for step in steps[1:]), title
        # Green, amber, red, whichever way round (a ratio is red low, an age red high).
        assert [step["color"] for step in steps] in (["green", "orange", "red"], ["red", "orange", "green"]), title
        assert panel["fieldConfig"]["defaults"]["color"]["mode"] == "thresholds"
        # The why of each colour, in Spanish, for the operator.
        assert all(word in panel["description"] for word in ("Verde", "Ámbar", "Rojo")), title
        if red_at is not None:
            assert steps[-1] == {"color": "red", "value": red_at}, title
            # ... which is where its alert fires: "> 300", "> 36 * 3600".
            factors = re.fullmatch(r"(?s).*>\s*([\d\s*]+)", alerts[alert].strip()).group(1).split("*")
            assert math.prod(int(factor) for factor in factors) == red_at, alert
    for panel in stats.values():
        assert panel["description"] and len(panel["fieldConfig"]["defaults"]["thresholds"]["steps"]) >= 2


def test_latency_is_per_route_and_routes_are_names_never_paths(scraped):
    latency = [query for panel in panels() for query in queries(panel)
               if "histogram_quantile" in query and "consulta_ruc_http_request_duration_seconds_bucket" in query]
    assert {re.search(r"histogram_quantile\(([\d.]+)", query).group(1) for query in latency} == {"0.5", "0.99"}
    assert all("endpoint" in grouping_labels(query) for query in latency)
    # The label is the URL pattern's name: a handful of values whatever the RUCs asked for.
    routes = {sample["endpoint"] for sample in scraped["consulta_ruc_http_request_duration_seconds_count"]}
    assert {"ruc-detail", "ruc-batch", "other", "metrics"} <= routes
    assert not any("/" in route or re.search(r"\d{11}", route) for route in routes)


def unit_of(query: str) -> str:
    """The unit a query's numbers are in, from what it reads."""
    if " / " in query:
        return "percentunit"
    if "histogram_quantile" in query:
        return "s" if "_seconds_bucket" in query else "short"
    if "rate(" in query:
        return "reqps"
    return "s" if re.search(r"_seconds\b", query) else "short"


def test_each_panel_has_one_unit_and_its_queries_are_in_it():
    for panel in panels():
        unit = panel["fieldConfig"]["defaults"]["unit"]
        assert {unit_of(query) for query in queries(panel)} == {unit}, panel["title"]
        assert not any(item["id"] == "unit" for override in panel["fieldConfig"]["overrides"]
                       for item in override["properties"]), panel["title"]


def test_panels_fit_the_width_and_do_not_overlap():
    taken = set()
    for panel in panels():
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        cells = {(x, y) for x in range(grid["x"], grid["x"] + grid["w"]) for y in range(grid["y"], grid["y"] + grid["h"])}
        assert not cells & taken, panel["title"]
        taken |= cells
    assert len({panel["id"] for panel in panels()}) == len(panels())
