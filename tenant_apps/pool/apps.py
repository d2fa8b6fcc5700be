from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def pending_claims_badge(request) -> int | None:
    """The navigation badge of approvers: pending claims they may decide."""
    from tenant_apps.pool.selectors import pending_claim_count

    access = getattr(request, "store_access", None)
    if access is None or not access.can("claims.approve"):
        return None
    return pending_claim_count(access=access) or None


def merge_pool_records(*, survivor, merged) -> dict:
    from tenant_apps.pool.services import pool_reassign_customer

    return pool_reassign_customer(from_customer_id=merged.pk, to_customer_id=survivor.pk)


def customer_pool_history(*, customer) -> list:
    from tenant_apps.pool.selectors import customer_pool_history as history

    return list(history(customer=customer))


def bulk_release(*, access, ids, data) -> int:
    from tenant_apps.pool.views import customers_release

    return customers_release(access=access, ids=ids, reason=data.get("reason", ""))


class PoolConfig(AppConfig):
    name = "tenant_apps.pool"
    label = "pool"
    verbose_name = _("Shared pool")

    def ready(self) -> None:
        from shared_apps.platform.navigation import register_nav

        register_nav(
            key="pool",
            label=_("Shared pool"),
            url_name="pool:list",
            permission="pool.view",
            icon="inbox",
            order=30,
        )
        register_nav(
            key="claims",
            label=_("Claims"),
            url_name="pool:claims",
            permission="claims.view",
            icon="check-square",
            order=35,
            badge=pending_claims_badge,
        )
        from tenant_apps.pool import personal_data

        personal_data.register()
        from tenant_apps.customers.panels import register_bulk_action, register_merge_handler, register_pool_history

        register_merge_handler("pool", merge_pool_records)
        register_pool_history(customer_pool_history)
        register_bulk_action("release", bulk_release)
