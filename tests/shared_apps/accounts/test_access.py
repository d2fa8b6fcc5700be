"""Roles and record scoping: whose records each role sees (own / team / whole store)."""

from __future__ import annotations

from shared_apps.accounts.access import can_see_owner, visible_owner_ids
from tests.factories import MembershipFactory, UserFactory, access_of


def test_salesperson_sees_only_their_own_records(users, store_a):
    assert visible_owner_ids(access_of(users.a_sales, store_a)) == {users.a_sales.pk}


def test_supervisor_with_a_team_sees_the_team_and_themselves(users, store_a):
    owners = visible_owner_ids(access_of(users.a_supervisor, store_a))

    assert owners == {users.a_supervisor.pk, users.a_sales.pk, users.a_sales2.pk}


def test_supervisor_without_members_in_a_store_with_teams_sees_only_their_own(store_a):
    lonely = MembershipFactory(store=store_a, role="supervisor").user

    assert visible_owner_ids(access_of(lonely, store_a)) == {lonely.pk}


def test_supervisor_in_a_store_without_teams_sees_the_whole_store(store_b):
    supervisor = MembershipFactory(store=store_b, role="supervisor").user

    assert visible_owner_ids(access_of(supervisor, store_b)) is None


def test_finance_sees_the_whole_store(users, store_a):
    assert visible_owner_ids(access_of(users.a_finance, store_a)) is None


def test_store_admin_sees_the_whole_store(users, store_a):
    assert visible_owner_ids(access_of(users.a_admin, store_a)) is None


def test_hq_read_only_access_sees_the_whole_store(users, store_a):
    access = access_of(users.hq_exec, store_a)

    assert access.via_hq and access.read_only
    assert visible_owner_ids(access) is None


def test_salesperson_cannot_see_a_colleagues_records(users, store_a):
    access = access_of(users.a_sales, store_a)

    assert can_see_owner(access, users.a_sales.pk)
    assert not can_see_owner(access, users.a_sales2.pk)


def test_inactive_team_member_leaves_the_supervisors_view(users, store_a):
    users.a_sales2.memberships.filter(store=store_a).update(is_active=False)

    assert users.a_sales2.pk not in visible_owner_ids(access_of(users.a_supervisor, store_a))


def test_user_without_membership_has_no_access(users, store_a):
    assert access_of(users.nobody, store_a) is None


def test_member_of_store_b_has_no_access_to_store_a(users, store_a):
    assert access_of(users.b_admin, store_a) is None


def test_inactive_user_has_no_access(store_a):
    user = UserFactory(is_active=False)
    MembershipFactory(user=user, store=store_a)

    assert access_of(user, store_a) is None


def test_hq_executive_gets_only_view_permissions(users, store_a):
    access = access_of(users.hq_exec, store_a)

    assert access.can("channels.view")
    assert not access.can("channels.manage")


def test_salesperson_may_view_but_not_manage_channels(users, store_a):
    access = access_of(users.a_sales, store_a)

    assert access.can("channels.view")
    assert not access.can("channels.manage")
