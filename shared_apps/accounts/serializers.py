"""How the API shows a user a record names: by their name, or their email when they have none."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


def user_label(user) -> str:
    """A user's name (their email when they have none); "" for no user."""
    return (user.name or user.email) if user is not None else ""


@extend_schema_field(OpenApiTypes.STR)
class UserNameField(serializers.Field):
    """Read-only: the ``user_label`` of the user the field's source names (``applicant_name =
    UserNameField(source="applicant")``); "" when it names none."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance: Any) -> str:
        return user_label(super().get_attribute(instance))

    def to_representation(self, value: str) -> str:
        return value
