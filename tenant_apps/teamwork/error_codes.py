"""Stable machine codes of the team-work refusals (the ``code`` of the problem+json body)."""

from __future__ import annotations

from enum import StrEnum


class TeamworkErrorCode(StrEnum):
    INVALID_TRANSITION = "invalid_transition"
