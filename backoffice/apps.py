from django.apps import AppConfig

from core.metrics import scrape_collector_register


class BackofficeConfig(AppConfig):
    name = "backoffice"
    verbose_name = "运营后台"

    def ready(self) -> None:
        from backoffice.monitoring import BusinessGauges  # reads models: only once the registry is ready

        scrape_collector_register(BusinessGauges())  # /metrics reads them at each scrape (RULES §16)
