"""The metric catalogue: one declaration per figure the Kanban, enquiry statistics and HQ give."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import translation

from shared_apps.reporting.catalogue import ENQUIRY, ENQUIRY_KEYS, KANBAN, KANBAN_KEYS, METRICS, Kind, Trend, metric

# The Chinese names of metrics.md, and ours where it gives none.
CHINESE = {
    "gmv": "成交金额",
    "orders": "成交订单数",
    "aov": "客单价",
    "paying_customers": "付款客户数",
    "repurchase_rate": "复购率",
    "new_customers": "新增客户",
    "entry_rate": "客户录入率",
    "conversion_rate": "转化率",
    "positive_feedback_rate": "好评率",
    "return_visit_rate": "回访率",
    "lost_rate": "流失率",
    "net_revenue": "净收入",
    "receivable_overdue": "逾期应收款",
    "gross_profit": "毛利",
    "gross_margin": "毛利率",
    "lines_without_cost": "缺成本的明细行",
    "phone_conversion_rate": "电话私域转化率",
    "wechat_conversion_rate": "微信私域转化率",
    "enquiry_conversion_rate": "询盘转化率",
    "enquiry_payment_rate": "询盘付款转化率",
}


@pytest.mark.django_db
def test_the_catalogue_has_exactly_the_metrics_the_kanban_api_returns(api, store_a, users):
    body = api(users.a_admin, store_a).get("/api/v1/kanban?range=7d").json()
    assert list(body["metrics"]) == list(KANBAN_KEYS)


@pytest.mark.django_db
def test_the_catalogue_has_exactly_the_metrics_the_hq_dashboard_and_drill_down_return(api, store_a, users):
    hq = api(users.hq_exec)
    assert list(hq.get("/api/v1/hq/dashboard?range=7d").json()["metrics"]) == list(KANBAN_KEYS)
    drill = hq.get(f"/api/v1/hq/stores/{store_a.pk}/kanban?range=7d").json()
    assert list(drill["metrics"]) == list(KANBAN_KEYS)


@pytest.mark.django_db
def test_the_catalogue_has_exactly_the_rates_enquiry_statistics_return(api, store_a, users):
    body = api(users.a_admin, store_a).get("/api/v1/enquiries/stats?range=7d").json()
    assert list(body["metrics"]) == list(ENQUIRY_KEYS)


def test_every_key_is_declared_once():
    keys = [m.key for m in (*KANBAN, *ENQUIRY)]
    assert len(keys) == len(set(keys)) == len(METRICS) == 20


@pytest.mark.parametrize("key", sorted(CHINESE))
def test_every_metric_has_a_label_in_english_and_in_chinese(key):
    label = metric(key).label
    with translation.override("en"):
        english = str(label)
    with translation.override("zh-hans"):
        chinese = str(label)
    assert english and re.fullmatch(r"[A-Za-z][A-Za-z -]+", english), english
    assert chinese == CHINESE[key]


def test_kinds_follow_metrics_md():
    kinds = {m.key: m.kind for m in METRICS.values()}
    amounts = {"gmv", "aov", "net_revenue", "receivable_overdue", "gross_profit"}
    assert {k for k, v in kinds.items() if v == Kind.AMOUNT} == amounts
    counts = {"orders", "paying_customers", "new_customers", "lines_without_cost"}
    assert {k for k, v in kinds.items() if v == Kind.COUNT} == counts
    assert kinds["gross_margin"] == Kind.RATE
    assert all(kinds[k] == Kind.RATE for k in ENQUIRY_KEYS)


def test_only_sums_over_stores_are_additive():
    additive = {m.key for m in METRICS.values() if m.additive}
    assert additive == {
        "gmv",
        "orders",
        "paying_customers",
        "new_customers",
        "net_revenue",
        "receivable_overdue",
        "gross_profit",
        "lines_without_cost",
    }


def test_only_lost_rate_and_overdue_receivables_are_bad_when_they_rise():
    assert {m.key for m in METRICS.values() if not m.rise_is_good} == {
        "lost_rate",
        "receivable_overdue",
        "lines_without_cost",
    }


def test_amounts_and_counts_change_relatively_and_rates_by_points():
    assert metric("gmv").change(Decimal("150.00"), Decimal("100.00")) == 0.5
    assert metric("orders").change(3, 4) == -0.25
    assert metric("gmv").change(Decimal("150.00"), Decimal("0.00")) is None
    assert metric("lost_rate").change(0.25, 0.1) == 0.15
    assert metric("lost_rate").change(0.25, None) is None


def test_a_rising_lost_rate_is_bad_and_a_rising_gmv_good():
    assert metric("lost_rate").trend(0.05) == Trend.BAD
    assert metric("lost_rate").trend(-0.05) == Trend.GOOD
    assert metric("receivable_overdue").trend(0.2) == Trend.BAD
    assert metric("gmv").trend(0.2) == Trend.GOOD
    assert metric("gmv").trend(-0.2) == Trend.BAD
    assert metric("gmv").trend(0.0) == Trend.FLAT
    assert metric("gmv").trend(None) is None


def test_the_body_writes_amounts_as_strings_counts_as_integers_and_rates_as_numbers():
    assert metric("gmv").body(Decimal("1280"), Decimal("1000.5")) == {
        "value": "1280.00",
        "previous": "1000.50",
        "change": 0.27936,
        "trend": "good",
    }
    assert metric("orders").body(2, 2) == {"value": 2, "previous": 2, "change": 0.0, "trend": "flat"}
    assert metric("lost_rate").body(0.5, 0.0) == {"value": 0.5, "previous": 0.0, "change": 0.5, "trend": "bad"}
    assert metric("aov").body(None, None) == {"value": None, "previous": None, "change": None, "trend": None}
