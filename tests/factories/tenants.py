from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from tenants.models import Subsidiary


class SubsidiaryFactory(DjangoModelFactory):
    class Meta:
        model = Subsidiary
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Subsidiary {n}")
    code = factory.Sequence(lambda n: f"sub-{n}")
