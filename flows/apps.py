from django.apps import AppConfig


class FlowsConfig(AppConfig):
    """Commands across apps; no models. At start it lends the waitlist its auto-accept (RULES §12)."""

    name = "flows"
    verbose_name = "业务流程"

    def ready(self):
        from flows import offers
        from waitlist.hooks import waitlist_register_auto_acceptor

        waitlist_register_auto_acceptor(offers.waitlist_auto_accept_locked)
