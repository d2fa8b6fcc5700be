"""Stable machine codes of the shared pool's refusals (the ``code`` of the problem+json body)."""

from __future__ import annotations

from enum import StrEnum


class PoolErrorCode(StrEnum):
    NOT_IN_POOL = "not_in_pool"
    OWNERSHIP_CAP = "ownership_cap"
    DAILY_CLAIM_LIMIT = "daily_claim_limit"
    RECLAIM_COOLDOWN = "reclaim_cooldown"
    DUPLICATE_CLAIM = "duplicate_claim"
    CLAIMED_BY_ANOTHER = "claimed_by_another"
