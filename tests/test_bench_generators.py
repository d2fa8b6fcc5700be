"""The bench fills write rows straight into the store tables (COPY), column by column: a model that
gains a required column must be followed by the generator, or the benchmarks break unnoticed until
someone runs them by hand."""

from __future__ import annotations

import pytest

from bench import data_orders


def test_the_order_generator_fills_every_required_column_of_a_store(store_a):
    data_orders._check_columns(store_a.schema_name)


def test_a_required_column_the_generator_leaves_out_is_named(store_a, monkeypatch):
    columns = tuple(c for c in data_orders.DELIVERY_COLUMNS if c != "failure_reason")
    monkeypatch.setitem(data_orders.TABLES, "sales_delivery", columns)

    with pytest.raises(RuntimeError, match=r"sales_delivery .*\['failure_reason'\]"):
        data_orders._check_columns(store_a.schema_name)
