"""Stable error codes of sales (api.md); the shared ones live in shared_apps.platform.errors."""

from __future__ import annotations

from enum import StrEnum


class SalesErrorCode(StrEnum):
    INVALID_TRANSITION = "invalid_transition"
    APPROVAL_REQUIRED = "approval_required"
    FEEDBACK_NOT_ALLOWED = "feedback_not_allowed"
    DUPLICATE_SKU = "duplicate_sku"
