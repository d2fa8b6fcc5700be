"""The navigation registry: apps register entries, the shell shows those the user may open."""

from types import SimpleNamespace

import pytest
from django.test import RequestFactory

from shared_apps.accounts.access import StoreAccess
from shared_apps.platform import navigation
from shared_apps.platform.navigation import (
    HQ,
    STORE,
    NavEntry,
    badge_for,
    nav_for,
    register_entries,
    register_nav,
    unregister_nav,
)

TEST_KEYS = ("t_first", "t_second", "t_locked", "t_missing", "t_badge", "t_broken", "t_hq", "t_hq_admin")


@pytest.fixture(autouse=True)
def _clean_test_entries():
    yield
    for key in TEST_KEYS:
        unregister_nav(key=key, area=STORE)
        unregister_nav(key=key, area=HQ)


def store_request(path="/", permissions=("x.view",), hq_role=""):
    request = RequestFactory().get(path)
    user = SimpleNamespace(is_authenticated=True, is_hq=bool(hq_role), is_hq_admin=hq_role == "hq_admin", pk=1)
    request.user = user
    request.store_access = StoreAccess(user=user, store_id=1, role="salesperson", permissions=frozenset(permissions))
    request.urlconf = "config.urls_tenant"
    return request


def hq_request(hq_role):
    request = RequestFactory().get("/")
    request.user = SimpleNamespace(is_authenticated=True, is_hq=bool(hq_role), is_hq_admin=hq_role == "hq_admin")
    request.store_access = None
    request.urlconf = "config.urls_public"
    return request


def keys(items):
    return [item.key for item in items if item.key in TEST_KEYS]


def test_entries_come_in_their_registered_order():
    register_nav(key="t_second", label="Second", url_name="workspace:channels", permission="x.view", order=20)
    register_nav(key="t_first", label="First", url_name="workspace:members", permission="x.view", order=10)
    assert keys(nav_for(store_request())) == ["t_first", "t_second"]


def test_entry_without_the_users_permission_is_hidden():
    register_nav(key="t_locked", label="Locked", url_name="workspace:members", permission="x.manage")
    assert keys(nav_for(store_request(permissions=("x.view",)))) == []
    assert keys(nav_for(store_request(permissions=("x.manage",)))) == ["t_locked"]


def test_entry_whose_url_does_not_resolve_is_absent():
    register_nav(key="t_missing", label="Not built yet", url_name="nowhere:list", permission="x.view")
    assert keys(nav_for(store_request())) == []


def test_entry_carries_its_resolved_url_and_active_state():
    register_nav(key="t_first", label="Team", url_name="workspace:members", permission="x.view")
    [item] = [i for i in nav_for(store_request(path="/team/")) if i.key == "t_first"]
    assert item.url == "/team/"
    assert item.active is True
    [other] = [i for i in nav_for(store_request(path="/channels/")) if i.key == "t_first"]
    assert other.active is False


def test_badge_callable_gets_the_request_and_its_value_is_shown():
    register_nav(
        key="t_badge", label="Inbox", url_name="workspace:members", permission="x.view", badge=lambda r: r.user.pk + 4
    )
    [item] = [i for i in nav_for(store_request()) if i.key == "t_badge"]
    assert item.badge == 5
    assert badge_for(store_request(), "t_badge") == 5


def test_failing_badge_leaves_the_entry_without_a_badge():
    def broken(request):
        raise RuntimeError("counter down")

    register_nav(key="t_broken", label="Inbox", url_name="workspace:members", permission="x.view", badge=broken)
    [item] = [i for i in nav_for(store_request()) if i.key == "t_broken"]
    assert item.badge is None


def test_anonymous_user_sees_no_entries():
    register_nav(key="t_first", label="First", url_name="workspace:members", permission=None)
    request = store_request()
    request.user = SimpleNamespace(is_authenticated=False)
    assert keys(nav_for(request)) == []


def test_store_entries_need_store_access():
    register_nav(key="t_first", label="First", url_name="workspace:members", permission=None)
    request = store_request()
    request.store_access = None
    assert keys(nav_for(request)) == []


def test_hq_entries_are_for_hq_roles_and_admin_entries_for_hq_admins():
    register_nav(key="t_hq", label="Stores", url_name="hq:console", area=HQ)
    register_nav(key="t_hq_admin", label="Admin", url_name="hq:console", area=HQ, permission="hq.admin")
    assert keys(nav_for(hq_request(""), HQ)) == []
    assert keys(nav_for(hq_request("hq_executive"), HQ)) == ["t_hq"]
    assert keys(nav_for(hq_request("hq_admin"), HQ)) == ["t_hq", "t_hq_admin"]


def test_registering_a_key_again_replaces_the_entry():
    register_nav(key="t_first", label="Old", url_name="workspace:members", permission="x.view")
    register_nav(key="t_first", label="New", url_name="workspace:members", permission="x.view")
    labels = [i.label for i in nav_for(store_request()) if i.key == "t_first"]
    assert labels == ["New"]


def test_unknown_area_is_refused():
    with pytest.raises(ValueError, match="area"):
        register_nav(key="t_first", label="X", url_name="workspace:members", area="elsewhere")


def test_an_apps_entries_are_registered_in_one_call():
    register_entries(
        (
            NavEntry("t_second", "Second", "workspace:channels", "x.view", "dot", 20),
            NavEntry("t_first", "First", "workspace:members", "x.view", "dot", 10),
        )
    )
    assert keys(nav_for(store_request())) == ["t_first", "t_second"]


def test_entries_with_an_unknown_area_register_none_of_them():
    with pytest.raises(ValueError, match="area"):
        register_entries(
            (
                NavEntry("t_first", "First", "workspace:members", "x.view"),
                NavEntry("t_second", "X", "workspace:members", area="elsewhere"),
            )
        )
    assert keys(nav_for(store_request())) == []


def test_workspace_registers_its_pages():
    registered = {entry.key: entry for entry in navigation.registered_entries(STORE)}
    assert registered["home"].url_name == "workspace:home"
    assert registered["members"].permission == "members.view"
    assert registered["channels"].permission == "channels.view"
    assert registered["settings"].permission == "settings.view"


def test_badges_are_counted_once_per_request():
    calls = []
    register_nav(
        key="t_badge", label="Inbox", url_name="workspace:members", permission="x.view", badge=lambda r: calls.append(1)
    )
    request = store_request()
    nav_for(request)
    nav_for(request)
    assert len(calls) == 1
