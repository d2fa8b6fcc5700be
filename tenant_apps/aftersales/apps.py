from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftersalesConfig(AppConfig):
    name = "tenant_apps.aftersales"
    label = "aftersales"
    verbose_name = _("After-sales")
