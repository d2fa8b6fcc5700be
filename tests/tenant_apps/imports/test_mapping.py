"""Matching a file's columns onto an importer's fields."""

from __future__ import annotations

import pytest

from shared_apps.platform.spreadsheets import InvalidColumns
from tenant_apps.customers.importing import COLUMNS
from tenant_apps.imports.registry import auto_mapping, normalise_header, resolve_mapping


def test_chinese_headers_are_matched_to_customer_fields():
    headers = ["姓名", "公司", "手机", "微信", "省份", "城市", "地址", "标签", "等级", "渠道"]

    assert auto_mapping(headers, COLUMNS) == {
        "姓名": "name",
        "公司": "company",
        "手机": "mobile",
        "微信": "wechat_id",
        "省份": "province",
        "城市": "city",
        "地址": "address",
        "标签": "tags",
        "等级": "grade",
        "渠道": "channel",
    }


def test_english_labels_field_names_and_case_are_matched():
    assert auto_mapping(["Name", "WECHAT_ID", "Platform chat ID", " mobile "], COLUMNS) == {
        "Name": "name",
        "WECHAT_ID": "wechat_id",
        "Platform chat ID": "platform_chat_id",
        " mobile ": "mobile",
    }


def test_a_required_marker_and_full_width_characters_are_ignored():
    assert normalise_header("姓名*") == normalise_header("姓名")
    assert normalise_header("ＮＡＭＥ") == "name"


def test_unknown_columns_are_left_out_and_reported_as_ignored():
    mapping, ignored = resolve_mapping(headers=["姓名", "备用"], columns=COLUMNS)

    assert mapping == {"姓名": "name"}
    assert ignored == ["备用"]


def test_an_explicit_mapping_wins_and_can_ignore_a_column():
    mapping, _ignored = resolve_mapping(
        headers=["客户", "联系人", "手机"], columns=COLUMNS, mapping={"客户": "company", "手机": ""}
    )

    assert mapping == {"客户": "company", "联系人": "name"}


def test_missing_required_column_lists_missing_and_unknown():
    with pytest.raises(InvalidColumns) as error:
        resolve_mapping(headers=["手机", "colour"], columns=COLUMNS)

    assert error.value.code == "invalid_columns"
    assert error.value.status == 400
    assert error.value.extra["missing"] == ["name"]
    assert error.value.extra["unknown"] == ["colour"]


def test_two_columns_on_one_field_are_refused():
    with pytest.raises(InvalidColumns) as error:
        resolve_mapping(headers=["姓名", "客户名称"], columns=COLUMNS)

    assert error.value.extra["duplicate"] == ["name"]


def test_a_mapping_naming_an_unknown_field_or_column_is_refused():
    with pytest.raises(InvalidColumns) as error:
        resolve_mapping(headers=["姓名"], columns=COLUMNS, mapping={"姓名": "nickname", "ghost": "name"})

    assert error.value.extra["unknown_fields"] == ["nickname"]
    assert error.value.extra["not_in_file"] == ["ghost"]
