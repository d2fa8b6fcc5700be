from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _has_customers(request) -> bool:
    from tenant_apps.customers.selectors import visible_customers

    return visible_customers(access=request.store_access).exists()


class CustomersConfig(AppConfig):
    name = "tenant_apps.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from tenant_apps.customers.views import register_pages

        register_pages()
        from tenant_apps.customers import personal_data

        personal_data.register()
        from tenant_apps.workspace.first_run import register_step

        register_step(
            "customers",
            label=_("Import your customers"),
            hint=_("A CSV or Excel file; duplicates are found by mobile and chat id."),
            url_name="customers:import",
            done=_has_customers,
            order=30,
        )
