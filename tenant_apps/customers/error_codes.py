"""Stable error codes of the customers app, and the errors that carry them."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _

from shared_apps.platform.errors import Conflict


class CustomerErrorCode(StrEnum):
    DUPLICATE_CUSTOMER = "duplicate_customer"
    DUPLICATE_TAG = "duplicate_tag"
    CUSTOMER_MERGED = "customer_merged"
    INVALID_FILE = "invalid_file"
    FILE_TOO_LARGE = "file_too_large"


class DuplicateCustomer(Conflict):
    """A create or edit collides with another live customer's mobile number or chat id.

    The problem+json body carries ``existing``: ``{"id", "name", "owner"}`` of the customer that
    holds the identifier (``owner`` is null while that customer is in the pool), and ``errors``
    names the colliding field(s).
    """

    code = CustomerErrorCode.DUPLICATE_CUSTOMER
    default_title = _("This customer exists already.")

    def __init__(
        self,
        detail: str | None = None,
        *,
        existing: dict[str, Any],
        errors: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(detail, errors=errors, extra={"existing": existing})
        self.existing = existing


class DuplicateTag(Conflict):
    code = CustomerErrorCode.DUPLICATE_TAG
    default_title = _("A tag with this name exists already.")
