from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HqInsightsConfig(AppConfig):
    name = "hq_insights"
    label = "hq_insights"
    verbose_name = _("HQ customer insights")

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as lazy

        from hq_insights.publishing import forget_buyers
        from shared_apps.platform.navigation import HQ, register_nav
        from shared_apps.platform.personal_data import customer_erased

        customer_erased.connect(forget_buyers, dispatch_uid="hq_insights.forget_buyers")

        register_nav(
            key="hq_insights",
            label=lazy("Insights and benchmarks"),
            url_name="hq_insights:insights",
            icon="layers",
            order=25,
            area=HQ,
        )
