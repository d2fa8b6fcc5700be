"""Lead pages: the list with filters, the form, a lead's page and its actions; visibility."""

from __future__ import annotations

import pytest

from tenant_apps.leads.models import Lead

pytestmark = pytest.mark.django_db


def test_take_in_a_lead_by_hand_and_work_it(page_client, store_a, users, in_store):
    admin = page_client(users.a_admin, store_a)
    assert admin.get("/leads/new/").status_code == 200
    refused = admin.post("/leads/new/", {"name": "No contact", "channel": "tmall"})
    assert refused.status_code == 400
    assert "Give a mobile number" in refused.content.decode() or "手机号" in refused.content.decode()
    response = admin.post("/leads/new/", {"name": "Mr Zhao", "mobile": "13800138021", "channel": "jd"})
    assert response.status_code == 302
    with in_store(store_a):
        lead = Lead.objects.get()
    listed = admin.get("/leads/?channel=jd&status=new")
    assert listed.status_code == 200 and "Mr Zhao" in listed.content.decode()
    assert "Mr Zhao" not in admin.get("/leads/?channel=tmall").content.decode()
    owner = users.a_sales if lead.owner_id == users.a_sales.pk else users.a_sales2
    other = users.a_sales2 if owner is users.a_sales else users.a_sales
    assert page_client(other, store_a).get(f"/leads/{lead.pk}/").status_code == 404
    client = page_client(owner, store_a)
    assert client.get(f"/leads/{lead.pk}/").status_code == 200
    assert client.post(f"/leads/{lead.pk}/", {"action": "lose", "reason": ""}).status_code == 400
    assert client.post(f"/leads/{lead.pk}/", {"action": "convert"}).status_code == 302
    with in_store(store_a):
        lead.refresh_from_db()
        assert lead.status == "converted" and lead.customer.owner_id == owner.pk


def test_the_list_filters_by_queue_for_supervisors(page_client, store_a, users):
    response = page_client(users.a_supervisor, store_a).get("/leads/?owner=none", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="leads-table"' in response.content.decode()
    assert page_client(users.a_warehouse, store_a).get("/leads/").status_code == 403


def test_store_admins_edit_the_distribution_rules_on_a_page(page_client, store_a, users, in_store):
    from tenant_apps.leads.models import DistributionRule, LeadAgent, LeadSettings

    admin = page_client(users.a_admin, store_a)
    assert admin.get("/leads/rules/").status_code == 200
    saved = admin.post(
        "/leads/rules/",
        {"action": "settings", "first_response_minutes": "45", "open_lead_cap": "12", "enquiries_from_leads": "on"},
    )
    assert saved.status_code == 302
    added = admin.post(
        "/leads/rules/",
        {
            "action": "add_rule",
            "name": "JD grade A",
            "priority": "5",
            "channel": "jd",
            "grade": "A",
            "province": "浙江",
            "members": [str(users.a_sales2.pk)],
        },
    )
    assert added.status_code == 302
    assert (
        admin.post("/leads/rules/", {"action": "duty", "user": users.a_sales.pk, "on_duty": "false"}).status_code == 302
    )
    with in_store(store_a):
        settings = LeadSettings.objects.get()
        assert (settings.first_response_minutes, settings.open_lead_cap, settings.enquiries_from_leads) == (
            45,
            12,
            True,
        )
        rule = DistributionRule.objects.get()
        assert (rule.name, rule.priority, rule.channel.code, rule.grade, rule.province, rule.members) == (
            "JD grade A",
            5,
            "jd",
            "A",
            "浙江",
            [users.a_sales2.pk],
        )
        assert LeadAgent.objects.get(user_id=users.a_sales.pk).on_duty is False
    page = admin.get("/leads/rules/").content.decode()
    assert "JD grade A" in page and 'value="45"' in page
    assert admin.post("/leads/rules/", {"action": "delete_rule", "rule": rule.pk}).status_code == 302
    with in_store(store_a):
        assert not DistributionRule.objects.exists()


def test_a_bad_rule_is_refused_on_the_page_and_changes_nothing(page_client, store_a, users, in_store):
    from tenant_apps.leads.models import DistributionRule, LeadSettings

    admin = page_client(users.a_admin, store_a)
    refused = admin.post("/leads/rules/", {"action": "add_rule", "name": "Nobody", "priority": "1"})
    assert refused.status_code == 400
    assert 'data-testid="rules-error"' in refused.content.decode()
    bad = admin.post("/leads/rules/", {"action": "settings", "first_response_minutes": "-3", "open_lead_cap": "x"})
    assert bad.status_code == 400
    with in_store(store_a):
        assert not DistributionRule.objects.exists()
        assert LeadSettings.objects.filter(first_response_minutes=-3).count() == 0


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_rules_page_speaks_both_languages(page_client, store_a, users, language):
    page = page_client(users.a_admin, store_a).get("/leads/rules/", HTTP_ACCEPT_LANGUAGE=language)
    html = page.content.decode()
    assert page.status_code == 200
    assert ("Distribution rules" in html) == (language == "en")
    assert ("分配规则" in html) == (language == "zh-hans")


def test_only_store_admins_open_the_rules_page(page_client, store_a, users):
    assert page_client(users.a_supervisor, store_a).get("/leads/rules/").status_code == 403
    assert page_client(users.a_sales, store_a).get("/leads/rules/").status_code == 403
