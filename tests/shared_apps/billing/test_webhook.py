"""The Stripe webhook: signatures verified by the SDK, each event once, in Stripe's order, and the
store's status following the billing state without undoing HQ's decisions."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from shared_apps.billing.models import Account, Plan, WebhookEvent
from shared_apps.billing.services import enforce_grace
from tenants.models import Store
from tests.shared_apps.billing.conftest import event, sign

pytestmark = pytest.mark.django_db

CUSTOMER = "cus_test_1"
SUBSCRIPTION = "sub_test_1"


@pytest.fixture
def account(store_a, stripe_on):
    return Account.objects.create(
        company="Alpha Ltd",
        plan=Plan.objects.get(code="standard"),
        store=store_a,
        state=Account.State.ACTIVE,
        stripe_customer_id=CUSTOMER,
        stripe_subscription_id=SUBSCRIPTION,
    )


def subscription(status: str, *, sub_id: str = SUBSCRIPTION, price: str = "price_standard_test") -> dict:
    return {
        "id": sub_id,
        "object": "subscription",
        "customer": CUSTOMER,
        "status": status,
        "items": {"data": [{"price": {"id": price}}]},
        "metadata": {},
    }


def invoice() -> dict:
    return {"id": "in_1", "object": "invoice", "customer": CUSTOMER, "subscription": SUBSCRIPTION}


def reload(account: Account) -> Account:
    return Account.objects.select_related("store", "plan").get(pk=account.pk)


NOW = int(time.time())


def test_a_signed_payment_failure_makes_the_account_past_due(account, post_event):
    response = post_event(event("invoice.payment_failed", invoice(), created=NOW))

    assert (response.status_code, response.json()["outcome"]) == (200, "applied")
    account = reload(account)
    assert account.state == "past_due"
    assert account.past_due_since is not None
    assert account.store.status == "active"  # writes keep working during the grace period


def test_a_forged_signature_is_400_and_changes_nothing(account, post_event):
    payload = event("customer.subscription.deleted", subscription("canceled"), created=NOW)

    response = post_event(payload, signature=sign(payload, secret="whsec_attacker"))

    assert (response.status_code, response.json()["code"]) == (400, "bad_signature")
    assert reload(account).state == "active"
    assert not WebhookEvent.objects.exists()


def test_a_payload_changed_after_signing_is_refused(account, post_event):
    payload = event("customer.subscription.deleted", subscription("canceled"), created=NOW)
    signature = sign(payload)

    response = post_event(payload.replace("canceled", "active"), signature=signature)

    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


def test_an_old_signature_timestamp_is_refused(account, post_event):
    payload = event("invoice.payment_failed", invoice(), created=NOW)

    response = post_event(payload, signature=sign(payload, at=NOW - 3600))

    assert response.status_code == 400
    assert reload(account).state == "active"


def test_a_missing_signature_is_refused(account, post_event):
    response = post_event(event("invoice.payment_failed", invoice(), created=NOW), signature="")

    assert response.status_code == 400


def test_without_a_webhook_secret_every_event_is_refused(account, post_event, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""

    response = post_event(event("invoice.payment_failed", invoice(), created=NOW))

    assert response.status_code == 400
    assert reload(account).state == "active"


def test_a_replayed_event_is_processed_once(account, post_event):
    payload = event("invoice.payment_failed", invoice(), created=NOW, event_id="evt_once")
    post_event(payload)
    Account.objects.filter(pk=account.pk).update(state="active", past_due_since=None)

    response = post_event(payload)

    assert (response.status_code, response.json()["outcome"]) == (200, "duplicate")
    assert reload(account).state == "active"
    assert WebhookEvent.objects.filter(event_id="evt_once").count() == 1


def test_an_older_event_arriving_late_changes_nothing(account, post_event):
    post_event(event("customer.subscription.updated", subscription("active"), created=NOW))

    response = post_event(event("invoice.payment_failed", invoice(), created=NOW - 60))

    assert response.json()["outcome"] == "stale"
    assert reload(account).state == "active"


def test_events_in_stripe_order_apply_whatever_the_arrival(account, post_event):
    post_event(event("invoice.paid", invoice(), created=NOW + 10))  # newest first
    post_event(event("invoice.payment_failed", invoice(), created=NOW))

    assert reload(account).state == "active"


def test_a_deleted_subscription_cancels_and_makes_the_store_read_only(account, post_event):
    post_event(event("customer.subscription.deleted", subscription("canceled"), created=NOW))

    account = reload(account)
    assert account.state == "cancelled"
    assert account.store.status == "read_only"
    assert account.store_locked_by_billing


def test_a_cancelled_store_answers_423_to_writes_and_keeps_reads(account, post_event, api, users):
    post_event(event("customer.subscription.deleted", subscription("canceled"), created=NOW))
    client = api(users.a_admin, reload(account).store)

    write = client.post("/api/v1/channels", {"name": "Shop", "platform": "tmall", "code": "t2"}, format="json")
    assert (write.status_code, write.json()["code"]) == (423, "tenant_read_only")
    assert client.get("/api/v1/channels").status_code == 200


def test_a_subscription_update_changes_the_plan_by_its_price(account, post_event):
    post_event(event("customer.subscription.updated", subscription("active", price="price_pro_test"), created=NOW))

    assert reload(account).plan.code == "pro"


def test_checkout_completed_activates_the_subscription_and_plan(account, post_event):
    Account.objects.filter(pk=account.pk).update(state="trialing", stripe_subscription_id="")
    session = {
        "id": "cs_1",
        "object": "checkout.session",
        "customer": CUSTOMER,
        "subscription": "sub_new",
        "client_reference_id": str(account.pk),
        "metadata": {"account": str(account.pk), "plan": "pro"},
    }

    post_event(event("checkout.session.completed", session, created=NOW))

    account = reload(account)
    assert (account.state, account.plan.code, account.stripe_subscription_id) == ("active", "pro", "sub_new")


def test_an_event_of_another_subscription_does_not_cancel_the_current_one(account, post_event):
    response = post_event(
        event("customer.subscription.deleted", subscription("canceled", sub_id="sub_old"), created=NOW)
    )

    assert response.json()["outcome"] == "other_subscription"
    assert reload(account).state == "active"


def test_an_event_for_an_unknown_customer_is_acknowledged(stripe_on, post_event):
    obj = {**invoice(), "customer": "cus_nobody"}

    response = post_event(event("invoice.payment_failed", obj, created=NOW))

    assert (response.status_code, response.json()["outcome"]) == (200, "unknown_account")


def test_past_due_beyond_grace_becomes_read_only_and_a_paid_invoice_reopens(account, post_event, settings):
    settings.BILLING_GRACE_DAYS = 7
    post_event(event("invoice.payment_failed", invoice(), created=NOW))
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        result = enforce_grace(at=timezone.now())
    assert result["read_only"] == 1
    assert reload(account).store.status == "read_only"

    post_event(event("invoice.paid", invoice(), created=NOW + 8 * 86400))

    account = reload(account)
    assert (account.state, account.store.status) == ("active", "active")


def test_grace_job_leaves_an_account_within_grace_alone(account, post_event, settings):
    settings.BILLING_GRACE_DAYS = 7
    post_event(event("invoice.payment_failed", invoice(), created=NOW))

    enforce_grace(at=timezone.now() + timedelta(days=6))

    assert (reload(account).state, reload(account).store.status) == ("past_due", "active")


def test_an_ended_trial_without_subscription_becomes_past_due(store_a, stripe_on):
    account = Account.objects.create(
        company="Alpha Ltd",
        plan=Plan.objects.get(code="trial"),
        store=store_a,
        state="trialing",
        trial_ends_at=timezone.now() - timedelta(days=1),
    )

    enforce_grace(at=timezone.now())

    assert reload(account).state == "past_due"


def test_billing_never_lifts_an_hq_suspension(account, post_event):
    post_event(event("customer.subscription.deleted", subscription("canceled"), created=NOW))
    Store.objects.filter(pk=account.store_id).update(status="suspended")
    post_event(event("customer.subscription.created", subscription("active", sub_id="sub_2"), created=NOW + 5))

    account = reload(account)
    assert account.state == "active"
    assert account.store.status == "suspended"


def test_billing_does_not_reopen_a_store_hq_made_read_only(account, post_event):
    Store.objects.filter(pk=account.store_id).update(status="read_only")
    post_event(event("invoice.payment_failed", invoice(), created=NOW))

    post_event(event("invoice.paid", invoice(), created=NOW + 5))

    assert reload(account).store.status == "read_only"


def test_the_grace_job_does_nothing_with_billing_off(account, settings):
    settings.STRIPE_SECRET_KEY = ""
    Account.objects.filter(pk=account.pk).update(state="past_due", past_due_since=timezone.now() - timedelta(days=30))

    enforce_grace(at=timezone.now())

    assert reload(account).store.status == "active"


def test_the_grace_job_runs_by_hand(account, post_event, settings):
    from io import StringIO

    from django.core.management import call_command

    settings.BILLING_GRACE_DAYS = 7
    post_event(event("invoice.payment_failed", invoice(), created=NOW))
    at = (timezone.now() + timedelta(days=8)).isoformat()

    call_command("run_job", "billing.enforce_grace", "--at", at, stdout=StringIO())

    assert reload(account).store.status == "read_only"


@pytest.mark.parametrize("payload", ["not json", '{"id": "evt_x", "type": "invoice.paid"}', '{"id": "evt_y"}'])
def test_a_signed_body_that_is_not_an_event_is_400(account, post_event, payload):
    response = post_event(payload)

    assert (response.status_code, response.json()["code"]) == (400, "validation_error")
    assert not WebhookEvent.objects.exists()
