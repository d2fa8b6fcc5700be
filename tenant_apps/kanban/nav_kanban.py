"""Navigation entry of the Data Kanban page (registered when imported from ``apps.ready``)."""

from django.utils.translation import gettext_lazy as _

from shared_apps.platform.navigation import register_nav

register_nav(
    key="kanban",
    label=_("Data Kanban"),
    url_name="kanban:dashboard",
    permission="kanban.view",
    icon="bar-chart",
    order=15,
)
