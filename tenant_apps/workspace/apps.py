from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    name = "tenant_apps.workspace"
    label = "workspace"
    verbose_name = _("Store workspace")

    def ready(self) -> None:
        from shared_apps.platform.navigation import register_nav
        from tenant_apps.workspace import first_run, receivers  # noqa: F401

        first_run.register()

        register_nav(
            key="home", label=_("Home"), url_name="workspace:home", permission="store.view", icon="home", order=0
        )
        register_nav(
            key="members",
            label=_("Team"),
            url_name="workspace:members",
            permission="members.view",
            icon="users",
            order=900,
        )
        register_nav(
            key="channels",
            label=_("Channels"),
            url_name="workspace:channels",
            permission="channels.view",
            icon="shopping-bag",
            order=910,
        )
        register_nav(
            key="settings",
            label=_("Store settings"),
            url_name="workspace:settings",
            permission="settings.view",
            icon="sliders",
            order=920,
        )
