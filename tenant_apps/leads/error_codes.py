"""Stable error codes of leads (api.md: ``code`` of the problem details)."""

from __future__ import annotations

from enum import StrEnum


class LeadErrorCode(StrEnum):
    LEAD_CLOSED = "lead_closed"
