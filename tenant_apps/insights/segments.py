"""The eight RFM segments and the three churn-risk bands: keys (api.md), names, definitions.

A segment is named by whether each of R, F and M is high (score above the store's mean score of
that letter) or low. Names are given in both languages whatever the reader's language (the
Chinese names are the classic ones); ``label()`` and ``definition()`` follow the active language.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Segment:
    key: str
    r_high: bool
    f_high: bool
    m_high: bool
    name_zh: str
    name_en: str
    description: object  # lazily translated

    def label(self) -> str:
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en

    def definition(self) -> str:
        return str(self.description)

    def as_dict(self) -> dict:
        return {
            "segment": self.key,
            "name": self.label(),
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "definition": self.definition(),
        }


SEGMENTS: tuple[Segment, ...] = (
    Segment(
        "important_value",
        True,
        True,
        True,
        "重要价值客户",
        "Important value",
        _("Bought recently, often and for a lot: the best customers. Keep them close."),
    ),
    Segment(
        "important_development",
        True,
        False,
        True,
        "重要发展客户",
        "Important development",
        _("Bought recently and for a lot, but not often: grow how often they buy."),
    ),
    Segment(
        "important_retention",
        False,
        True,
        True,
        "重要保持客户",
        "Important retention",
        _("Bought often and for a lot, but not recently: contact them before they drift away."),
    ),
    Segment(
        "important_winback",
        False,
        False,
        True,
        "重要挽留客户",
        "Important win-back",
        _("Spent a lot, but neither often nor recently: worth winning back."),
    ),
    Segment(
        "general_value",
        True,
        True,
        False,
        "一般价值客户",
        "General value",
        _("Bought recently and often, for small amounts: raise the order value."),
    ),
    Segment(
        "general_development",
        True,
        False,
        False,
        "一般发展客户",
        "General development",
        _("Bought recently, but rarely and for little: new or occasional buyers."),
    ),
    Segment(
        "general_retention",
        False,
        True,
        False,
        "一般保持客户",
        "General retention",
        _("Bought often for small amounts, but not recently."),
    ),
    Segment(
        "general_winback",
        False,
        False,
        False,
        "一般挽留客户",
        "General win-back",
        _("Not recently, not often, not much: low priority."),
    ),
)
SEGMENT_KEYS: tuple[str, ...] = tuple(s.key for s in SEGMENTS)
BY_KEY = {s.key: s for s in SEGMENTS}
BY_FLAGS = {(s.r_high, s.f_high, s.m_high): s for s in SEGMENTS}


def segment_for(*, r_high: bool, f_high: bool, m_high: bool) -> Segment:
    return BY_FLAGS[(r_high, f_high, m_high)]


@dataclass(frozen=True)
class Band:
    key: str
    low: float  # the band holds probabilities in [low, next band's low)
    description: object

    def label(self) -> str:
        return str(BAND_LABELS[self.key])


BAND_LABELS = {"low": _("Low risk"), "medium": _("Medium risk"), "high": _("High risk")}
BANDS: tuple[Band, ...] = (
    Band("low", 0.0, _("A probability below 0.4 of no order within the horizon.")),
    Band("medium", 0.4, _("A probability from 0.4 to 0.7 of no order within the horizon.")),
    Band("high", 0.7, _("A probability of 0.7 or more of no order within the horizon.")),
)
BAND_KEYS: tuple[str, ...] = tuple(b.key for b in BANDS)
BAND_BY_KEY = {b.key: b for b in BANDS}


# Whether a store has scores (the insights API's ``state``).
STATES: tuple[str, ...] = ("scored", "empty", "not_scored")
MODEL_KINDS: tuple[str, ...] = ("model", "fallback", "empty")


def band_for(probability: float) -> str:
    """The band of a probability: high from 0.7, medium from 0.4, else low."""
    key = BANDS[0].key
    for band in BANDS:
        if probability >= band.low:
            key = band.key
    return key
