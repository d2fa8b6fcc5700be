from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HqReportsConfig(AppConfig):
    name = "hq_reports"
    verbose_name = _("HQ reports")
