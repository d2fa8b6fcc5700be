from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HqInsightsConfig(AppConfig):
    name = "hq_insights"
    label = "hq_insights"
    verbose_name = _("HQ customer insights")

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as lazy

        from shared_apps.platform.navigation import HQ, register_nav

        register_nav(
            key="hq_insights",
            label=lazy("Insights and benchmarks"),
            url_name="hq_insights:insights",
            icon="layers",
            order=25,
            area=HQ,
        )
