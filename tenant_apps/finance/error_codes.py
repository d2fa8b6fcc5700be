"""Stable machine codes of finance's refusals (the ``code`` of the problem+json body)."""

from __future__ import annotations

from enum import StrEnum


class FinanceErrorCode(StrEnum):
    OVER_COLLECTION = "over_collection"
    OVER_REFUND = "over_refund"
    OVER_INVOICE = "over_invoice"
    ORDER_CANCELLED = "order_cancelled"
    INVALID_FILE = "invalid_file"
    FILE_TOO_LARGE = "file_too_large"
    DUPLICATE_INVOICE_NUMBER = "duplicate_invoice_number"
