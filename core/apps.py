from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        from core import (
            hot_reads,  # noqa: F401  (every database connection watches its writes)
            task_metrics,  # noqa: F401  (Celery task outcomes, counted in /metrics)
        )
