"""OpenAPI: the fields made from cost prices are left out for callers without ``costs.view``
(``serializers.CostFieldsMixin``), so no response schema may require them."""

from __future__ import annotations

COST_FIELD_NAMES = frozenset({"cost", "cost_price", "unit_cost", "gross_profit", "gross_margin", "lines_without_cost"})


def cost_fields_optional(result, generator, request, public):
    """drf-spectacular post-processing hook: drop the cost fields from every component's ``required``."""
    for schema in result.get("components", {}).get("schemas", {}).values():
        required = schema.get("required")
        if not required or not COST_FIELD_NAMES & set(schema.get("properties", {})):
            continue
        kept = [name for name in required if name not in COST_FIELD_NAMES]
        if kept:
            schema["required"] = kept
        else:
            del schema["required"]
    return result
