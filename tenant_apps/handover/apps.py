from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def bulk_transfer(*, access, ids, data) -> int:
    from tenant_apps.handover.views import customers_transfer

    return customers_transfer(access=access, ids=ids, to_owner=data.get("to_owner", ""))


class HandoverConfig(AppConfig):
    name = "tenant_apps.handover"
    label = "handover"
    verbose_name = _("Handover")

    def ready(self) -> None:
        from tenant_apps.customers.panels import register_bulk_action, register_customer_panel, register_merge_handler
        from tenant_apps.handover.selectors import customer_handover_panel
        from tenant_apps.handover.services import merge_customer_transfers

        register_customer_panel("handover", customer_handover_panel)
        register_merge_handler("handover", merge_customer_transfers)
        register_bulk_action("transfer", bulk_transfer)
