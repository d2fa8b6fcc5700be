"""Fixtures of the customers tests: customers made directly in a store's schema."""

from __future__ import annotations

import itertools

import pytest

_numbers = itertools.count(1)


@pytest.fixture
def make_customer(in_store):
    """``make_customer(store, owner=user_or_None, **fields)``: a live customer written with the ORM
    (no service rules), with its mobile normalised and a unique name unless given."""
    from tenant_apps.customers.models import Customer, Tag
    from tenant_apps.customers.services import normalize_mobile

    def make(store, *, owner=None, tags=(), **fields):
        with in_store(store):
            fields.setdefault("name", f"Customer {next(_numbers)}")
            if fields.get("mobile"):
                fields["mobile_normalized"] = normalize_mobile(fields["mobile"])
            customer = Customer.objects.create(owner_id=getattr(owner, "pk", owner), **fields)
            for name in tags:
                customer.tags.add(Tag.objects.get_or_create(name=name)[0])
            return customer

    return make


@pytest.fixture
def make_tag(in_store):
    from tenant_apps.customers.models import Tag

    def make(store, name, color=""):
        with in_store(store):
            return Tag.objects.create(name=name, color=color)

    return make
