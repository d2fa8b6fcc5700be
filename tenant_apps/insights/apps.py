from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "tenant_apps.insights"
    label = "insights"
    verbose_name = _("Customer intelligence")

    def ready(self) -> None:
        from tenant_apps.insights.views import register_pages

        register_pages()
        from tenant_apps.insights import personal_data

        personal_data.register()
