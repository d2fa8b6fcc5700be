"""Store workspace pages: the shell, team, channels and store settings."""

import pytest

from tenant_apps.workspace.selectors import store_settings_get

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def html_of(response) -> str:
    return response.content.decode()


def test_anonymous_visitor_is_sent_to_sign_in(page_client, store_a):
    response = page_client(None, store_a).get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_shell_shows_the_navigation_of_the_users_role(page_client, store_a, users):
    html = html_of(page_client(users.a_sales, store_a).get("/", **EN))
    for key, url in (("home", "/"), ("members", "/team/"), ("channels", "/channels/"), ("settings", "/settings/")):
        assert f'href="{url}" data-nav="{key}"' in html


def test_home_welcomes_the_user_with_store_name_and_role(page_client, store_a, users):
    html = html_of(page_client(users.a_sales, store_a).get("/", **EN))
    assert f"Welcome, {users.a_sales.display_name}" in html
    assert store_a.name in html
    assert '<div class="stat-value fs-5" data-testid="home-role">Salesperson</div>' in html


def test_home_shows_the_unread_notification_count(page_client, store_a, users, in_store):
    from tenant_apps.notifications import services

    with in_store(store_a):
        services.notify(recipients=[users.a_sales], kind="test.ping", title="One")
        services.notify(recipients=[users.a_sales], kind="test.ping", title="Two")
    html = html_of(page_client(users.a_sales, store_a).get("/", **EN))
    assert '<div class="stat-value" data-testid="home-unread">2</div>' in html


def test_shell_renders_in_chinese_by_default(page_client, store_a, users):
    html = html_of(page_client(users.a_sales, store_a).get("/"))
    assert '<html lang="zh-hans">' in html
    assert "退出登录" in html


def test_team_page_lists_members_with_role_and_supervisor(page_client, store_a, users):
    html = html_of(page_client(users.a_sales, store_a).get("/team/", **EN))
    assert users.a_sales2.email in html
    assert users.a_finance.email in html
    assert users.b_sales.email not in html
    row = html[html.index(users.a_sales2.email) :]
    row = row[: row.index("</tr>")]
    assert "Salesperson" in row
    assert users.a_supervisor.display_name in row


def test_channels_page_lists_the_stores_channels(page_client, store_a, users):
    html = html_of(page_client(users.a_sales, store_a).get("/channels/", **EN))
    assert "<code>tmall</code>" in html
    assert "<code>jd</code>" in html


def test_settings_page_gives_admin_a_form(page_client, store_a, users):
    html = html_of(page_client(users.a_admin, store_a).get("/settings/", **EN))
    assert 'name="discount_threshold"' in html
    assert 'hx-post="/settings/"' in html


def test_settings_page_shows_values_only_to_salesperson(page_client, store_a, users):
    html = html_of(page_client(users.a_sales, store_a).get("/settings/", **EN))
    assert 'name="discount_threshold"' not in html
    assert 'data-testid="settings-values"' in html
    assert "0.900" in html


def settings_post_data(**changes):
    data = {
        "discount_threshold": "0.900",
        "pool_grace_days": "3",
        "pool_max_idle_days": "30",
        "pool_return_visit_days": "7",
        "pool_ownership_cap": "500",
        "pool_daily_claim_limit": "20",
        "pool_reclaim_cooldown_days": "30",
        "pool_release_warning_days": "2",
        "return_visit_window_days": "7",
    }
    data.update(changes)
    return data


def test_admin_saves_settings_and_is_redirected(page_client, store_a, users, in_store):
    response = page_client(users.a_admin, store_a).post("/settings/", settings_post_data(pool_grace_days="5"))
    assert response.status_code == 302
    assert response["Location"] == "/settings/"
    with in_store(store_a):
        assert store_settings_get().pool_grace_days == 5


def test_admin_saves_settings_with_htmx_and_gets_the_form_back(page_client, store_a, users, in_store):
    response = page_client(users.a_admin, store_a).post(
        "/settings/", settings_post_data(pool_ownership_cap="80"), HTTP_HX_REQUEST="true", **EN
    )
    assert response.status_code == 200
    html = html_of(response)
    assert "<html" not in html
    assert 'data-testid="settings-saved"' in html
    with in_store(store_a):
        assert store_settings_get().pool_ownership_cap == 80


def test_invalid_settings_show_errors_in_the_form_and_save_nothing(page_client, store_a, users, in_store):
    response = page_client(users.a_admin, store_a).post(
        "/settings/", settings_post_data(discount_threshold="1.5", pool_grace_days="0"), HTTP_HX_REQUEST="true", **EN
    )
    assert response.status_code == 422
    html = html_of(response)
    assert 'id="id_discount_threshold_errors"' in html
    assert "is-invalid" in html
    with in_store(store_a):
        assert store_settings_get().pool_grace_days == 3


def test_rule_of_the_settings_service_is_shown_on_its_field(page_client, store_a, users, in_store):
    response = page_client(users.a_admin, store_a).post("/settings/", settings_post_data(pool_grace_days="0"), **EN)
    assert response.status_code == 422
    html = html_of(response)
    assert 'id="id_pool_grace_days_errors"' in html
    assert "Enter a whole number from 1 to 3650." in html


def test_salesperson_cannot_post_settings(page_client, store_a, users, in_store):
    response = page_client(users.a_sales, store_a).post("/settings/", settings_post_data(pool_grace_days="9"))
    assert response.status_code == 403
    with in_store(store_a):
        assert store_settings_get().pool_grace_days == 3


def test_read_only_store_shows_banner_and_no_settings_form(page_client, store_a, users):
    store_a.status = store_a.Status.READ_ONLY
    store_a.save(update_fields=["status"])
    html = html_of(page_client(users.a_admin, store_a).get("/settings/", **EN))
    assert 'data-testid="read-only-banner"' in html
    assert 'name="discount_threshold"' not in html


def test_hq_visitor_sees_the_read_only_banner(page_client, store_a, users):
    html = html_of(page_client(users.hq_exec, store_a).get("/", **EN))
    assert 'data-testid="hq-read-only-banner"' in html
    assert "HQ, read-only" in html


def test_active_store_shows_no_read_only_banner(page_client, store_a, users):
    html = html_of(page_client(users.a_admin, store_a).get("/", **EN))
    assert "read-only-banner" not in html


def test_page_without_permission_is_forbidden(page_client, store_a, users, monkeypatch):
    from shared_apps.accounts import roles

    reduced = roles.ROLE_PERMISSIONS["salesperson"] - {"members.view"}
    monkeypatch.setitem(roles.ROLE_PERMISSIONS, "salesperson", reduced)
    client = page_client(users.a_sales, store_a)
    assert client.get("/team/").status_code == 403
    assert 'data-nav="members"' not in html_of(client.get("/"))
