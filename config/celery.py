"""The Celery app. Configuration comes from Django settings (CELERY_*); tasks are autodiscovered."""

import os
import sys

from celery import Celery
from celery.signals import worker_process_shutdown

from core.metrics_processes import metrics_directory_prepare, metrics_process_dead

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
if "worker" in sys.argv[1:]:  # `celery -A config worker`: before Django (and prometheus-client) load
    metrics_directory_prepare("worker")

app = Celery("studio")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_shutdown.connect
def _pool_process_ended(pid=None, **kwargs) -> None:
    metrics_process_dead(pid or os.getpid())
