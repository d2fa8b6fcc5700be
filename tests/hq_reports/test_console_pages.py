"""The HQ console page on the public host: stores listed and filtered, HQ roles only."""

import pytest

from tenants.models import Subsidiary

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def html_of(response) -> str:
    return response.content.decode()


def listed(html: str) -> set[str]:
    import re

    return set(re.findall(r'<tr data-store="([^"]+)">', html))


def test_anonymous_visitor_is_sent_to_sign_in(page_client):
    response = page_client(None, None).get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_store_user_without_hq_role_gets_403(page_client, users):
    response = page_client(users.a_admin, None).get("/", **EN)
    assert response.status_code == 403
    assert "The HQ console is for HQ staff only." in html_of(response)


def test_hq_executive_sees_every_store_with_its_url(page_client, users, store_a, store_b):
    html = html_of(page_client(users.hq_exec, None).get("/", **EN))
    assert listed(html) == {"alpha", "bravo"}
    assert f'href="{store_a.url}"' in html
    assert f'href="{store_b.url}"' in html
    assert 'href="/api/v1/docs/"' in html


def test_filter_by_status(page_client, users, store_b):
    store_b.status = store_b.Status.READ_ONLY
    store_b.save(update_fields=["status"])
    html = html_of(page_client(users.hq_admin, None).get("/?status=read_only", **EN))
    assert listed(html) == {"bravo"}


def test_filter_by_subsidiary(page_client, users, store_a):
    east = Subsidiary.objects.create(name="East", code="east-test")
    store_a.subsidiary = east
    store_a.save(update_fields=["subsidiary"])
    html = html_of(page_client(users.hq_admin, None).get(f"/?subsidiary={east.pk}", **EN))
    assert listed(html) == {"alpha"}


def test_search_by_subdomain(page_client, users):
    html = html_of(page_client(users.hq_admin, None).get("/?q=brav", **EN))
    assert listed(html) == {"bravo"}


def test_no_match_shows_an_empty_state(page_client, users):
    html = html_of(page_client(users.hq_admin, None).get("/?q=zzz-nothing", **EN))
    assert listed(html) == set()
    assert "No store matches these filters." in html


def test_htmx_filter_returns_only_the_table(page_client, users):
    response = page_client(users.hq_admin, None).get(
        "/?q=alp", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="store-table", **EN
    )
    html = html_of(response)
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="store-table"')
    assert listed(html) == {"alpha"}


def test_invalid_filter_values_are_ignored_not_an_error(page_client, users):
    response = page_client(users.hq_admin, None).get("/?subsidiary=abc&status=nope&page=x", **EN)
    assert response.status_code == 200
    assert listed(html_of(response)) == {"alpha", "bravo"}


def test_console_shows_the_hq_navigation(page_client, users):
    html = html_of(page_client(users.hq_exec, None).get("/", **EN))
    assert 'href="/" data-nav="stores"' in html
    assert "HQ executive" in html
