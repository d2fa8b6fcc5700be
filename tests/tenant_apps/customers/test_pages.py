"""The customer pages: list with filters and export links, create / edit forms with their
errors, the 360° page with its follow-up form, and the home page's "My follow-ups" panel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import access_of

ROLES = ["a_admin", "a_supervisor", "a_sales", "a_sales2", "a_finance", "a_warehouse", "hq_exec"]


def html_of(response) -> str:
    return response.content.decode()


def customers_in(in_store, store):
    from tenant_apps.customers.models import Customer

    with in_store(store):
        return list(Customer.objects.order_by("pk").prefetch_related("tags"))


# --- list -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_list_renders_for_every_role_that_views_customers(page_client, users, store_a, make_customer, role):
    make_customer(store_a, owner=None, name="Pooled customer")

    response = page_client(users[role], store_a).get("/customers/")

    assert response.status_code == 200
    assert "Pooled customer" in html_of(response)


def test_a_salesperson_lists_their_own_and_the_pool_only(page_client, users, store_a, make_customer):
    make_customer(store_a, owner=users.a_sales, name="Mine")
    make_customer(store_a, owner=None, name="Pooled")
    make_customer(store_a, owner=users.a_sales2, name="Colleague")

    html = html_of(page_client(users.a_sales, store_a).get("/customers/"))

    assert "Mine" in html and "Pooled" in html
    assert "Colleague" not in html
    assert 'name="owner"' not in html


def test_a_supervisor_can_filter_by_owner(page_client, users, store_a, make_customer):
    make_customer(store_a, owner=users.a_sales, name="Of sales one")
    make_customer(store_a, owner=users.a_sales2, name="Of sales two")

    response = page_client(users.a_supervisor, store_a).get("/customers/", {"owner": users.a_sales2.pk})

    html = html_of(response)
    assert 'name="owner"' in html
    assert "Of sales two" in html and "Of sales one" not in html


def test_filtering_with_htmx_returns_the_table_with_export_links_keeping_the_filters(
    page_client, users, store_a, make_customer
):
    make_customer(store_a, owner=users.a_sales, name="Grade A", grade="A")
    make_customer(store_a, owner=users.a_sales, name="Grade B", grade="B")

    response = page_client(users.a_sales, store_a).get(
        "/customers/", {"q": "", "grade": "A"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="customer-table"
    )

    html = html_of(response)
    assert "<html" not in html
    assert 'id="customer-table"' in html
    assert "Grade A" in html and "Grade B" not in html
    assert 'href="/customers/export/?q=&amp;grade=A&amp;format=csv"' in html
    assert 'href="/customers/export/?q=&amp;grade=A&amp;format=xlsx"' in html


def test_the_list_searches_by_mobile_digits(page_client, users, store_a, make_customer):
    make_customer(store_a, owner=users.a_sales, name="Phone match", mobile="+86 138-0013-8000")
    make_customer(store_a, owner=users.a_sales, name="Other")

    html = html_of(page_client(users.a_sales, store_a).get("/customers/", {"q": "13800138000"}))

    assert "Phone match" in html and "Other" not in html


def test_a_bad_filter_value_shows_an_error_instead_of_failing(page_client, users, store_a):
    response = page_client(users.a_sales, store_a).get("/customers/", {"follow_up_due": "someday"})

    assert response.status_code == 200
    assert 'data-testid="filter-errors"' in html_of(response)


def test_the_list_is_paginated(page_client, users, store_a, make_customer):
    for index in range(51):
        make_customer(store_a, owner=users.a_sales, name=f"Paged {index:02d}")

    html = html_of(page_client(users.a_sales, store_a).get("/customers/", {"grade": ""}))

    assert "?grade=&amp;page=2" in html


def test_the_navigation_has_the_customers_entry(page_client, users, store_a):
    html = html_of(page_client(users.a_sales, store_a).get("/"))

    assert 'data-nav="customers"' in html


# --- create and edit --------------------------------------------------------------------------


def test_a_salesperson_creates_a_customer_and_lands_on_its_page(page_client, users, store_a, in_store):
    response = page_client(users.a_sales, store_a).post(
        "/customers/new/", {"name": "New one", "mobile": "13800138000", "grade": "B"}
    )

    [customer] = customers_in(in_store, store_a)
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/"
    assert (customer.owner_id, customer.grade, customer.mobile_normalized) == (users.a_sales.pk, "B", "+8613800138000")


def test_a_duplicate_mobile_is_shown_in_the_form_naming_the_customer_and_owner(
    page_client, users, store_a, in_store, make_customer
):
    existing = make_customer(store_a, owner=users.a_sales2, name="Already here", mobile="13800138000")

    response = page_client(users.a_sales, store_a).post(
        "/customers/new/", {"name": "Copy", "mobile": "+86 138 0013 8000", "grade": "C"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 409
    html = html_of(response)
    assert 'data-testid="duplicate-customer"' in html
    assert "Already here" in html and users.a_sales2.name in html
    assert f'href="/customers/{existing.pk}/"' in html
    assert [c.pk for c in customers_in(in_store, store_a)] == [existing.pk]


def test_a_duplicate_of_a_pool_customer_says_so_in_the_htmx_form(page_client, users, store_a, make_customer):
    make_customer(store_a, owner=None, name="In pool", wechat_id="wx-9")

    response = page_client(users.a_sales, store_a).post(
        "/customers/new/", {"name": "Copy", "wechat_id": "wx-9", "grade": "C"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 422
    html = html_of(response)
    assert "<html" not in html
    assert 'data-testid="duplicate-customer"' in html and "In pool" in html
    assert "badge text-bg-info" in html


def test_an_invalid_form_shows_field_errors(page_client, users, store_a, in_store):
    response = page_client(users.a_sales, store_a).post(
        "/customers/new/", {"name": "Bad phone", "mobile": "12345", "grade": "C"}
    )

    assert response.status_code == 422
    assert "is-invalid" in html_of(response)
    assert customers_in(in_store, store_a) == []


def test_an_empty_name_is_refused(page_client, users, store_a, in_store):
    response = page_client(users.a_sales, store_a).post("/customers/new/", {"name": "", "grade": "C"})

    assert response.status_code == 422
    assert customers_in(in_store, store_a) == []


@pytest.mark.parametrize("role", ["a_finance", "a_warehouse", "hq_exec"])
def test_roles_that_cannot_create_get_403(page_client, users, store_a, role):
    assert page_client(users[role], store_a).get("/customers/new/").status_code == 403


def test_an_admin_may_create_into_the_pool_or_for_a_salesperson(page_client, users, store_a, in_store):
    client = page_client(users.a_admin, store_a)

    client.post("/customers/new/", {"name": "To pool", "grade": "C", "owner": ""})
    client.post("/customers/new/", {"name": "To sales", "grade": "C", "owner": str(users.a_sales2.pk)})

    owners = {c.name: c.owner_id for c in customers_in(in_store, store_a)}
    assert owners == {"To pool": None, "To sales": users.a_sales2.pk}


def test_the_owner_edits_the_profile(page_client, users, store_a, in_store, make_customer, make_tag):
    customer = make_customer(store_a, owner=users.a_sales, name="Before")
    make_tag(store_a, "VIP")
    client = page_client(users.a_sales, store_a)

    form = client.get(f"/customers/{customer.pk}/edit/")
    response = client.post(
        f"/customers/{customer.pk}/edit/",
        {
            "name": "After",
            "grade": "A",
            "tags": ["VIP"],
            "intention_level": "high",
            "product_preferences": "托盘, 1210",
        },
    )

    assert form.status_code == 200 and 'value="Before"' in html_of(form)
    assert response.status_code == 302
    [saved] = customers_in(in_store, store_a)
    assert [tag.name for tag in saved.tags.all()] == ["VIP"]
    assert (saved.name, saved.grade, saved.intention_level) == ("After", "A", "high")
    assert saved.product_preferences == ["托盘", "1210"]


def test_another_salesperson_gets_404_on_the_edit_page(page_client, users, store_a, make_customer):
    customer = make_customer(store_a, owner=users.a_sales, name="Private")

    assert page_client(users.a_sales2, store_a).get(f"/customers/{customer.pk}/edit/").status_code == 404


def test_a_salesperson_cannot_edit_a_pool_customer(page_client, users, store_a, make_customer):
    customer = make_customer(store_a, owner=None, name="Pooled")

    assert page_client(users.a_sales, store_a).get(f"/customers/{customer.pk}/edit/").status_code == 403


def test_editing_into_a_duplicate_is_refused(page_client, users, store_a, in_store, make_customer):
    make_customer(store_a, owner=users.a_sales, name="Holder", mobile="13800138000")
    customer = make_customer(store_a, owner=users.a_sales, name="Editor")

    response = page_client(users.a_sales, store_a).post(
        f"/customers/{customer.pk}/edit/", {"name": "Editor", "mobile": "13800138000", "grade": "C"}
    )

    assert response.status_code == 409
    assert "Holder" in html_of(response)


# --- the 360° page ----------------------------------------------------------------------------


def test_the_360_page_shows_profile_summary_and_timeline(page_client, users, store_a, make_customer):
    from django_tenants.utils import tenant_context

    from tenant_apps.customers.services import follow_up_add

    customer = make_customer(store_a, owner=users.a_sales, name="Full view", mobile="13800138000", tags=["VIP"])
    with tenant_context(store_a):
        follow_up_add(customer=customer, access=access_of(users.a_sales), kind="call", content="Talked about pallets")

    response = page_client(users.a_sales, store_a).get(f"/customers/{customer.pk}/")

    assert response.status_code == 200
    html = html_of(response)
    assert "Full view" in html and "13800138000" in html and "VIP" in html
    assert "Talked about pallets" in html
    assert 'data-testid="follow-up-count">1<' in html
    assert 'data-testid="follow-up-form"' in html
    assert 'data-testid="pool-history"' in html


@pytest.mark.parametrize("role", ["a_admin", "a_supervisor", "a_finance", "a_warehouse", "hq_exec"])
def test_the_360_page_renders_for_roles_that_see_the_customer(page_client, users, store_a, make_customer, role):
    customer = make_customer(store_a, owner=users.a_sales, name="Seen by many")

    response = page_client(users[role], store_a).get(f"/customers/{customer.pk}/")

    assert response.status_code == 200
    assert ('data-testid="follow-up-form"' in html_of(response)) is (role in ("a_admin", "a_supervisor"))


def test_another_salespersons_customer_is_404(page_client, users, store_a, make_customer):
    customer = make_customer(store_a, owner=users.a_sales, name="Not yours")

    response = page_client(users.a_sales2, store_a).get(f"/customers/{customer.pk}/")

    assert response.status_code == 404
    assert "Not yours" not in html_of(response)


def test_a_missing_customer_is_404(page_client, users, store_a):
    assert page_client(users.a_sales, store_a).get("/customers/999999/").status_code == 404


def test_a_pool_customer_offers_a_claim_and_no_follow_up_form(page_client, users, store_a, make_customer):
    customer = make_customer(store_a, owner=None, name="Claim me")

    html = html_of(page_client(users.a_sales, store_a).get(f"/customers/{customer.pk}/"))

    assert 'data-testid="claim-customer"' in html
    assert 'data-testid="follow-up-form"' not in html
    assert 'data-testid="edit-customer"' not in html


def test_a_merged_record_sends_to_its_survivor(page_client, users, store_a, in_store, make_customer):
    survivor = make_customer(store_a, owner=users.a_sales, name="Survivor")
    merged = make_customer(store_a, owner=users.a_sales, name="Merged")
    with in_store(store_a):
        merged.merged_into = survivor
        merged.save()

    response = page_client(users.a_sales, store_a).get(f"/customers/{merged.pk}/")

    assert response.status_code == 302
    assert response["Location"] == f"/customers/{survivor.pk}/"


def test_a_follow_up_added_with_htmx_appears_in_the_timeline(page_client, users, store_a, in_store, make_customer):
    customer = make_customer(store_a, owner=users.a_sales, name="Follow me")
    next_at = (timezone.localtime() + timedelta(days=3)).replace(second=0, microsecond=0)

    response = page_client(users.a_sales, store_a).post(
        f"/customers/{customer.pk}/follow-ups/",
        {"kind": "wechat", "content": "Sent the quotation", "next_follow_up_at": next_at.strftime("%Y-%m-%dT%H:%M")},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    html = html_of(response)
    assert "<html" not in html
    assert 'data-testid="follow-up-added"' in html
    assert "Sent the quotation" in html
    [saved] = customers_in(in_store, store_a)
    assert saved.next_follow_up_at == next_at
    assert saved.last_follow_up_at is not None


def test_a_follow_up_without_content_is_refused(page_client, users, store_a, in_store, make_customer):
    customer = make_customer(store_a, owner=users.a_sales, name="Follow me")

    response = page_client(users.a_sales, store_a).post(
        f"/customers/{customer.pk}/follow-ups/", {"kind": "call", "content": ""}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 422
    assert "is-invalid" in html_of(response)
    assert customers_in(in_store, store_a)[0].last_follow_up_at is None


def test_a_follow_up_without_htmx_redirects_to_the_page(page_client, users, store_a, make_customer):
    customer = make_customer(store_a, owner=users.a_sales, name="Follow me")

    response = page_client(users.a_sales, store_a).post(
        f"/customers/{customer.pk}/follow-ups/", {"kind": "call", "content": "Called"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/"


def test_a_follow_up_on_another_salespersons_customer_is_404(page_client, users, store_a, make_customer):
    customer = make_customer(store_a, owner=users.a_sales, name="Not yours")

    response = page_client(users.a_sales2, store_a).post(
        f"/customers/{customer.pk}/follow-ups/", {"kind": "call", "content": "Sneaky"}
    )

    assert response.status_code == 404


# --- the home panel ---------------------------------------------------------------------------


def test_the_home_page_lists_my_due_and_overdue_follow_ups(page_client, users, store_a, make_customer):
    now = timezone.now()
    make_customer(store_a, owner=users.a_sales, name="Overdue one", next_follow_up_at=now - timedelta(days=2))
    make_customer(store_a, owner=users.a_sales, name="Later this year", next_follow_up_at=now + timedelta(days=40))
    make_customer(store_a, owner=users.a_sales2, name="Colleague due", next_follow_up_at=now - timedelta(days=1))

    html = html_of(page_client(users.a_sales, store_a).get("/"))

    assert 'data-home-panel="follow_ups"' in html
    assert "Overdue one" in html
    assert "Later this year" not in html and "Colleague due" not in html
    assert 'data-testid="my-follow-ups-count">1<' in html


def test_the_home_panel_says_when_nothing_is_due(page_client, users, store_a):
    html = html_of(page_client(users.a_sales, store_a).get("/"))

    assert 'data-testid="no-follow-ups-due"' in html


@pytest.mark.parametrize("role", ["a_finance", "hq_exec"])
def test_roles_without_follow_ups_have_no_home_panel(page_client, users, store_a, role):
    html = html_of(page_client(users[role], store_a).get("/"))

    assert 'data-home-panel="follow_ups"' not in html
