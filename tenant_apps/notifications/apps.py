from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def unread_badge(request) -> int | None:
    """The navigation badge: the signed-in user's unread notifications in this store."""
    from tenant_apps.notifications.selectors import unread_count

    return unread_count(access=getattr(request, "store_access", None)) or None


class NotificationsConfig(AppConfig):
    name = "tenant_apps.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from shared_apps.platform.navigation import register_nav

        register_nav(
            key="notifications",
            label=_("Notifications"),
            url_name="notifications:list",
            permission="notifications.view",
            icon="bell",
            order=90,
            badge=unread_badge,
        )
        from tenant_apps.notifications import personal_data

        personal_data.register()
