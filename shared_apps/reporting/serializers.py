"""OpenAPI descriptions of the figures the catalogue declares (store Kanban, enquiry statistics, HQ)."""

from __future__ import annotations

from rest_framework import serializers

from shared_apps.reporting.catalogue import Metric, Trend

# (value, name) pairs, as drf-spectacular names the enum after ``Trend`` (ENUM_NAME_OVERRIDES).
TREND_CHOICES = [(t.value, t.name) for t in Trend]
TREND_HELP = (
    "Whether the change is good or bad news for this figure (a rising lost rate is bad); "
    "flat when unchanged, null when the change is null."
)


def trend_field(**kwargs) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=TREND_CHOICES, allow_null=True, help_text=TREND_HELP, **kwargs)


class MetricSerializer(serializers.Serializer):
    value = serializers.JSONField(
        help_text="Amount as a decimal string, count as an integer, rate as a fraction or null."
    )
    previous = serializers.JSONField(help_text="The same figure over the previous period.")
    change = serializers.FloatField(
        allow_null=True, help_text="Relative change (amounts, counts) or difference (rates); null when unknown."
    )
    trend = trend_field()


def metrics_serializer(name: str, metrics: tuple[Metric, ...]) -> type[serializers.Serializer]:
    """A serializer with one ``MetricSerializer`` field per metric, in the catalogue's order (the
    cost figures only for those who may see costs)."""
    return type(name, (serializers.Serializer,), {m.key: MetricSerializer(required=not m.cost) for m in metrics})
