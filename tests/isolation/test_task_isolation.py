"""A Celery task sent for store A runs in store A's schema and sees nothing of store B."""

from __future__ import annotations

import pytest
from django.db import ProgrammingError, connection, transaction
from tenant_schemas_celery.task import headers_with_schema

from config.celery import app
from tenant_apps.workspace.models import Channel
from tests.factories import ChannelFactory


@app.task(name="tests.isolation.channel_codes")
def channel_codes() -> dict:
    """What a task sees: the schema it runs in and the channel codes there."""
    return {"schema": connection.schema_name, "codes": sorted(Channel.objects.values_list("code", flat=True))}


@pytest.fixture
def distinct_channels(store_a, store_b, in_store):
    with in_store(store_a):
        ChannelFactory(code="alpha-only")
    with in_store(store_b):
        ChannelFactory(code="bravo-only")


def test_task_sent_from_store_a_sees_only_store_a_rows(distinct_channels, store_a, in_store):
    with in_store(store_a):
        seen = channel_codes.delay().get()

    assert seen == {"schema": store_a.schema_name, "codes": ["alpha-only", "jd", "tmall"]}


def test_task_sent_from_store_b_sees_only_store_b_rows(distinct_channels, store_b, in_store):
    with in_store(store_b):
        seen = channel_codes.delay().get()

    assert seen == {"schema": store_b.schema_name, "codes": ["bravo-only", "jd", "tmall"]}


def test_task_for_store_a_runs_in_store_a_on_a_worker_last_used_by_store_b(
    distinct_channels, store_a, store_b, in_store
):
    with in_store(store_a):
        headers = headers_with_schema({})  # what tenant-schemas-celery publishes with the task

    with in_store(store_b):
        seen = channel_codes.apply(headers=headers).get()
        schema_after = connection.schema_name

    assert seen["codes"] == ["alpha-only", "jd", "tmall"]
    assert schema_after == store_b.schema_name


def test_task_sent_from_the_public_schema_cannot_read_store_tables(distinct_channels):
    with pytest.raises(ProgrammingError, match="workspace_channel"), transaction.atomic():
        channel_codes.apply()
