from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HqConsoleConfig(AppConfig):
    name = "hq_console"
    label = "hq_console"
    verbose_name = _("HQ console")

    def ready(self) -> None:
        from hq_console.views import register_pages

        register_pages()

        from hq_console.metrics import register

        register()

        from hq_console.signals import connect

        connect()
