"""The HQ console page of default automation rules (/automation/ on the HQ host)."""

from __future__ import annotations

import pytest

from hq_console import services
from hq_console.models import HqDefaultRule
from tenants.models import Store

pytestmark = pytest.mark.django_db

PAGE = "/automation/"


@pytest.fixture
def quiet_rule(users):
    return services.default_rule_create(
        hq_user=users.hq_admin, name="HQ: quiet customers", template="customer_quiet", params={"days": 20}
    )


def test_page_lists_the_rules_with_the_stores_that_inherit_them(page_client, users, quiet_rule, store_a, store_b):
    response = page_client(users.hq_exec, None).get(PAGE, HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert "HQ: quiet customers" in html and f'data-rule="{quiet_rule.pk}"' in html
    assert f"All {Store.objects.stores().count()} stores" in html
    assert store_a.name in html and store_b.name in html
    # an executive reads: no forms
    assert 'data-testid="default-rule-form"' not in html and 'value="disable"' not in html


def test_page_is_in_the_hq_navigation(page_client, users):
    html = page_client(users.hq_admin, None).get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'href="{PAGE}"' in html


def test_chinese_by_default(page_client, users, quiet_rule):
    html = page_client(users.hq_admin, None).get(PAGE).content.decode()
    assert "默认自动化规则" in html


def test_admin_adds_a_rule(page_client, users):
    response = page_client(users.hq_admin, None).post(
        PAGE, {"action": "add", "name": "HQ: overdue", "template": "receivable_overdue", "active": "1"}
    )

    assert response.status_code == 302 and response["Location"] == PAGE
    rule = HqDefaultRule.objects.get()
    assert (rule.name, rule.template, rule.active, rule.updated_by) == (
        "HQ: overdue",
        "receivable_overdue",
        True,
        users.hq_admin,
    )


def test_a_bad_rule_is_shown_in_the_form_and_nothing_stored(page_client, users):
    response = page_client(users.hq_admin, None).post(
        PAGE, {"action": "add", "name": "", "template": "no_such_rule"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert 'data-testid="error-name"' in html and "A name of 1 to 120 characters is required." in html
    assert 'data-testid="error-template"' in html and "Choose from: dispatch_failure" in html
    assert not HqDefaultRule.objects.exists()


def test_admin_switches_a_rule_off_and_on(page_client, users, quiet_rule):
    client = page_client(users.hq_admin, None)

    assert client.post(PAGE, {"action": "disable", "rule": quiet_rule.pk}).status_code == 302
    quiet_rule.refresh_from_db()
    assert quiet_rule.active is False
    html = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "None while it is off" in html
    assert client.post(PAGE, {"action": "enable", "rule": quiet_rule.pk}).status_code == 302
    quiet_rule.refresh_from_db()
    assert quiet_rule.active is True


def test_admin_edits_the_parameters(page_client, users, quiet_rule):
    edit = f"{PAGE}{quiet_rule.pk}/"
    client = page_client(users.hq_admin, None)

    assert 'name="params.days" value="20"' in client.get(edit).content.decode()
    response = client.post(edit, {"name": "HQ: quiet 30", "params.days": "30", "active": "1"})

    assert response.status_code == 302
    quiet_rule.refresh_from_db()
    assert (quiet_rule.name, quiet_rule.params, quiet_rule.active) == ("HQ: quiet 30", {"days": 30}, True)


def test_a_bad_parameter_is_shown_next_to_it_and_nothing_changes(page_client, users, quiet_rule):
    response = page_client(users.hq_admin, None).post(
        f"{PAGE}{quiet_rule.pk}/", {"name": "Renamed", "params.days": "many", "active": "1"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert 'data-testid="error-params.days"' in html and "Not a valid value." in html
    assert 'value="many"' in html
    quiet_rule.refresh_from_db()
    assert (quiet_rule.name, quiet_rule.params) == ("HQ: quiet customers", {"days": 20})


def test_an_executive_cannot_change_rules(page_client, users, quiet_rule):
    client = page_client(users.hq_exec, None)

    assert client.post(PAGE, {"action": "add", "name": "X", "template": "gtv_drop"}).status_code == 403
    assert client.post(PAGE, {"action": "disable", "rule": quiet_rule.pk}).status_code == 403
    assert client.post(f"{PAGE}{quiet_rule.pk}/", {"name": "X", "params.days": "30"}).status_code == 403
    quiet_rule.refresh_from_db()
    assert (HqDefaultRule.objects.count(), quiet_rule.name, quiet_rule.active) == (1, "HQ: quiet customers", True)


@pytest.mark.parametrize("who", ["a_admin", "nobody"])
def test_store_users_get_403(page_client, users, quiet_rule, who):
    client = page_client(users[who], None)

    assert client.get(PAGE).status_code == 403
    assert client.get(f"{PAGE}{quiet_rule.pk}/").status_code == 403
    assert client.post(PAGE, {"action": "disable", "rule": quiet_rule.pk}).status_code == 403
    quiet_rule.refresh_from_db()
    assert quiet_rule.active is True


def test_anonymous_is_asked_to_sign_in(page_client):
    response = page_client(None, None).get(PAGE)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_unknown_rule_is_404(page_client, users):
    assert page_client(users.hq_admin, None).get(f"{PAGE}999999/").status_code == 404


# --- deleting a default rule ---------------------------------------------------------------------


def test_admin_deletes_a_rule_after_confirming_it(page_client, users, quiet_rule):
    client = page_client(users.hq_admin, None)
    delete_url = f"{PAGE}{quiet_rule.pk}/delete/"
    assert f'href="{delete_url}"' in client.get(PAGE).content.decode()
    assert f'href="{delete_url}"' in client.get(f"{PAGE}{quiet_rule.pk}/").content.decode()

    confirm = client.get(delete_url, HTTP_ACCEPT_LANGUAGE="en")
    html = confirm.content.decode()
    assert confirm.status_code == 200
    assert "Delete the default rule HQ: quiet customers?" in html
    assert f'action="{delete_url}"' in html and "Stores that follow it stop running it" in html
    assert HqDefaultRule.objects.filter(pk=quiet_rule.pk).exists()  # asking deletes nothing

    response = client.post(delete_url, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 302 and response["Location"] == PAGE
    assert not HqDefaultRule.objects.exists()
    listing = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The default rule HQ: quiet customers was deleted; stores stop running it." in listing
    assert f'data-rule="{quiet_rule.pk}"' not in listing


def test_stores_stop_running_a_deleted_default_rule(page_client, users, quiet_rule, store_a, in_store):
    from tenant_apps.automation import services as automation_services
    from tenant_apps.automation.models import Rule

    with in_store(store_a):
        automation_services.inherit_hq_rules()
        assert Rule.objects.get(hq_rule_id=quiet_rule.pk).active is True
    page_client(users.hq_admin, None).post(f"{PAGE}{quiet_rule.pk}/delete/")
    with in_store(store_a):
        automation_services.inherit_hq_rules()
        assert Rule.objects.get(hq_rule_id=quiet_rule.pk).active is False


def test_an_executive_cannot_delete_a_rule(page_client, users, quiet_rule):
    client = page_client(users.hq_exec, None)
    delete_url = f"{PAGE}{quiet_rule.pk}/delete/"

    assert "/delete/" not in client.get(PAGE).content.decode()
    assert "/delete/" not in client.get(f"{PAGE}{quiet_rule.pk}/").content.decode()
    assert client.get(delete_url).status_code == 403
    assert client.post(delete_url).status_code == 403
    assert HqDefaultRule.objects.filter(pk=quiet_rule.pk).exists()


@pytest.mark.parametrize("who", ["a_admin", "nobody"])
def test_store_users_cannot_delete_a_rule(page_client, users, quiet_rule, who):
    assert page_client(users[who], None).post(f"{PAGE}{quiet_rule.pk}/delete/").status_code == 403
    assert HqDefaultRule.objects.filter(pk=quiet_rule.pk).exists()


def test_deleting_an_unknown_rule_is_404(page_client, users):
    assert page_client(users.hq_admin, None).post(f"{PAGE}999999/delete/").status_code == 404
