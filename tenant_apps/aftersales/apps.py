from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftersalesConfig(AppConfig):
    name = "tenant_apps.aftersales"
    label = "aftersales"
    verbose_name = _("After-sales")

    def ready(self) -> None:
        from shared_apps.platform.navigation import register_nav
        from tenant_apps.aftersales import panels, receivers
        from tenant_apps.aftersales.views import pending_badge
        from tenant_apps.customers.panels import register_customer_panel
        from tenant_apps.finance.signals import payment_confirmed, payment_rejected
        from tenant_apps.sales.panels import register_order_panel
        from tenant_apps.sales.signals import delivery_received

        register_nav(
            key="aftersales",
            label=_("After-sales"),
            url_name="aftersales:list",
            permission="aftersales.view",
            icon="rotate-ccw",
            order=60,
            badge=pending_badge,
        )
        register_order_panel("aftersales", panels.order_panel)
        register_customer_panel("aftersales", panels.customer_panel)
        payment_confirmed.connect(receivers.on_payment_confirmed, dispatch_uid="aftersales.payment_confirmed")
        payment_rejected.connect(receivers.on_payment_rejected, dispatch_uid="aftersales.payment_rejected")
        delivery_received.connect(receivers.on_delivery_received, dispatch_uid="aftersales.delivery_received")
        from tenant_apps.aftersales import personal_data

        personal_data.register()
