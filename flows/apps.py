from django.apps import AppConfig

from waitlist.hooks import waitlist_register_auto_acceptor  # no models: safe before the registry is ready


class FlowsConfig(AppConfig):
    """Commands across apps; no models. At start it lends the waitlist its auto-accept (RULES §12)."""

    name = "flows"
    verbose_name = "业务流程"

    def ready(self):
        from flows import offers  # this app's own module: it imports models, so only once apps are ready

        waitlist_register_auto_acceptor(offers.waitlist_auto_accept_locked)
