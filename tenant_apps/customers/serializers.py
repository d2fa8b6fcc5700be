"""Serializers of the customers API.

Output serializers carry the core fields of api.md (customer: ``id``, ``name``, ``company``,
``mobile``, ``wechat_id``, ``platform_chat_id``, ``channel`` (code), ``province``, ``city``,
``address``, ``tags`` (names), ``grade``, ``owner`` (user id or null), ``in_pool``,
``next_follow_up_at``, ``last_follow_up_at``, ``created_at``) and more. Input serializers only
check types: the services validate the content and report every field's errors at once.
"""

from __future__ import annotations

from collections.abc import Iterable

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shared_apps.accounts.serializers import UserNameField
from tenant_apps.customers import selectors
from tenant_apps.customers.models import Customer, CustomerMerge, FollowUp, Grade, Intention, Tag


class CustomerSerializer(serializers.ModelSerializer):
    channel = serializers.SerializerMethodField(help_text="The channel's code, or null.")
    tags = serializers.SerializerMethodField(help_text="Tag names.")
    owner = serializers.IntegerField(source="owner_id", read_only=True, allow_null=True, help_text="User id, or null.")
    owner_name = UserNameField(source="owner")
    in_pool = serializers.BooleanField(read_only=True)
    created_by = serializers.IntegerField(source="created_by_id", read_only=True, allow_null=True)
    # Blank until someone records an intention: the document lists "" among the values.
    intention_level = serializers.ChoiceField(choices=Intention.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "company",
            "mobile",
            "mobile_normalized",
            "wechat_id",
            "platform_chat_id",
            "channel",
            "province",
            "city",
            "address",
            "tags",
            "grade",
            "product_preferences",
            "intention_level",
            "intention_note",
            "owner",
            "owner_name",
            "in_pool",
            "owner_since",
            "return_visit_deadline",
            "released_at",
            "next_follow_up_at",
            "last_follow_up_at",
            "created_by",
            "created_at",
            "updated_at",
            "erased_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_channel(self, obj: Customer) -> str | None:
        return obj.channel.code if obj.channel_id else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_tags(self, obj: Customer) -> list[str]:
        return [tag.name for tag in obj.tags.all()]


class OwnerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CustomerSummarySerializer(serializers.Serializer):
    """The 360° summary. ``panels`` holds what other modules add (orders, balance, after-sales...)."""

    follow_up_count = serializers.IntegerField()
    last_follow_up_at = serializers.DateTimeField(allow_null=True)
    next_follow_up_at = serializers.DateTimeField(allow_null=True)
    owner = OwnerSerializer(allow_null=True)
    owner_since = serializers.DateTimeField(allow_null=True)
    return_visit_deadline = serializers.DateTimeField(allow_null=True)
    released_at = serializers.DateTimeField(allow_null=True)
    merged_records = serializers.ListField(child=serializers.IntegerField(), help_text="Ids merged into this one.")
    pool_history = serializers.ListField(child=serializers.JSONField(), help_text="Releases and claims, newest first.")
    panels = serializers.DictField(child=serializers.JSONField())


class CustomerDetailSerializer(CustomerSerializer):
    summary = serializers.SerializerMethodField()

    class Meta(CustomerSerializer.Meta):
        fields = [*CustomerSerializer.Meta.fields, "summary"]
        read_only_fields = fields

    @extend_schema_field(CustomerSummarySerializer)
    def get_summary(self, obj: Customer) -> dict:
        return CustomerSummarySerializer(selectors.customer_summary(customer=obj)).data


class CustomerWriteSerializer(serializers.Serializer):
    """Create (``name`` required) or change a customer. Only the fields sent are changed."""

    name = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    company = serializers.CharField(required=False, allow_blank=True, allow_null=True, trim_whitespace=False)
    mobile = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text="Any format; stored normalised (E.164)."
    )
    wechat_id = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    platform_chat_id = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    channel = serializers.CharField(required=False, allow_blank=True, allow_null=True, help_text="A channel code.")
    province = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    city = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    address = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    tags = serializers.ListField(
        child=serializers.CharField(), required=False, allow_null=True, help_text="Names of existing tags."
    )
    grade = serializers.CharField(required=False, allow_blank=True, help_text=f"One of {', '.join(Grade.values)}.")
    product_preferences = serializers.ListField(
        child=serializers.JSONField(), required=False, allow_null=True, help_text="Product ids or category names."
    )
    intention_level = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text=f"One of {', '.join(Intention.values)}, or empty."
    )
    intention_note = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    owner = serializers.IntegerField(
        required=False, allow_null=True, help_text="Supervisors and admins: the owner's user id (null: the pool)."
    )
    next_follow_up_at = serializers.DateTimeField(required=False, allow_null=True)


class FollowUpSerializer(serializers.ModelSerializer):
    author = serializers.IntegerField(source="author_id", read_only=True)
    author_name = UserNameField(source="author")
    customer = serializers.IntegerField(source="customer_id", read_only=True)
    at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = FollowUp
        fields = ["id", "customer", "author", "author_name", "kind", "content", "outcome", "next_follow_up_at", "at"]
        read_only_fields = fields


class FollowUpCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FollowUp.Kind.choices)
    content = serializers.CharField(allow_blank=True, trim_whitespace=False)
    outcome = serializers.CharField(required=False, allow_blank=True, default="")
    next_follow_up_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name", "color", "created_at"]
        read_only_fields = fields


class TagWriteSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True)
    color = serializers.CharField(required=False, allow_blank=True)


class MergeRequestSerializer(serializers.Serializer):
    survivor = serializers.IntegerField(help_text="The customer that remains.")
    merged = serializers.IntegerField(help_text="The customer merged into the survivor.")


class CustomerMergeSerializer(serializers.ModelSerializer):
    survivor = serializers.IntegerField(source="survivor_id", read_only=True)
    merged = serializers.IntegerField(source="merged_id", read_only=True)
    by = serializers.IntegerField(source="by_id", read_only=True)
    snapshot = serializers.JSONField(read_only=True)

    class Meta:
        model = CustomerMerge
        fields = ["id", "survivor", "merged", "by", "at", "snapshot"]
        read_only_fields = fields


def customer_event_data(customer: Customer) -> dict:
    """A customer for the event log, as the API's list and detail return it (without the 360° summary)."""
    return customer_event_data_many([customer.pk])[customer.pk]


def customer_event_data_many(customer_ids: Iterable[int]) -> dict[int, dict]:
    """``customer_event_data`` of many customers (an import batch) in two queries, by id, in the
    order of ``customer_ids``."""
    ids = list(customer_ids)
    fresh = {
        customer.pk: customer
        for customer in Customer.objects.select_related("channel", "owner").prefetch_related("tags").filter(pk__in=ids)
    }
    return {pk: dict(CustomerSerializer(fresh[pk]).data) for pk in ids}
