from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    name = "tenant_apps.automation"
    label = "automation"
    verbose_name = _("Automation")

    def ready(self) -> None:
        from shared_apps.platform.navigation import register_nav
        from tenant_apps.automation import consumer, receivers
        from tenant_apps.outbox import consumers

        receivers.connect()
        consumers.register(consumer.CONSUMER, consumer.consume)
        register_nav(
            key="automations",
            label=_("Automation"),
            url_name="automation:rules",
            permission="automation.view",
            icon="alert-triangle",
            order=95,
        )
