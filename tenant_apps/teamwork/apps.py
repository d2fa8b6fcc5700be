from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamworkConfig(AppConfig):
    name = "tenant_apps.teamwork"
    label = "teamwork"
    verbose_name = _("Team work")

    def ready(self) -> None:
        from tenant_apps.teamwork.views import register_pages

        register_pages()
