from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "tenant_apps.audit"
    label = "audit"
    verbose_name = _("Action log")

    def ready(self) -> None:
        from shared_apps.platform.navigation import register_nav
        from tenant_apps.audit import signals

        signals.connect()
        register_nav(
            key="audit",
            label=_("Action log"),
            url_name="audit:list",
            permission="audit.view",
            icon="list",
            order=95,
        )
        from tenant_apps.audit import personal_data

        personal_data.register()
