import pytest

from tenant_apps.notifications import selectors, services
from tests.factories import access_of

pytestmark = pytest.mark.django_db

LIST_URL = "/notifications/"
READ_URL = "/notifications/read/"


@pytest.fixture
def two_unread(store_a, users, in_store):
    with in_store(store_a):
        services.notify(recipients=[users.a_sales2], kind="x.y", title="Someone else's")
        return [services.notify(recipients=[users.a_sales], kind="x.y", title=t)[0].pk for t in ("First", "Second")]


def test_list_page_shows_own_unread_notifications_highlighted(page_client, store_a, users, two_unread):
    response = page_client(users.a_sales, store_a).get(LIST_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "First" in html and "Second" in html
    assert "Someone else&#x27;s" not in html and "Someone else's" not in html
    assert html.count('data-read="false"') == 2
    assert 'data-testid="mark-all-read"' in html


def test_mark_one_read_with_htmx_returns_the_list(page_client, store_a, users, two_unread, in_store):
    client = page_client(users.a_sales, store_a)
    response = client.post(READ_URL, {"id": two_unread[0]}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="notification-list"' in html and "<html" not in html
    assert html.count('data-read="false"') == 1
    with in_store(store_a):
        assert selectors.unread_count(access=access_of(users.a_sales)) == 1


def test_mark_all_read_without_htmx_redirects_to_the_list(page_client, store_a, users, two_unread, in_store):
    response = page_client(users.a_sales, store_a).post(READ_URL)
    assert response.status_code == 302 and response["Location"] == LIST_URL
    with in_store(store_a):
        assert selectors.unread_count(access=access_of(users.a_sales)) == 0
        assert selectors.unread_count(access=access_of(users.a_sales2)) == 1


def test_mark_read_of_someone_elses_id_changes_nothing(page_client, store_a, users, in_store):
    with in_store(store_a):
        theirs = services.notify(recipients=[users.a_sales2], kind="x.y", title="Theirs")[0]
    page_client(users.a_sales, store_a).post(READ_URL, {"id": theirs.pk})
    with in_store(store_a):
        assert selectors.unread_count(access=access_of(users.a_sales2)) == 1


def test_list_page_requires_login(page_client, store_a):
    response = page_client(None, store_a).get(LIST_URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_navigation_shows_the_unread_badge(page_client, store_a, users, two_unread):
    html = page_client(users.a_sales, store_a).get(LIST_URL).content.decode()
    link = html[html.index('data-nav="notifications"') :]
    link = link[: link.index("</a>")]
    assert ">2<" in link
