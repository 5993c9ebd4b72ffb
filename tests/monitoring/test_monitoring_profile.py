"""The "monitoring" profile of docker-compose.prod.yml (Prometheus and Grafana, provisioned from
deploy/) and its dashboard: the compose file validates with it, nothing else needs it, Prometheus
scrapes the service from the one network METRICS_ALLOWED_IPS lets in, and every query of the
dashboard names only metrics the service exports."""

import ipaddress
import json
import re

import pytest
import yaml

from devtools.servers import PROJECT_ROOT
from tests.deployment.test_compose import compose_config, mounts, read_env_file, services_started

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
    assert any(target == "/etc/prometheus/prometheus.yml" and ro for _, target, ro in mounts(services["prometheus"]))

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


def exported_names(text_families: dict) -> set[str]:
    """Every series name a query may use: gauges as they are, counters with _total, histograms'
    _bucket, _count and _sum."""
    names = set()
    for family, kind in text_families.items():
        names |= {"counter": {f"{family}_total"}, "histogram": {f"{family}_bucket", f"{family}_count", f"{family}_sum"},
                  "gauge": {family}}.get(kind, {family})
    return names


@pytest.mark.django_db
def test_every_query_of_the_dashboard_uses_only_metrics_the_service_exports(client):
    from prometheus_client.parser import text_string_to_metric_families

    text = client.get("/metrics").content.decode()
    families = {family.name: family.type for family in text_string_to_metric_families(text)}
    exported = exported_names(families)
    dashboard = json.loads(DASHBOARD.read_text())
    queries = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]

    used = {name for query in queries for name in re.findall(r"\bconsulta_ruc_[a-z_]+", query)}
    assert len(queries) >= 15 and used
    assert used - exported == set()
    # And the dashboard shows what the issue asked for: hits, SUNAT, pacing, cooldown, circuit,
    # quotas, batches, imports, the queue.
    for family in ("consulta_ruc_http_request_duration_seconds", "consulta_ruc_sunat_requests", "consulta_ruc_sunat_pacing_wait_seconds",
                   "consulta_ruc_sunat_cooldown_seconds", "consulta_ruc_redis_circuit_open",
                   "consulta_ruc_quota_rejections", "consulta_ruc_batch_size",
                   "consulta_ruc_register_last_import_timestamp_seconds", "consulta_ruc_queue_jobs"):
        assert any(name.startswith(family) for name in used), family
