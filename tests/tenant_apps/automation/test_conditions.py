"""The condition language: what matches, and what is refused before a rule is stored."""

import pytest

from tenant_apps.automation.conditions import InvalidCondition, matches, validate

ORDER = {
    "id": 7,
    "status": "pending_outbound",
    "amount": "12800.00",
    "customer": {"grade": "A", "name": "华东托盘"},
    "tags": ["vip"],
    "signed_at": "2027-03-01T10:00:00+08:00",
    "due_date": None,
}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({}, True),
        ({"field": "status", "op": "eq", "value": "pending_outbound"}, True),
        ({"field": "amount", "op": "gte", "value": 10000}, True),
        ({"field": "amount", "op": "gt", "value": "12800.00"}, False),
        ({"field": "customer.grade", "op": "in", "value": ["A", "B"]}, True),
        ({"field": "customer.grade", "op": "not_in", "value": ["A"]}, False),
        ({"field": "tags", "op": "contains", "value": "vip"}, True),
        ({"field": "customer.name", "op": "contains", "value": "托盘"}, True),
        ({"field": "due_date", "op": "missing"}, True),
        ({"field": "nowhere", "op": "exists"}, False),
        ({"field": "nowhere", "op": "eq", "value": 1}, False),
        ({"field": "signed_at", "op": "lt", "value": "2027-03-01T03:00:00+00:00"}, True),
        ({"field": "status", "op": "gt", "value": 5}, False),
        (
            {
                "all": [
                    {"field": "status", "op": "eq", "value": "pending_outbound"},
                    {"field": "amount", "op": "lt", "value": 100},
                ]
            },
            False,
        ),
        (
            {"any": [{"field": "status", "op": "eq", "value": "x"}, {"field": "amount", "op": "lt", "value": 20000}]},
            True,
        ),
        ({"not": {"field": "status", "op": "eq", "value": "completed"}}, True),
    ],
)
def test_matches(condition, expected):
    assert matches(validate(condition), ORDER) is expected


@pytest.mark.parametrize(
    "condition",
    [
        [],
        {"field": "status"},
        {"field": "status", "op": "like", "value": "x"},
        {"field": "", "op": "eq", "value": "x"},
        {"field": "status", "op": "in", "value": "x"},
        {"field": "status", "op": "eq", "value": ["x"]},
        {"field": "status", "op": "exists", "value": 1},
        {"field": "status", "op": "eq", "value": "x", "extra": 1},
        {"all": []},
        {"all": [{"field": "a", "op": "eq", "value": 1}], "any": []},
        {"not": {"not": {"not": {"not": {"not": {"not": {"field": "a", "op": "eq", "value": 1}}}}}}},
    ],
)
def test_malformed_conditions_are_refused(condition):
    with pytest.raises(InvalidCondition):
        validate(condition)
