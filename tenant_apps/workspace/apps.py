from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    name = "tenant_apps.workspace"
    label = "workspace"
    verbose_name = _("Store workspace")

    def ready(self) -> None:
        from tenant_apps.workspace import receivers  # noqa: F401
