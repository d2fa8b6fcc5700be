from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def customer_sales_panel(*, customer) -> dict:
    """The customer 360° section of sales: lifetime value, orders, last order, outstanding and
    the latest quotations and orders."""
    from tenant_apps.sales.selectors import customer_sales_panel as panel

    return panel(customer_id=customer.pk)


def merge_sales(*, survivor, merged) -> dict:
    from tenant_apps.sales.services import merge_customer_sales

    return merge_customer_sales(survivor=survivor, merged=merged)


class SalesConfig(AppConfig):
    name = "tenant_apps.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from tenant_apps.sales import personal_data

        personal_data.register()
        from tenant_apps.customers.panels import register_customer_panel, register_merge_handler

        register_customer_panel("sales", customer_sales_panel)
        register_merge_handler("sales", merge_sales)
        from tenant_apps.sales.importing import register as register_order_importer

        register_order_importer()
        try:
            from tenant_apps.sales.views import register_pages
        except ImportError:  # pages not present
            return
        register_pages()
