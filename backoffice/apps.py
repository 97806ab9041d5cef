from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "backoffice"
    verbose_name = "运营后台"

    def ready(self) -> None:
        from backoffice.monitoring import BusinessGauges
        from core.metrics import scrape_collector_register

        scrape_collector_register(BusinessGauges())  # /metrics reads them at each scrape (RULES §16)
