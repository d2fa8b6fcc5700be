"""Input serializers: a request's body read once, at the edge, into the typed keyword arguments of
the service it feeds.

An ``InputSerializer`` reads its body in ``parse`` with the shared field parsers
(``shared_apps.platform.fields``): amounts become ``Decimal``, ids ``int``, text is stripped and
checked, and a bad body is refused with ``ValidationFailed`` worded as api.md says (each app's
answers keep their own words and their own rule for several bad fields). Its declared fields
describe the body in the OpenAPI document; their own DRF validation is not what runs. The API
reads ``request.data`` with it, the pages their form's cleaned data, so both refuse alike::

    values = PaymentCreateSerializer.read(request.data, vouchers=uploads)
    services.payment_create(access=access, order=order, **values)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers


class InputSerializer(serializers.Serializer):
    # A write's body, parsed by ``parse``: ``validated_data`` is what it returns. (No docstring:
    # drf-spectacular would give it as the description of every input in the OpenAPI document.)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        return self.parse(data)

    def parse(self, data: Mapping[str, Any]) -> dict[str, Any]:  # pragma: no cover - each input has its own
        """The typed keyword arguments of the service, or ``ValidationFailed``."""
        raise NotImplementedError

    @classmethod
    def read(cls, data: Mapping[str, Any], **context: Any) -> dict[str, Any]:
        """``data`` parsed (``context`` carries what is not in the body: uploaded files, the order)."""
        serializer = cls(data=data, context=context)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)
