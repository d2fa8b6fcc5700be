"""Serializers of the sales API.

Output serializers carry the core fields of api.md (product: ``id``, ``sku``, ``name``,
``category``, ``spec``, ``unit``, ``list_price``, ``active``; quotation: ``id``, ``customer``,
``lines``, ``amount``, ``list_amount``, ``discount_rate``, ``requires_approval``, ``status``,
``valid_until``; order: ``id``, ``customer``, ``quotation``, ``lines``, ``amount``,
``payment_mode``, ``due_date``, ``channel``, ``device``, ``owner``, ``status``, ``signed_at``,
``completed_at``, ``collected``, ``outstanding``, ``refunded``, ``rating``) and more. Money is a
decimal string with 2 places. The input serializers are in ``tenant_apps.sales.inputs``.
"""

from __future__ import annotations

from collections.abc import Iterable

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shared_apps.accounts.serializers import UserNameField
from shared_apps.reporting.periods import money, rate
from tenant_apps.sales.models import (
    Category,
    Delivery,
    Order,
    OrderEvent,
    OrderLine,
    Product,
    ProductCost,
    Quotation,
    QuotationLine,
)
from tenant_apps.sales.rules import allowed_transitions


class CostFieldsMixin:
    """Leaves out the fields made from cost prices (``COST_FIELDS``) unless the context says the
    caller may see costs (``context["costs"]``: ``costs.view``): a salesperson never sees them."""

    COST_FIELDS: tuple[str, ...] = ()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("costs"):
            for name in self.COST_FIELDS:
                data.pop(name, None)
        return data


def cost_context(access) -> dict:
    """The serializer context of a caller: whether they may see cost prices."""
    return {"access": access, "costs": access is not None and access.can("costs.view")}


class CategorySerializer(serializers.ModelSerializer):
    product_count = serializers.IntegerField(read_only=True, required=False)

    class Meta:
        model = Category
        fields = ["id", "name", "position", "product_count", "created_at"]
        read_only_fields = fields


class ProductSerializer(CostFieldsMixin, serializers.ModelSerializer):
    COST_FIELDS = ("cost_price",)
    category = serializers.IntegerField(source="category_id", read_only=True, allow_null=True)
    category_name = serializers.SerializerMethodField()
    cost_price = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        required=False,
        help_text="The cost price in effect now (null: none). Only for admins, supervisors, finance and HQ.",
    )

    class Meta:
        model = Product
        fields = [
            "id",
            "sku",
            "name",
            "category",
            "category_name",
            "spec",
            "unit",
            "list_price",
            "cost_price",
            "active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_category_name(self, obj: Product) -> str:
        return obj.category.name if obj.category_id else ""


class ProductCostSerializer(serializers.ModelSerializer):
    product = serializers.IntegerField(source="product_id", read_only=True)
    set_by = serializers.IntegerField(source="set_by_id", read_only=True, allow_null=True)
    set_by_name = UserNameField(source="set_by")

    class Meta:
        model = ProductCost
        fields = ["id", "product", "unit_cost", "effective_from", "set_by", "set_by_name", "created_at"]
        read_only_fields = fields


class PriceRowSerializer(serializers.Serializer):
    order = serializers.IntegerField(allow_null=True, help_text="Null for an order the caller may not see.")
    order_number = serializers.CharField(allow_null=True, help_text="Null for an order the caller may not see.")
    signed_at = serializers.DateTimeField()
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    customer_name = serializers.CharField(allow_null=True, help_text="Null for an order the caller may not see.")


class PriceHistorySerializer(serializers.Serializer):
    product = serializers.IntegerField()
    customer = PriceRowSerializer(many=True, help_text="The customer's past prices (empty without ?customer=).")
    store = PriceRowSerializer(many=True, help_text="The store's past prices.")


class LineSerializer(serializers.Serializer):
    product = serializers.IntegerField(source="product_id")
    sku = serializers.CharField()
    product_name = serializers.CharField()
    unit = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    list_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class QuotationLineSerializer(LineSerializer, serializers.ModelSerializer):
    class Meta:
        model = QuotationLine
        fields = ["id", "product", "sku", "product_name", "unit", "quantity", "unit_price", "list_price", "amount"]
        read_only_fields = fields


# The fields a quotation and an order both show: their customer, channel (its code), owner and
# discount rate. (A comment, not a docstring: OpenAPI would show a docstring as the description of
# both records.)
class QuotationOrderFields(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    channel = serializers.SerializerMethodField()
    owner = serializers.IntegerField(source="owner_id", read_only=True)
    discount_rate = serializers.DecimalField(
        max_digits=6, decimal_places=4, coerce_to_string=False, allow_null=True, read_only=True
    )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_channel(self, obj) -> str | None:
        return obj.channel.code if obj.channel_id else None


class QuotationSerializer(QuotationOrderFields):
    decided_by = serializers.IntegerField(source="decided_by_id", read_only=True, allow_null=True)
    lines = QuotationLineSerializer(many=True, read_only=True)

    class Meta:
        model = Quotation
        fields = [
            "id",
            "number",
            "customer",
            "customer_name",
            "channel",
            "owner",
            "status",
            "valid_until",
            "notes",
            "lines",
            "amount",
            "list_amount",
            "discount_rate",
            "requires_approval",
            "decided_by",
            "decided_at",
            "decision_comment",
            "sent_at",
            "accepted_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class QuotationListSerializer(QuotationSerializer):
    class Meta(QuotationSerializer.Meta):
        fields = [f for f in QuotationSerializer.Meta.fields if f != "lines"]
        read_only_fields = fields


class QuotationPreviewSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    list_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    discount_rate = serializers.DecimalField(max_digits=6, decimal_places=4, coerce_to_string=False, allow_null=True)
    requires_approval = serializers.BooleanField()
    threshold = serializers.DecimalField(max_digits=4, decimal_places=3, coerce_to_string=False)


class OrderLineSerializer(CostFieldsMixin, LineSerializer, serializers.ModelSerializer):
    COST_FIELDS = ("unit_cost",)

    class Meta:
        model = OrderLine
        fields = [
            "id",
            "product",
            "sku",
            "product_name",
            "category_name",
            "unit",
            "quantity",
            "unit_price",
            "list_price",
            "amount",
            "unit_cost",
        ]
        read_only_fields = fields


class OrderSerializer(CostFieldsMixin, QuotationOrderFields):
    COST_FIELDS = ("cost", "gross_profit", "gross_margin", "lines_without_cost")
    quotation = serializers.IntegerField(source="quotation_id", read_only=True, allow_null=True)
    outstanding = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    net_received = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    cost = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, required=False)
    gross_profit = serializers.SerializerMethodField(
        help_text="amount - cost (lines without a cost count at 0); admins, supervisors, finance and HQ only."
    )
    gross_margin = serializers.SerializerMethodField(help_text="gross_profit / amount.")
    lines_without_cost = serializers.IntegerField(read_only=True, required=False)

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "external_id",
            "customer",
            "customer_name",
            "quotation",
            "channel",
            "device",
            "owner",
            "payment_mode",
            "due_date",
            "status",
            "amount",
            "list_amount",
            "discount_rate",
            "collected",
            "supplemented",
            "refunded",
            "outstanding",
            "net_received",
            "cost",
            "gross_profit",
            "gross_margin",
            "lines_without_cost",
            "fully_collected_at",
            "signed_at",
            "shipped_at",
            "received_at",
            "completed_at",
            "cancelled_at",
            "cancel_reason",
            "rating",
            "feedback_comment",
            "feedback_at",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(max_digits=14, decimal_places=2))
    def get_gross_profit(self, obj) -> str:
        return money(obj.amount - obj.cost)

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_gross_margin(self, obj) -> float | None:
        return rate(obj.amount - obj.cost, obj.amount)


class DeliverySerializer(serializers.ModelSerializer):
    order = serializers.IntegerField(source="order_id", read_only=True)
    order_number = serializers.CharField(source="order.number", read_only=True)
    customer_name = serializers.CharField(source="order.customer.name", read_only=True)
    items = serializers.ListField(child=serializers.DictField(), read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "order",
            "order_number",
            "customer_name",
            "kind",
            "status",
            "aftersales_case_id",
            "items",
            "carrier",
            "tracking_number",
            "outbound_at",
            "shipped_at",
            "received_at",
            "failed_at",
            "failure_reason",
            "created_at",
        ]
        read_only_fields = fields


class OrderEventSerializer(serializers.ModelSerializer):
    actor = serializers.IntegerField(source="actor_id", read_only=True, allow_null=True)
    actor_name = UserNameField(source="actor")
    data = serializers.DictField(read_only=True)

    class Meta:
        model = OrderEvent
        fields = ["id", "kind", "from_status", "to_status", "actor", "actor_name", "message", "data", "at"]
        read_only_fields = fields


class OrderDetailSerializer(OrderSerializer):
    lines = serializers.SerializerMethodField()
    deliveries = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()
    allowed_transitions = serializers.SerializerMethodField()
    panels = serializers.SerializerMethodField()

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "lines", "deliveries", "timeline", "allowed_transitions", "panels"]
        read_only_fields = fields

    @extend_schema_field(OrderLineSerializer(many=True))
    def get_lines(self, obj) -> list:
        from tenant_apps.sales.selectors import order_lines

        return OrderLineSerializer(order_lines(order=obj), many=True, context=self.context).data

    @extend_schema_field(DeliverySerializer(many=True))
    def get_deliveries(self, obj) -> list:
        from tenant_apps.sales.selectors import order_deliveries

        return DeliverySerializer(order_deliveries(order=obj).select_related("order__customer"), many=True).data

    @extend_schema_field(OrderEventSerializer(many=True))
    def get_timeline(self, obj) -> list:
        from tenant_apps.sales.selectors import order_timeline

        return OrderEventSerializer(order_timeline(order=obj), many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_transitions(self, obj) -> list:
        access = self.context.get("access")
        return allowed_transitions(order=obj, access=access) if access is not None else []

    @extend_schema_field(serializers.DictField())
    def get_panels(self, obj) -> dict:
        from tenant_apps.sales.selectors import order_panels_for

        access = self.context.get("access")
        return order_panels_for(order=obj, access=access) if access is not None else {}


def order_event_data(order) -> dict:
    """An order for the event log: the API's order detail without what depends on the reader
    (its allowed transitions, panels and timeline)."""
    from tenant_apps.sales.selectors import order_lines

    return _order_event_data(order, order_lines(order=order))


def order_event_data_many(order_ids: Iterable[int]) -> dict[int, dict]:
    """``order_event_data`` of many orders (an import batch) in two queries, by id, in the order of
    ``order_ids``; the orders as stored now (after their imported collections)."""
    ids = list(order_ids)
    orders = {order.pk: order for order in Order.objects.select_related("customer", "channel").filter(pk__in=ids)}
    lines: dict[int, list[OrderLine]] = {pk: [] for pk in ids}
    for line in OrderLine.objects.filter(order_id__in=ids).order_by("order_id", "position", "id"):
        lines[line.order_id].append(line)
    return {pk: _order_event_data(orders[pk], lines[pk]) for pk in ids}


def _order_event_data(order, lines) -> dict:
    data = dict(OrderSerializer(order).data)
    data["lines"] = OrderLineSerializer(lines, many=True).data
    return data


def quotation_event_data(quotation) -> dict:
    """A quotation for the event log, as the API returns it."""
    return dict(QuotationSerializer(quotation).data)


def delivery_event_data(delivery) -> dict:
    """A delivery for the event log, as the API returns it (with its order's owner, for rules)."""

    delivery = Delivery.objects.select_related("order", "order__customer").get(pk=delivery.pk)
    data = dict(DeliverySerializer(delivery).data)
    data["owner"] = delivery.order.owner_id
    return data
