from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "tenant_apps.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from tenant_apps.customers.views import register_pages

        register_pages()
        from tenant_apps.customers import personal_data

        personal_data.register()
