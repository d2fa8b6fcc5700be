from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnquiriesConfig(AppConfig):
    name = "tenant_apps.enquiries"
    label = "enquiries"
    verbose_name = _("Enquiry statistics")
