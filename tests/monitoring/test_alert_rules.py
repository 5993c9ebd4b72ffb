"""The alert rules of deploy/prometheus/alerts.yml: the ones operators asked for, each reading only
what the service exports, valid for Prometheus, and each fired (and kept quiet) by `promtool test
rules` from synthetic series (alerts_test.yml beside this file). promtool comes with Debian's
prometheus package, which `make system-deps` installs."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from devtools.servers import PROJECT_ROOT
from tests.monitoring.promql import selectors, unexported

PROMETHEUS_DIR = PROJECT_ROOT / "deploy" / "prometheus"
ALERTS = PROMETHEUS_DIR / "alerts.yml"
DASHBOARD = PROJECT_ROOT / "deploy" / "grafana" / "dashboards" / "consulta-ruc.json"
UNIT_TESTS = Path(__file__).with_name("alerts_test.yml")
PROMETHEUS_OWN = {"up"}  # series Prometheus makes itself for each target


def rules() -> list[dict]:
    return [rule for group in yaml.safe_load(ALERTS.read_text())["groups"] for rule in group["rules"]]


def promtool(*args: str, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess:
    program = shutil.which("promtool")
    if program is None:
        pytest.skip("promtool is not installed (Debian's prometheus package; `make system-deps` installs it)")
    return subprocess.run([program, *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_the_alerts_operators_asked_for_are_there_and_say_what_to_do():
    by_name = {rule["alert"]: rule for rule in rules()}
    assert len(by_name) == len(rules())
    assert {"SunatFailing", "QueueStuck", "RegisterStale", "RegisterNeverImported",
            "WebhookNoticesFailing"} <= set(by_name)
    assert "[10m]" in by_name["SunatFailing"]["expr"]
    assert "> 300" in by_name["QueueStuck"]["expr"]
    assert "> 36 * 3600" in by_name["RegisterStale"]["expr"]
    for rule in rules():
        assert rule["labels"]["severity"] in ("critical", "warning"), rule["alert"]
        assert set(rule["annotations"]) == {"summary", "description"}, rule["alert"]
        assert all(len(text) > 20 for text in rule["annotations"].values()), rule["alert"]


def test_every_rule_reads_only_what_the_service_exports(scraped):
    problems = {rule["alert"]: unexported(rule["expr"], scraped, PROMETHEUS_OWN) for rule in rules()}
    assert problems == {rule["alert"]: [] for rule in rules()}
    # Prometheus' own series, of the service's scrape job.
    (job,) = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())["scrape_configs"]
    for rule in rules():
        for selector in selectors(rule["expr"]):
            if selector.name in PROMETHEUS_OWN:
                assert selector.matchers == (("job", "=", job["job_name"]),), rule["alert"]


def test_every_alert_is_fired_and_kept_quiet_by_the_promtool_tests():
    cases = yaml.safe_load(UNIT_TESTS.read_text())
    assert [(UNIT_TESTS.parent / path).resolve() for path in cases["rule_files"]] == [ALERTS.resolve()]
    checks = [check for case in cases["tests"] for check in case["alert_rule_test"]]
    names = {rule["alert"] for rule in rules()}
    assert {check["alertname"] for check in checks if check["exp_alerts"]} == names
    assert {check["alertname"] for check in checks if not check["exp_alerts"]} == names


@pytest.mark.servers
def test_prometheus_loads_the_config_with_its_rules():
    result = promtool("check", "config", "deploy/prometheus/prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(rules())} rules found" in result.stdout


@pytest.mark.servers
@pytest.mark.slow
def test_each_alert_fires_from_synthetic_series_and_not_before():
    result = promtool("test", "rules", UNIT_TESTS.name, cwd=UNIT_TESTS.parent)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.servers
def test_every_dashboard_query_is_promql_prometheus_parses(tmp_path):
    import json

    queries = [target["expr"] for panel in json.loads(DASHBOARD.read_text())["panels"] for target in panel["targets"]]
    as_rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:query_{number}", "expr": query} for number, query in enumerate(queries)]}]}
    (tmp_path / "dashboard.yml").write_text(yaml.safe_dump(as_rules, allow_unicode=True))
    result = promtool("check", "rules", str(tmp_path / "dashboard.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(queries)} rules found" in result.stdout
