"""The list component on the customer and order pages: sortable headers (server-side, declared
keys only), density and columns remembered per user, saved views, bulk actions."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

pytestmark = pytest.mark.django_db


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def names_in_order(html: str) -> list[str]:
    return re.findall(r'<a class="fw-medium" href="/customers/\d+/">([^<]+)</a>', html)


@pytest.fixture
def three_customers(make_customer, store_a, users):
    return [
        make_customer(store_a, owner=users.a_sales, name=name, grade=grade, mobile=mobile)
        for name, grade, mobile in (("Bravo", "C", "+86 139-0000-1234"), ("Alpha", "B", ""), ("Charlie", "A", ""))
    ]


def test_headers_sort_on_the_server_and_toggle_direction(page_client, users, store_a, three_customers):
    client = page_client(users.a_sales, store_a)

    ascending = html_of(client.get("/customers/", {"ordering": "name"}))
    descending = html_of(client.get("/customers/", {"ordering": "-name"}))
    by_grade = html_of(client.get("/customers/", {"ordering": "grade"}))

    assert names_in_order(ascending) == ["Alpha", "Bravo", "Charlie"]
    assert names_in_order(descending) == ["Charlie", "Bravo", "Alpha"]
    assert names_in_order(by_grade) == ["Charlie", "Alpha", "Bravo"]
    assert 'aria-sort="ascending"' in ascending
    assert 'href="/customers/?ordering=-name"' in ascending  # the header now sorts the other way


def test_an_unknown_sort_key_is_ignored_on_the_page(page_client, users, store_a, three_customers):
    html = html_of(page_client(users.a_sales, store_a).get("/customers/", {"ordering": "mobile_normalized"}))
    assert sorted(names_in_order(html)) == ["Alpha", "Bravo", "Charlie"]
    assert "filter-errors" not in html


def test_phones_show_normalised(page_client, users, store_a, three_customers):
    html = html_of(page_client(users.a_sales, store_a).get("/customers/"))
    assert "139 0000 1234" in html
    assert "139-0000-1234" not in html


def test_density_and_columns_are_remembered_per_user(page_client, users, store_a, three_customers):
    client = page_client(users.a_sales, store_a)
    response = client.post(
        "/lists/customers/preferences/", {"set": "columns", "columns": ["name", "created"], "next": "/customers/"}
    )
    assert response.status_code == 302 and response["Location"] == "/customers/"
    client.post("/lists/customers/preferences/", {"density": "compact", "next": "/customers/"})

    html = html_of(client.get("/customers/"))
    assert "density-compact" in html
    assert re.search(r'<th scope="col" data-col="mobile" class="" hidden>', html)
    assert re.search(r'<th scope="col" data-col="created" class="" aria-sort="none">', html)

    other = html_of(page_client(users.a_sales2, store_a).get("/customers/"))
    assert "density-comfortable" in other
    assert not re.search(r'data-col="mobile"[^>]* hidden', other)


def test_a_saved_view_opens_with_its_filters_and_can_be_shared(page_client, users, store_a, three_customers):
    client = page_client(users.a_supervisor, store_a)
    response = client.post(
        "/lists/customers/views/",
        {"name": "Grade A", "shared": "true", "query": "grade=A&ordering=-name&page=3", "columns": ["name", "grade"]},
    )
    assert response.status_code == 302
    target = response["Location"]
    assert target.startswith("/customers/?grade=A&ordering=-name&view=")

    html = html_of(client.get(target))
    assert names_in_order(html) == ["Charlie"]
    assert re.search(r'data-col="mobile"[^>]* hidden', html)

    colleague = html_of(page_client(users.a_sales, store_a).get("/customers/"))
    assert "Grade A" in colleague  # shared within the store


def test_bulk_tag_and_release(page_client, users, store_a, three_customers, make_tag, in_store):
    make_tag(store_a, "VIP")
    client = page_client(users.a_sales, store_a)
    ids = [str(c.pk) for c in three_customers[:2]]

    client.post("/customers/bulk/", {"action": "tag", "tag": "VIP", "ids": ids, "next": "/customers/"})
    client.post("/customers/bulk/", {"action": "release", "reason": "Moved away", "ids": ids[:1]})

    from tenant_apps.customers.models import Customer

    with in_store(store_a):
        tagged = set(Customer.objects.filter(tags__name="VIP").values_list("pk", flat=True))
        released = Customer.objects.get(pk=three_customers[0].pk)
    assert tagged == {three_customers[0].pk, three_customers[1].pk}
    assert released.owner_id is None


def test_a_bulk_action_on_a_customer_one_cannot_see_changes_nothing(
    page_client, users, store_a, make_customer, make_tag, in_store
):
    make_tag(store_a, "VIP")
    mine = make_customer(store_a, owner=users.a_sales, name="Mine")
    theirs = make_customer(store_a, owner=users.a_sales2, name="Theirs")

    response = page_client(users.a_sales, store_a).post(
        "/customers/bulk/", {"action": "tag", "tag": "VIP", "ids": [mine.pk, theirs.pk]}, follow=True
    )

    from tenant_apps.customers.models import Customer

    with in_store(store_a):
        assert not Customer.objects.filter(tags__name="VIP").exists()
    assert response.status_code == 200


def test_bulk_transfer_hands_the_selection_over(page_client, users, store_a, three_customers, in_store):
    ids = [c.pk for c in three_customers]
    page_client(users.a_admin, store_a).post(
        "/customers/bulk/", {"action": "transfer", "to_owner": users.a_sales2.pk, "ids": ids}
    )

    from tenant_apps.customers.models import Customer

    with in_store(store_a):
        owners = set(Customer.objects.filter(pk__in=ids).values_list("owner_id", flat=True))
    assert owners == {users.a_sales2.pk}


def test_a_salesperson_cannot_transfer(page_client, users, store_a, three_customers, in_store):
    response = page_client(users.a_sales, store_a).post(
        "/customers/bulk/", {"action": "transfer", "to_owner": users.a_sales2.pk, "ids": [three_customers[0].pk]}
    )
    assert response.status_code == 403


def test_bulk_export_has_the_selection_only(page_client, users, store_a, three_customers):
    response = page_client(users.a_admin, store_a).post(
        "/customers/bulk/", {"action": "export", "format": "csv", "ids": [three_customers[1].pk]}
    )
    body = b"".join(response.streaming_content).decode("utf-8-sig") if response.streaming else response.content.decode()
    assert "Alpha" in body
    assert "Bravo" not in body and "Charlie" not in body


def test_orders_sort_by_amount_and_export_the_selection(page_client, users, store_a, in_store):
    from tests.factories.sales import make_customer, make_order, make_product

    with in_store(store_a):
        product = make_product(list_price="2000.00")
        buyer = make_customer(owner=users.a_sales)
        small = make_order(customer=buyer, owner=users.a_sales, lines=[(product, 1, Decimal("10.00"))], number="SO-S1")
        make_order(customer=buyer, owner=users.a_sales, lines=[(product, 5, Decimal("1234.50"))], number="SO-B1")

    client = page_client(users.a_admin, store_a)
    html = html_of(client.get("/sales/orders/", {"ordering": "-amount"}))
    assert html.index("SO-B1") < html.index("SO-S1")
    assert "¥6,172.50" in html

    response = client.post("/sales/orders/bulk/", {"action": "export", "format": "csv", "ids": [small.pk]})
    body = b"".join(response.streaming_content).decode("utf-8-sig") if response.streaming else response.content.decode()
    assert "SO-S1" in body and "SO-B1" not in body


def test_the_customer_picker_searches_visible_customers_only(page_client, users, store_a, make_customer):
    make_customer(store_a, owner=users.a_sales, name="Picker mine", mobile="+8613900001111")
    make_customer(store_a, owner=users.a_sales2, name="Picker theirs")

    body = page_client(users.a_sales, store_a).get("/pick/customers/", {"q": "Picker"}).json()

    assert [item["label"] for item in body["results"]] == ["Picker mine"]
    assert body["results"][0]["detail"] == "139 0000 1111"


def test_the_product_picker_offers_active_products_with_their_price(page_client, users, store_a, in_store):
    from tests.factories.sales import make_product

    with in_store(store_a):
        make_product(sku="PK-1", name="Pallet 1210", list_price="1234.50")
        make_product(sku="PK-2", name="Pallet old", active=False)

    body = page_client(users.a_sales, store_a).get("/pick/products/", {"q": "PK-"}).json()

    assert body["results"] == [
        {"id": body["results"][0]["id"], "label": "PK-1 Pallet 1210", "detail": "¥1,234.50", "price": "1234.50"}
    ]


def test_the_quotation_editor_takes_any_number_of_lines(page_client, users, store_a, make_customer, in_store):
    from tenant_apps.sales.models import Quotation
    from tests.factories.sales import make_product

    customer = make_customer(store_a, owner=users.a_sales, name="Many lines")
    with in_store(store_a):
        products = [make_product(list_price="10.00") for _ in range(10)]
    form = {"customer": customer.pk, "valid_until": "2099-01-01"}
    for n, product in enumerate(products):  # ten lines, numbered with gaps as rows come and go
        form |= {f"product_{n * 3}": product.pk, f"quantity_{n * 3}": "1", f"unit_price_{n * 3}": "10.00"}

    client = page_client(users.a_sales, store_a)
    assert 'data-testid="add-line"' in client.get("/sales/quotations/new/").content.decode()
    response = client.post("/sales/quotations/new/", form)

    assert response.status_code == 302
    with in_store(store_a):
        quotation = Quotation.objects.get(customer_id=customer.pk)
        assert quotation.lines.count() == 10
        assert quotation.amount == Decimal("100.00")
    edit = client.get(f"/sales/quotations/{quotation.pk}/edit/").content.decode()
    assert edit.count("<tr data-line>") == 11  # the ten lines and the template of a new one
    assert 'name="product_9"' in edit and 'name="product_10"' not in edit
