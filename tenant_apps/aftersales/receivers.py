"""What finance and the warehouse report back to after-sales (connected in ``AppConfig.ready()``).

Each signal is sent after the reporting transaction commits; a failure here is logged and never
undoes what finance or the warehouse did.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection

from tenant_apps.aftersales import services

logger = logging.getLogger(__name__)


def _in_a_store() -> bool:
    """Cases live in store schemas; a signal delivered elsewhere (after a batch that spanned
    several stores) has nothing to update here."""
    return connection.schema_name not in (settings.PUBLIC_SCHEMA_NAME, settings.TENANT_TEMPLATE_SCHEMA)


def on_payment_confirmed(sender, payment, **kwargs) -> None:
    if payment.kind != "refund" or not payment.aftersales_case_id or not _in_a_store():
        return
    try:
        services.refund_confirmed(payment_id=payment.pk, case_id=payment.aftersales_case_id)
    except Exception:
        logger.exception(
            "after-sales case %s: refund %s confirmed but not recorded", payment.aftersales_case_id, payment.pk
        )


def on_payment_rejected(sender, payment, **kwargs) -> None:
    if payment.kind != "refund" or not payment.aftersales_case_id or not _in_a_store():
        return
    try:
        services.refund_rejected(
            payment_id=payment.pk, case_id=payment.aftersales_case_id, reason=getattr(payment, "reject_reason", "")
        )
    except Exception:
        logger.exception(
            "after-sales case %s: refund %s rejected but not recorded", payment.aftersales_case_id, payment.pk
        )


def on_delivery_received(sender, delivery, **kwargs) -> None:
    if not delivery.aftersales_case_id or not _in_a_store():
        return
    try:
        services.delivery_received(delivery_id=delivery.pk, case_id=delivery.aftersales_case_id)
    except Exception:
        logger.exception(
            "after-sales case %s: delivery %s received but not recorded", delivery.aftersales_case_id, delivery.pk
        )
