from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HqReportsConfig(AppConfig):
    name = "hq_reports"
    verbose_name = _("HQ reports")

    def ready(self) -> None:
        from shared_apps.platform.navigation import HQ, register_nav

        register_nav(key="stores", label=_("Stores"), url_name="hq:console", area=HQ, icon="briefcase", order=10)
        register_nav(key="dashboard", label=_("Dashboard"), url_name="hq:dashboard", area=HQ, icon="bar-chart", order=5)
