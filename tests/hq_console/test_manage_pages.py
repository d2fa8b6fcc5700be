"""HQ console pages of store management: domains, members, company policies, HQ announcements."""

from __future__ import annotations

import pytest

from hq_console.models import CompanyPolicy, HqAnnouncement
from shared_apps.accounts.models import Membership
from tenants.models import Domain

pytestmark = pytest.mark.django_db


def test_the_store_table_links_to_store_management(page_client, users, store_a):
    html = page_client(users.hq_exec, None).get("/").content.decode()
    assert f'href="/stores/{store_a.pk}/manage/"' in html


def test_executive_sees_domains_and_members_without_forms(page_client, users, store_a):
    response = page_client(users.hq_exec, None).get(f"/stores/{store_a.pk}/manage/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "alpha.localhost" in html and users.a_sales.email in html
    assert 'data-testid="domain-form"' not in html and 'data-testid="member-form"' not in html


def test_admin_adds_and_removes_a_domain(page_client, users, store_a):
    client = page_client(users.hq_admin, None)
    assert client.post(f"/stores/{store_a.pk}/manage/domains/", {"domain": "shop.example.com"}).status_code == 302
    domain = Domain.objects.get(domain="shop.example.com")
    assert client.post(f"/stores/{store_a.pk}/manage/domains/{domain.pk}/remove/").status_code == 302
    assert not Domain.objects.filter(pk=domain.pk).exists()


def test_a_bad_domain_is_shown_in_the_form(page_client, users, store_a):
    response = page_client(users.hq_admin, None).post(f"/stores/{store_a.pk}/manage/domains/", {"domain": "nodot"})
    assert response.status_code == 422
    assert not Domain.objects.filter(tenant=store_a, is_primary=False).exists()


def test_executive_cannot_post(page_client, users, store_a):
    response = page_client(users.hq_exec, None).post(
        f"/stores/{store_a.pk}/manage/domains/", {"domain": "a.example.com"}
    )
    assert response.status_code == 403
    assert not Domain.objects.filter(domain="a.example.com").exists()


def test_admin_changes_a_role_on_the_page(page_client, users, store_a):
    membership = Membership.objects.get(user=users.a_finance, store=store_a)
    response = page_client(users.hq_admin, None).post(
        f"/stores/{store_a.pk}/manage/members/{membership.pk}/",
        {"role": "warehouse", "supervisor": "", "is_active": "on"},
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert (membership.role, membership.is_active) == ("warehouse", True)


def test_admin_adds_a_member_on_the_page(page_client, users, store_b, password):
    response = page_client(users.hq_admin, None).post(
        f"/stores/{store_b.pk}/manage/members/",
        {"email": "new.person@example.com", "name": "New", "password": password, "role": "salesperson"},
    )
    assert response.status_code == 302
    assert Membership.objects.filter(store=store_b, user__email="new.person@example.com", role="salesperson").exists()


def test_admin_saves_company_policies(page_client, users):
    client = page_client(users.hq_admin, None)
    form = client.get("/policies/").context["form"]
    data = {name: form[name].value() for name in form.fields}
    data["pool_grace_days"] = 8
    assert client.post("/policies/", data).status_code == 302
    assert CompanyPolicy.objects.get().pool_grace_days == 8


def test_executive_reads_policies_read_only(page_client, users):
    html = page_client(users.hq_exec, None).get("/policies/").content.decode()
    assert 'data-testid="policy-values"' in html and 'data-testid="policy-form"' not in html


def test_admin_sends_an_hq_announcement_from_the_page(page_client, users, store_a):
    response = page_client(users.hq_admin, None).post(
        "/announcements/", {"title": "Stocktake", "body": "", "stores": [store_a.pk]}
    )
    assert response.status_code == 302
    announcement = HqAnnouncement.objects.get()
    assert list(announcement.stores.values_list("pk", flat=True)) == [store_a.pk]


def test_store_users_cannot_open_hq_management(page_client, users, store_a):
    assert page_client(users.a_admin, None).get(f"/stores/{store_a.pk}/manage/").status_code == 403
    assert page_client(users.a_admin, None).get("/policies/").status_code == 403
