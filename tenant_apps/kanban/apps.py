from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KanbanConfig(AppConfig):
    name = "tenant_apps.kanban"
    label = "kanban"
    verbose_name = _("Data Kanban")

    def ready(self) -> None:
        from tenant_apps.kanban import nav_kanban  # noqa: F401 (registers the Data Kanban entry)
