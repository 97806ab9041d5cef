"""RULES §16: /metrics is the sum over processes (prometheus-client's multi-process mode), and each
service empties only its own directory when it starts."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from core.metrics_processes import PROCESS_ENV, ROOT_ENV, metrics_directory_prepare
from notifications.metrics import notification_counted

ROOT = Path(__file__).resolve().parents[2]

# A process of a service: prepares its directory as the launchers do, loads Django, counts `times`
# sent WeChat messages through the code the sending path uses, and exits.
COUNTING = """
import sys
from core.metrics_processes import metrics_directory_prepare
metrics_directory_prepare(sys.argv[1])
import django
django.setup()
from notifications.metrics import notification_counted
notification_counted(template="waitlist_closed", channel="wechat", status="sent", times=int(sys.argv[2]))
"""


def counting_process(root: Path, service: str, times: int, **env: str) -> None:
    environment = {key: value for key, value in os.environ.items() if key != PROCESS_ENV}
    environment.update({ROOT_ENV: str(root), "DJANGO_SETTINGS_MODULE": "config.settings.test", **env})
    result = subprocess.run(
        [sys.executable, "-c", COUNTING, service, str(times)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def sent_closed(client) -> float:
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            if sample.name == "studio_notifications_total" and sample.labels == {
                "template": "waitlist_closed",
                "channel": "wechat",
                "status": "sent",
                "errcode": "",
            }:
                return sample.value
    return 0.0


@pytest.mark.django_db
def test_metrics_sums_the_processes_of_every_service(tmp_path, client, settings):
    root = tmp_path / "metrics"
    counting_process(root, "worker", 3)  # a worker's main process: prepares (empties) worker/
    # A pool process forked by it inherits the chosen directory and does not empty it again.
    counting_process(root, "worker", 4, **{PROCESS_ENV: str(root / "worker")})
    counting_process(root, "web", 5)  # the web starting empties web/ only
    notification_counted(template="waitlist_closed", channel="wechat", status="sent", times=100)  # this process
    settings.METRICS_MULTIPROC_DIR = str(root)
    assert sent_closed(client) == 12  # the files of three processes, not this process's own 100
    assert len(list((root / "worker").glob("counter_*.db"))) == 2


@pytest.mark.django_db
def test_without_the_directory_a_process_serves_its_own_series(client, settings):
    settings.METRICS_MULTIPROC_DIR = ""
    before = sent_closed(client)
    notification_counted(template="waitlist_closed", channel="wechat", status="sent", times=2)
    assert sent_closed(client) == before + 2


def test_a_service_starting_empties_its_own_directory_and_no_other(tmp_path, monkeypatch):
    for service in ("web", "worker"):
        (tmp_path / service).mkdir()
        (tmp_path / service / "counter_4242.db").write_bytes(b"an old run")
    monkeypatch.setenv(ROOT_ENV, str(tmp_path))
    monkeypatch.setenv(PROCESS_ENV, "")
    assert metrics_directory_prepare("worker") == str(tmp_path / "worker")
    assert os.environ[PROCESS_ENV] == str(tmp_path / "worker")
    assert list((tmp_path / "worker").iterdir()) == []
    assert (tmp_path / "web" / "counter_4242.db").exists()
    # Already chosen (a child of a prepared process): nothing is emptied.
    (tmp_path / "worker" / "counter_4243.db").write_bytes(b"the parent's")
    assert metrics_directory_prepare("worker") is None
    assert (tmp_path / "worker" / "counter_4243.db").exists()


def test_without_the_setting_nothing_is_prepared(monkeypatch):
    monkeypatch.delenv(ROOT_ENV, raising=False)
    monkeypatch.setenv(PROCESS_ENV, "")
    assert metrics_directory_prepare("web") is None
    assert os.environ[PROCESS_ENV] == ""
