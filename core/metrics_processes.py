"""Prometheus' multi-process mode (RULES §16: /metrics is the sum over every gunicorn worker and
Celery process, never one process's share).

With METRICS_MULTIPROC_DIR set, each service writes its counters and histograms to memory-mapped
files in a subdirectory of its own (`web`, `worker`), which /metrics merges (core/metrics.py). A
service empties its subdirectory when it starts, before any process of it has written, and never
touches another's: restarting the worker does not wipe the web's counters (Prometheus' rate()
treats the drop to zero of a restart as a counter reset).

prometheus-client picks its value class when it is first imported, from PROMETHEUS_MULTIPROC_DIR,
so `metrics_directory_prepare` must run before anything imports it: in deploy/gunicorn.conf.py
(the master, before the app loads), in config/celery.py for a worker (before Django is set up) and
in manage.py for runserver. This module imports neither Django nor prometheus-client for that
reason.
"""

import os
import shutil

ROOT_ENV = "METRICS_MULTIPROC_DIR"  # the deployment's setting: the directory shared by the services
PROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"  # prometheus-client's: where this process writes


def metrics_directory_prepare(service: str) -> str | None:
    """Empties `$METRICS_MULTIPROC_DIR/<service>` and makes it this process's (and its children's)
    directory. Nothing without METRICS_MULTIPROC_DIR, or when the directory is already chosen (a
    child started by a prepared parent, such as runserver's reloader)."""
    root = os.environ.get(ROOT_ENV, "").strip()
    if not root or os.environ.get(PROCESS_ENV):
        return None
    path = os.path.join(os.path.abspath(root), service)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path, exist_ok=True)
    os.environ[PROCESS_ENV] = path
    return path


def metrics_process_dead(pid: int) -> None:
    """A gunicorn worker or Celery pool process ended: its live gauges stop counting (its counters
    stay in the sum, as they must)."""
    if os.environ.get(PROCESS_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
