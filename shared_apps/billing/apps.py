from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _link_account(sender, store, **kwargs):
    from shared_apps.billing.services import account_link_store

    account_link_store(store=store)


class BillingConfig(AppConfig):
    name = "shared_apps.billing"
    label = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from shared_apps.billing.services import plan_limit
        from shared_apps.platform import limits
        from shared_apps.platform.navigation import register_nav
        from tenants.signals import store_provisioned

        limits.register_provider(plan_limit)
        store_provisioned.connect(_link_account, dispatch_uid="billing.link_account")
        register_nav(
            key="billing",
            label=_("Billing"),
            url_name="billing:page",
            permission="billing.manage",
            icon="credit-card",
            order=930,
        )
