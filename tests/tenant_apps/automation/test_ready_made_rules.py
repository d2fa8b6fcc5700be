"""The five ready-made rules, each switched on by the store admin and driven by
``manage.py run_job automation.run_schedules --at``: each fires exactly once for its occurrence,
not again when the job runs again (same moment, or an hour later), and tells the right people."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tenant_apps.automation import services, templates
from tenant_apps.automation.models import RuleRun
from tenant_apps.notifications.models import Notification
from tenant_apps.sales.models import Delivery, Order, Quotation
from tests.dates import store_today
from tests.factories import access_of
from tests.factories.sales import make_customer, make_order, make_product

pytestmark = pytest.mark.django_db


def run_job(store, at) -> str:
    out = StringIO()
    call_command(
        "run_job",
        "automation.run_schedules",
        "--store",
        store.subdomain,
        "--at",
        at.isoformat(),
        stdout=out,
        stderr=out,
    )
    return out.getvalue()


def switch_on(users, template: str, **params):
    return services.rule_create(data={"template": template, "params": params}, access=access_of(users.a_admin))


def runs_of(rule):
    return list(RuleRun.objects.filter(rule=rule).values_list("occurrence", "outcome"))


def fires_once(store, in_store, rule, at, later: timedelta = timedelta(hours=1)) -> list:
    """Run the job three times (twice at ``at``, once ``later``); return the rule's runs."""
    run_job(store, at)
    with in_store(store):
        first = runs_of(rule)
    run_job(store, at)
    run_job(store, at + later)
    with in_store(store):
        assert runs_of(rule) == first
    return first


def alerts(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient_id=user.pk, kind="automation.alert"))


def test_dispatch_failure_fires_once_for_an_order_not_shipped_in_time(store_a, users, in_store):
    at = timezone.now()
    with in_store(store_a):
        rule = switch_on(users, "dispatch_failure", hours=24)
        customer = make_customer(owner=users.a_sales)
        late = make_order(
            customer=customer,
            owner=users.a_sales,
            lines=[(make_product(), 1, "500.00")],
            signed_at=at - timedelta(hours=30),
        )
        make_order(
            customer=customer,
            owner=users.a_sales,
            lines=[(make_product(), 1, "80.00")],
            signed_at=at - timedelta(hours=2),
        )
    runs = fires_once(store_a, in_store, rule, at)
    assert len(runs) == 1 and runs[0][1] == "fired" and runs[0][0].startswith(f"order:{late.pk}:")
    with in_store(store_a):
        assert len(alerts(users.a_sales)) == 1 and late.number in alerts(users.a_sales)[0].title
        assert len(alerts(users.a_warehouse)) == 1 and len(alerts(users.a_supervisor)) == 1


def test_dispatch_failure_fires_once_for_a_delivery_marked_failed(store_a, users, in_store, api):
    at = timezone.now()
    with in_store(store_a):
        rule = switch_on(users, "dispatch_failure", hours=24)
        customer = make_customer(owner=users.a_sales)
        order = make_order(
            customer=customer,
            owner=users.a_sales,
            lines=[(make_product(), 1, "500.00")],
            status=Order.Status.PENDING_RECEIPT,
            signed_at=at - timedelta(hours=3),
        )
        delivery = Delivery.objects.create(
            order=order, status=Delivery.Status.SHIPPED, carrier="SF", tracking_number="SF1"
        )
    response = api(users.a_warehouse, store_a).post(
        f"/api/v1/deliveries/{delivery.pk}/fail", {"reason": "拒收"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "failed" and response.json()["failure_reason"] == "拒收"
    runs = fires_once(store_a, in_store, rule, timezone.now())
    assert [occurrence.split(":")[:3] for occurrence, _outcome in runs] == [["delivery", str(delivery.pk), "failed"]]


def test_receivable_overdue_fires_once_per_order_and_due_date(store_a, users, in_store):
    at = timezone.now()
    with in_store(store_a):
        rule = switch_on(users, "receivable_overdue", days=2)
        customer = make_customer(owner=users.a_sales)
        overdue = make_order(
            customer=customer,
            owner=users.a_sales,
            lines=[(make_product(), 2, "300.00")],
            status=Order.Status.AWAITING_PAYMENT,
            due_date=store_today() - timedelta(days=5),
        )
        make_order(
            customer=customer,
            owner=users.a_sales,
            lines=[(make_product(), 1, "300.00")],
            status=Order.Status.AWAITING_PAYMENT,
            due_date=store_today() - timedelta(days=1),
        )
    runs = fires_once(store_a, in_store, rule, at)
    assert [o for o, _ in runs] == [f"order:{overdue.pk}:overdue:{overdue.due_date.isoformat()}"]
    with in_store(store_a):
        assert len(alerts(users.a_finance)) == 1 and len(alerts(users.a_sales)) == 1


def test_gtv_drop_fires_once_per_period_for_the_store(store_a, users, in_store):
    at = timezone.now()
    with in_store(store_a):
        rule = switch_on(users, "gtv_drop", days=7, percent="50", scope="store")
        previous_start, start, _end = templates.gtv_periods(at, 7)
        customer = make_customer(owner=users.a_sales)
        product = make_product()
        make_order(
            customer=customer,
            owner=users.a_sales,
            lines=[(product, 10, "100.00")],
            signed_at=previous_start + timedelta(days=1),
            status=Order.Status.COMPLETED,
        )
        make_order(
            customer=customer,
            owner=users.a_sales,
            lines=[(product, 2, "100.00")],
            signed_at=start + timedelta(days=1),
            status=Order.Status.COMPLETED,
        )
        # An hour later, unless that is already the next period (which is another occurrence).
        later = timedelta(hours=1) if templates.gtv_periods(at + timedelta(hours=1), 7)[1] == start else timedelta(0)
    runs = fires_once(store_a, in_store, rule, at, later=later)
    assert [o.split(":")[:2] for o, _ in runs] == [["store", "gmv_drop"]]
    with in_store(store_a):
        assert len(alerts(users.a_admin)) == 1 and "200.00" in alerts(users.a_admin)[0].title


def test_gtv_drop_does_not_fire_without_a_drop(store_a, users, in_store):
    at = timezone.now()
    with in_store(store_a):
        rule = switch_on(users, "gtv_drop", days=7, percent="50", scope="customer")
        previous_start, start, _end = templates.gtv_periods(at, 7)
        customer = make_customer(owner=users.a_sales)
        product = make_product()
        make_order(
            customer=customer,
            owner=users.a_sales,
            lines=[(product, 10, "100.00")],
            signed_at=previous_start + timedelta(days=1),
        )
        make_order(
            customer=customer, owner=users.a_sales, lines=[(product, 6, "100.00")], signed_at=start + timedelta(days=1)
        )
    assert fires_once(store_a, in_store, rule, at) == []


def test_customer_gone_quiet_fires_once_per_quiet_spell(store_a, users, in_store):
    at = timezone.now()
    with in_store(store_a):
        rule = switch_on(users, "customer_quiet", days=30)
        quiet = make_customer(owner=users.a_sales, last_follow_up_at=at - timedelta(days=35))
        quiet.owner_since = at - timedelta(days=60)
        quiet.save(update_fields=["owner_since"])
        make_customer(owner=users.a_sales, last_follow_up_at=at - timedelta(days=3))
        make_customer(owner=None, last_follow_up_at=at - timedelta(days=90))  # in the pool: nobody to tell
    runs = fires_once(store_a, in_store, rule, at)
    assert [o.split(":")[:3] for o, _ in runs] == [["customer", str(quiet.pk), "quiet_since"]]
    with in_store(store_a):
        assert len(alerts(users.a_sales)) == 1


def test_quotation_awaiting_approval_too_long_fires_once_per_submission(store_a, users, in_store):
    at = timezone.now()
    with in_store(store_a):
        rule = switch_on(users, "quotation_waiting", hours=24)
        customer = make_customer(owner=users.a_sales)
        waiting = Quotation.objects.create(
            number="Q-AUTO-1",
            customer=customer,
            owner=users.a_sales,
            status=Quotation.Status.PENDING_APPROVAL,
            valid_until=store_today() + timedelta(days=10),
            amount=Decimal("900.00"),
            submitted_at=at - timedelta(hours=30),
        )
        Quotation.objects.create(
            number="Q-AUTO-2",
            customer=customer,
            owner=users.a_sales,
            status=Quotation.Status.PENDING_APPROVAL,
            valid_until=store_today() + timedelta(days=10),
            submitted_at=at - timedelta(hours=3),
        )
    runs = fires_once(store_a, in_store, rule, at)
    assert [o for o, _ in runs] == [f"quotation:{waiting.pk}:pending_since:{waiting.submitted_at.isoformat()}"]
    with in_store(store_a):
        assert len(alerts(users.a_supervisor)) == 1 and len(alerts(users.a_admin)) == 1


def test_a_switched_off_rule_does_not_fire(store_a, users, in_store):
    at = timezone.now()
    with in_store(store_a):
        rule = services.rule_create(
            data={"template": "customer_quiet", "active": False}, access=access_of(users.a_admin)
        )
        make_customer(owner=users.a_sales, last_follow_up_at=at - timedelta(days=90))
    run_job(store_a, at)
    with in_store(store_a):
        assert runs_of(rule) == []


def test_rules_of_one_store_do_not_see_another_store(store_a, store_b, users, in_store):
    at = timezone.now()
    with in_store(store_a):
        rule = switch_on(users, "customer_quiet", days=30)
    with in_store(store_b):
        make_customer(owner=users.b_sales, last_follow_up_at=at - timedelta(days=90))
    run_job(store_a, at)
    with in_store(store_a):
        assert runs_of(rule) == []
