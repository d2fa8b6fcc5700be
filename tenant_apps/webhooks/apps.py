from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "tenant_apps.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from shared_apps.platform.observability import register_store_gauge
        from tenant_apps.outbox import consumers
        from tenant_apps.webhooks import selectors, services

        consumers.register(services.CONSUMER, services.consume)
        register_store_gauge(
            name="crm_webhook_backlog",
            documentation="Webhook deliveries waiting to be made (pending), per store.",
            read=lambda: float(selectors.backlog()["pending"]),
        )
        register_store_gauge(
            name="crm_webhook_oldest_pending_seconds",
            documentation="Age in seconds of the oldest pending webhook delivery, per store (0: none).",
            read=lambda: float(selectors.backlog()["oldest_age_seconds"]),
        )
