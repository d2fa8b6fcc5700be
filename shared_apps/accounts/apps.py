from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "shared_apps.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from shared_apps.accounts import (
            schema,  # noqa: F401 - registers the OpenAPI auth schemes
            signals,
        )
        from shared_apps.accounts.middleware import bind_session_to_host

        user_logged_in.connect(bind_session_to_host, dispatch_uid="accounts.bind_session_to_host")
        signals.connect()
