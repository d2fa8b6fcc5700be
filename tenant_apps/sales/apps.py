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


def _has_products(request) -> bool:
    from tenant_apps.sales.selectors import product_list

    return product_list().exists()


def _has_quotations(request) -> bool:
    from tenant_apps.sales.selectors import quotation_list

    return quotation_list(access=request.store_access).exists()


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
        from tenant_apps.workspace.first_run import register_step

        register_step(
            "products",
            label=_("Add your products"),
            hint=_("SKU, name and list price; quotations are made from them."),
            url_name="sales:product-create",
            done=_has_products,
            order=20,
        )
        register_step(
            "quotation",
            label=_("Make your first quotation"),
            hint=_("With the discount rate and past prices beside each line."),
            url_name="sales:quotation-create",
            done=_has_quotations,
            order=50,
        )
        from tenant_apps.sales.importing import register as register_order_importer

        register_order_importer()
        try:
            from tenant_apps.sales.views import register_pages
        except ImportError:  # pages not present
            return
        register_pages()
