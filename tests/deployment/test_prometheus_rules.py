"""The monitoring files of deploy/ agree with promtool and with the code: the alert rules are valid
and pass their unit tests, the example scrape configuration is valid, every metric the rules and the
Grafana dashboard read is one /metrics really serves, every alert has its runbook in
docs/deployment.md, and the API latency alert watches exactly the API's routes.

promtool comes from `bin/install-system-deps --test`; without it these tests fail, they do not skip.
"""

import dataclasses
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.views import APIView

from backoffice.monitoring import LIMITS
from notifications.metrics import notification_counted
from tests.deployment.processes import ROOT

PROMTOOL = Path("/usr/bin/promtool")
PROMETHEUS = ROOT / "deploy" / "prometheus"
DASHBOARD = ROOT / "deploy" / "grafana" / "studio-dashboard.json"
DEPLOYMENT_DOC = ROOT / "docs" / "deployment.md"
LATENCY = "django_http_requests_latency_seconds_by_view_method_bucket"


def promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    assert PROMTOOL.is_file(), f"{PROMTOOL} is missing: run bin/install-system-deps --test"
    return subprocess.run([str(PROMTOOL), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def alert_rules() -> list[dict]:
    groups = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def alert(name: str) -> dict:
    (rule,) = [rule for rule in alert_rules() if rule["alert"] == name]
    return rule


def dashboard_exprs() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [target["expr"] for panel in panels for target in panel["targets"]]


# --- promtool ------------------------------------------------------------------------------------


def test_promtool_accepts_the_rules():
    result = promtool("check", "rules", "alerts.yml", cwd=PROMETHEUS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(alert_rules())} rules found" in result.stdout


def test_the_rules_pass_their_unit_tests():
    result = promtool("test", "rules", "alerts_test.yml", cwd=PROMETHEUS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_the_unit_tests_fail_when_a_threshold_moves(tmp_path):
    """The unit tests are at the boundary: a rule that fires at its threshold instead of above it
    fails them."""
    shutil.copy(PROMETHEUS / "alerts_test.yml", tmp_path)
    rules = (PROMETHEUS / "alerts.yml").read_text()
    assert "max(studio_worker_heartbeat_age_seconds) > 120" in rules
    (tmp_path / "alerts.yml").write_text(rules.replace("heartbeat_age_seconds) > 120", "heartbeat_age_seconds) >= 120"))
    result = promtool("test", "rules", "alerts_test.yml", cwd=tmp_path)
    assert result.returncode != 0
    assert "StudioWorkerHeartbeatStale, time: 2m," in result.stdout + result.stderr


def test_every_alert_is_tested_firing_and_silent():
    tests = yaml.safe_load((PROMETHEUS / "alerts_test.yml").read_text())["tests"]
    cases = [case for test in tests for case in test["alert_rule_test"]]
    firing = {case["alertname"] for case in cases if case["exp_alerts"]}
    silent = {case["alertname"] for case in cases if not case["exp_alerts"]}
    names = {rule["alert"] for rule in alert_rules()}
    assert len(names) == len(alert_rules()) >= 9
    assert sorted(names - firing) == []
    assert sorted(names - silent) == []


def test_the_example_scrape_config_is_valid(tmp_path):
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    assert config["global"]["scrape_interval"] == "15s"
    assert config["rule_files"] == ["alerts.yml"]
    (job,) = config["scrape_configs"]
    assert (job["scheme"], job["metrics_path"]) == ("https", "/metrics")
    assert job["authorization"]["credentials_file"] == "/etc/prometheus/studio-metrics-token"
    # promtool refuses a credentials file that does not exist: check a copy pointing at a real one.
    token = tmp_path / "studio-metrics-token"
    token.write_text("s3cret-scrape-token\n")
    job["authorization"]["credentials_file"] = str(token)
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    shutil.copy(PROMETHEUS / "alerts.yml", tmp_path)
    result = promtool("check", "config", "prometheus.yml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(alert_rules())} rules found" in result.stdout


# --- metric names --------------------------------------------------------------------------------

_PROMQL_WORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan", "by", "without", "on", "ignoring"}


def promql_metric_names(expr: str) -> set[str]:
    """The metric names an expression reads: identifiers that are neither functions, label names
    (inside braces or a by/without/on/ignoring/group_* list), keywords nor durations."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)  # strings (label values, regexes)
    expr = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    expr = re.sub(r"\[[^]]*\]", "", expr)  # ranges, Grafana's $__rate_interval
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    words = re.findall(r"(?<![\w$.:])([A-Za-z_:][\w:]*)(?![\w:])(?!\s*\()", expr)
    return {word for word in words if word.lower() not in _PROMQL_WORDS}


def test_the_metric_names_of_an_expression_are_found():
    expr = (
        'sum by (le, view) (rate(a_bucket{view=~"x|y", le="1"}[$__rate_interval])) / on (job) b_total > 1 '
        "and max without (instance) (c) > bool 0 or histogram_quantile(0.95, d_bucket) unless e offset 5m"
    )
    assert promql_metric_names(expr) == {"a_bucket", "b_total", "c", "d_bucket", "e"}


SUFFIXES = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"], "summary": ["_count", "_sum", ""]}


def scraped_families() -> list:
    response = Client().get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    return list(text_string_to_metric_families(response.content.decode()))


@pytest.fixture
def served(db) -> set[str]:
    """Every series name /metrics serves, from a real scrape: the samples' names, and for each family
    the names its type implies (a labelled counter declares itself before its first sample; in the
    multi-process mode of production it appears with its first sample, under the same name)."""
    notification_counted(template="waitlist_seat_available", channel="wechat", status="failed", errcode=43101)
    families = scraped_families()
    samples = {sample.name for family in families for sample in family.samples}
    declared = {family.name + suffix for family in families for suffix in SUFFIXES.get(family.type, [""])}
    # A counted notification is served under the name its type implies.
    assert "studio_notifications_total" in samples & declared
    # The scrape really read the business gauges and the ledger check, and the HTTP histograms.
    assert {"studio_waitlist_offer_overdue_seconds", "studio_compensation_ledger_check_age_seconds"} <= samples
    assert LATENCY in declared
    return samples | declared


def test_every_metric_the_alerts_read_is_served(served):
    used = set().union(*(promql_metric_names(rule["expr"]) for rule in alert_rules()))
    assert {"studio_notifications_total", "studio_worker_heartbeat_age_seconds", LATENCY} <= used
    assert sorted(used - served) == []


def test_every_metric_the_dashboard_reads_is_served(served):
    used = set().union(*(promql_metric_names(expr) for expr in dashboard_exprs()))
    assert {"studio_celery_tasks_total", "studio_compensation_minutes_total", "studio_makeups", LATENCY} <= used
    assert sorted(used - served) == []


def test_a_misspelt_metric_would_be_caught(served):
    assert "studio_waitlist_offer_overdue_second" not in served
    assert "studio_notifications" not in served  # a counter is read as ..._total


# --- the dashboard -------------------------------------------------------------------------------


def test_the_dashboard_reads_its_prometheus_from_an_input():
    dashboard = json.loads(DASHBOARD.read_text())
    assert [each["name"] for each in dashboard["__inputs"]] == ["DS_PROMETHEUS"]
    assert 36 <= dashboard["schemaVersion"] <= 41
    for panel in dashboard["panels"]:
        assert panel["datasource"] == {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}, panel["title"]
        assert panel["targets"] and all(target["datasource"] == panel["datasource"] for target in panel["targets"])


def test_the_dashboard_shows_the_alert_thresholds():
    shown = {}
    for panel in json.loads(DASHBOARD.read_text())["panels"]:
        (expr, *_) = [target["expr"] for target in panel["targets"]]
        steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
        shown[expr] = [step["value"] for step in steps if step["value"] is not None]
        if shown[expr]:
            assert panel["fieldConfig"]["defaults"]["custom"]["thresholdsStyle"]["mode"] in {"line", "off"}
    for name, field in LIMITED_ALERTS.items():
        assert shown[alert(name)["expr"].rsplit(" > ", 1)[0]] == [getattr(LIMITS, field)], name


# --- the thresholds are the back office's -------------------------------------------------------

# The alerts whose threshold is a limit of the dashboard's 需要处理 panel (backoffice.monitoring.LIMITS).
LIMITED_ALERTS = {
    "StudioSweeperLag": "offer_overdue_seconds",
    "StudioCutoffCloserLag": "cutoff_overdue_seconds",
    "StudioWorkerHeartbeatStale": "heartbeat_age_seconds",
    "StudioLedgerCheckStale": "ledger_check_age_seconds",
}


def threshold(name: str) -> float:
    match = re.fullmatch(r"max\((\w+)\) > ([0-9.]+)", alert(name)["expr"].strip())
    assert match, alert(name)["expr"]
    return float(match[2])


def test_every_limit_of_the_back_office_has_its_alert():
    assert sorted(LIMITED_ALERTS.values()) == sorted(field.name for field in dataclasses.fields(LIMITS))


@pytest.mark.parametrize("name", sorted(LIMITED_ALERTS))
def test_the_alert_thresholds_are_the_back_offices_limits(name):
    assert threshold(name) == getattr(LIMITS, LIMITED_ALERTS[name])


def test_the_alerts_fire_above_their_limit_like_the_panel():
    """Strictly above, as the 需要处理 panel does (`seconds > limit`)."""
    exprs = {rule["alert"]: rule["expr"].strip() for rule in alert_rules()}
    assert [name for name in LIMITED_ALERTS if " > " not in exprs[name]] == []
    assert [name for name, expr in exprs.items() if ">=" in expr.replace(">= 20", "")] == []


# --- runbooks ------------------------------------------------------------------------------------


def heading_anchor(text: str) -> str:
    """The anchor GitHub (and most Markdown renderers) give a heading."""
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def monitoring_runbooks() -> dict[str, str]:
    """The `### ` sections under docs/deployment.md's "## Monitoring": {anchor: body}."""
    text = DEPLOYMENT_DOC.read_text()
    assert "\n## Monitoring\n" in text
    section = text.split("\n## Monitoring\n", 1)[1].split("\n## ", 1)[0]
    parts = re.split(r"^###+ (.+)$", section, flags=re.MULTILINE)
    return {heading_anchor(title): body.strip() for title, body in zip(parts[1::2], parts[2::2], strict=True)}


def test_the_heading_anchor_is_githubs():
    assert heading_anchor("StudioSweeperLag") == "studiosweeperlag"
    assert heading_anchor("Loading the rules, the dashboard") == "loading-the-rules-the-dashboard"


def test_every_alert_has_a_runbook_section():
    runbooks = monitoring_runbooks()
    missing = []
    for rule in alert_rules():
        anchor = rule["alert"].lower()
        assert rule["annotations"]["runbook_url"] == f"docs/deployment.md#{anchor}"
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
        if len(runbooks.get(anchor, "")) < 200:  # a heading alone is not a runbook
            missing.append(rule["alert"])
    assert missing == []


def test_every_alert_has_a_known_severity():
    severities = {rule["alert"]: rule["labels"]["severity"] for rule in alert_rules()}
    assert set(severities.values()) == {"page", "ticket", "info"}
    assert severities["StudioWaitlistQueueFull"] == "info"


# --- the API latency alert's routes --------------------------------------------------------------


def named_routes() -> list[tuple[str, str, object]]:
    """Every named route as (path, the name django-prometheus labels it with, view): the label is
    `resolver_match.view_name`, "namespace:name"."""
    found = []

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> None:
        for pattern in resolver.url_patterns:
            route = prefix + str(pattern.pattern).lstrip("^")
            if isinstance(pattern, URLResolver):
                walk(pattern, route, ":".join(part for part in (namespace, pattern.namespace) if part))
            elif isinstance(pattern, URLPattern) and pattern.name:
                found.append((route, f"{namespace}:{pattern.name}" if namespace else pattern.name, pattern.callback))

    walk(get_resolver(), "", "")
    return found


def api_views_regex() -> re.Pattern:
    (regex,) = set(re.findall(rf'{LATENCY}\{{view=~"([^"]+)"\}}', alert("StudioApiLatencyHigh")["expr"]))
    return re.compile(regex)  # Prometheus anchors its regexes: compared with fullmatch


def test_the_latency_alert_watches_every_api_route():
    api = [(route, name, view) for route, name, view in named_routes() if route.startswith("api/v1/")]
    assert len(api) > 25
    assert [route for route, _, view in api if not issubclass(getattr(view, "cls", object), APIView)] == []
    regex = api_views_regex()
    assert sorted(name for _, name, _ in api if not regex.fullmatch(name)) == []


def test_the_latency_alert_ignores_the_admin_and_the_pages_outside_the_api():
    not_api = [name for route, name, _ in named_routes() if not route.startswith("api/v1/")]
    admin = [name for name in not_api if name.startswith("admin")]
    assert "admin:index" in admin and "admin-dashboard" in admin and len(admin) > 50
    assert {"schema", "docs", "redoc", "healthz", "metrics"} <= set(not_api)
    regex = api_views_regex()
    assert sorted(name for name in [*not_api, "<unnamed view>"] if regex.fullmatch(name)) == []


def test_the_dashboard_watches_the_same_api_routes():
    regex = api_views_regex().pattern
    latency = [expr for expr in dashboard_exprs() if LATENCY in expr]
    assert latency
    assert [expr for expr in latency if f'{LATENCY}{{view=~"{regex}"}}' not in expr] == []
