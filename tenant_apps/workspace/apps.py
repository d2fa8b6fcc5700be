from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from shared_apps.platform.navigation import NavEntry, register_entries

NAVIGATION = (
    # key, label, URL name, permission, icon, order
    NavEntry("home", _("Home"), "workspace:home", "store.view", "home", 0),
    NavEntry("members", _("Team"), "workspace:members", "members.view", "users", 900),
    NavEntry("channels", _("Channels"), "workspace:channels", "channels.view", "shopping-bag", 910),
    NavEntry("settings", _("Store settings"), "workspace:settings", "settings.view", "sliders", 920),
)


class WorkspaceConfig(AppConfig):
    name = "tenant_apps.workspace"
    label = "workspace"
    verbose_name = _("Store workspace")

    def ready(self) -> None:
        from tenant_apps.workspace import first_run, receivers  # noqa: F401

        first_run.register()
        register_entries(NAVIGATION)
