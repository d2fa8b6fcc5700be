"""Stable machine codes of after-sales refusals (the ``code`` of the problem+json body)."""

from __future__ import annotations

from enum import StrEnum


class AftersalesErrorCode(StrEnum):
    # The goods have not left the warehouse: cancel the order instead.
    CANCELLATION_REQUIRED = "cancellation_required"
    ORDER_CANCELLED = "order_cancelled"
    # Refunds (after-sales and direct) would exceed what was received for the order.
    OVER_REFUND = "over_refund"
    # More units than the order line has left (ordered minus those already returned or exchanged).
    OVER_QUANTITY = "over_quantity"
