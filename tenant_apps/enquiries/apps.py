from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnquiriesConfig(AppConfig):
    name = "tenant_apps.enquiries"
    label = "enquiries"
    verbose_name = _("Enquiry statistics")

    def ready(self) -> None:
        from shared_apps.platform.navigation import register_nav

        register_nav(
            key="enquiries",
            label=_("Enquiry statistics"),
            url_name="enquiries:stats",
            permission="enquiries.view",
            icon="message-square",
            order=16,
        )
