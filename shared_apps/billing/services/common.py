"""What the parts of billing's writes share."""

from __future__ import annotations

from typing import Any

from shared_apps.billing.models import Account

State = Account.State


def clean(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""
