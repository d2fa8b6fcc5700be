"""Input serializers: a request's body read once, at the edge, into the typed keyword arguments of
the service it feeds.

An ``InputSerializer`` reads its body in ``parse`` with the shared field parsers
(``shared_apps.platform.fields``): amounts become ``Decimal``, ids ``int``, text is stripped and
checked. ``parse`` puts each refused field's message into ``errors``, so that every problem of
the body is gathered; then ``refuse`` turns them into one ``ValidationFailed`` worded as api.md
says (by default every field's messages, ``raise_errors``; an app whose answers name only the
first wrong field says so in its own ``refuse``). A body that is not an object is refused first.
The fields are read before any service runs, so a malformed field is answered before any rule
of the business. The declared fields describe the body in the OpenAPI document; their own DRF
validation is not what runs. The API reads ``request.data`` with it, the pages their form's
values, so both refuse alike::

    values = PaymentCreateSerializer.read(request.data, vouchers=uploads)
    services.payment_create(access=access, order=order, **values)

    changes = ProductInputSerializer.read(body, partial=True)  # only the fields the body gives
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from shared_apps.platform.errors import ValidationFailed
from shared_apps.platform.fields import Errors, raise_errors


class InputSerializer(serializers.Serializer):
    # A write's body, parsed by ``parse``: ``validated_data`` is what it returns. (No docstring:
    # drf-spectacular would give it as the description of every input in the OpenAPI document.)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, Mapping):
            raise ValidationFailed(_("A JSON object is expected."))
        errors: Errors = {}
        values = self.parse(data, errors)
        self.refuse(errors)
        return values

    def parse(self, data: Mapping[str, Any], errors: Errors) -> dict[str, Any]:  # pragma: no cover - each has its own
        """The typed keyword arguments of the service; a refused field's message goes into
        ``errors`` (a refusal that decides the whole body may raise ``ValidationFailed`` at once).
        ``self.partial``: only the fields ``data`` gives are read (a partial update)."""
        raise NotImplementedError

    def refuse(self, errors: Errors) -> None:
        """Refuse the body when ``errors`` holds anything: with every field's messages."""
        raise_errors(errors)

    @classmethod
    def read(cls, data: Mapping[str, Any], *, partial: bool = False, **context: Any) -> dict[str, Any]:
        """``data`` parsed (``context`` carries what is not in the body: uploaded files, the order)."""
        serializer = cls(data=data, partial=partial, context=context)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)
