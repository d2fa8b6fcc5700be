from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def pending_payments_badge(request) -> int | None:
    """The navigation badge of finance: payment records waiting for a decision."""
    from tenant_apps.finance.selectors import pending_payment_count

    access = getattr(request, "store_access", None)
    if access is None or not access.can("payments.confirm"):
        return None
    return pending_payment_count(access=access) or None


def record_imported_collection(**kwargs):
    from tenant_apps.finance.services import record_imported_collection as record

    return record(**kwargs)


def customer_finance_panel(*, customer) -> dict:
    from tenant_apps.finance.selectors import customer_finance_summary

    return customer_finance_summary(customer_id=customer.pk)


class FinanceConfig(AppConfig):
    name = "tenant_apps.finance"
    label = "finance"
    verbose_name = _("Finance centre")

    def ready(self) -> None:
        from shared_apps.platform.navigation import register_nav
        from tenant_apps.customers.panels import register_customer_panel
        from tenant_apps.finance.panels import order_finance_panel
        from tenant_apps.sales.panels import register_collection_recorder, register_order_panel

        register_nav(
            key="finance",
            label=_("Finance centre"),
            url_name="finance:centre",
            permission="payments.view",
            icon="credit-card",
            order=55,
            badge=pending_payments_badge,
        )
        register_nav(
            key="invoices",
            label=_("Invoices"),
            url_name="finance:invoices",
            permission="invoices.view",
            icon="file-text",
            order=56,
        )
        register_order_panel("finance", order_finance_panel)
        register_collection_recorder(record_imported_collection)
        register_customer_panel("finance", customer_finance_panel)
        from tenant_apps.finance import personal_data

        personal_data.register()
