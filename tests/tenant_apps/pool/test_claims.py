"""Claims: the rules that refuse them, approval, rejection and the notifications of each step."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from shared_apps.platform.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from tenant_apps.customers.models import Customer
from tenant_apps.pool import services
from tenant_apps.pool.models import Claim, GradePolicy, Release
from tenant_apps.workspace.services import store_settings_update
from tests.factories.accounts import MembershipFactory, access_of
from tests.tenant_apps.pool.helpers import make_customer, notifications_of

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_claim_on_a_pool_customer_is_pending(store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer()
        claim = services.claim_create(customer_id=customer.pk, access=access_of(users.a_sales), reason="Called us")
        claim.refresh_from_db()
        assert (claim.status, claim.applicant_id, claim.reason) == ("pending", users.a_sales.pk, "Called us")
        assert Customer.objects.get(pk=customer.pk).owner_id is None


def test_claim_on_an_owned_customer_is_refused_not_in_pool(store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer(owner=users.a_sales2)
        with pytest.raises(Conflict) as exc:
            services.claim_create(customer_id=customer.pk, access=access_of(users.a_sales), reason="Mine")
        assert exc.value.code == "not_in_pool"
        assert not Claim.objects.exists()


def test_claim_without_a_reason_is_refused(store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer()
        with pytest.raises(ValidationFailed) as exc:
            services.claim_create(customer_id=customer.pk, access=access_of(users.a_sales), reason="   ")
        assert "reason" in exc.value.errors
        assert not Claim.objects.exists()


def test_claim_on_a_missing_customer_is_not_found(store_a, users, in_store):
    with in_store(store_a), pytest.raises(NotFound):
        services.claim_create(customer_id=999999, access=access_of(users.a_sales), reason="?")


def test_claim_over_the_ownership_cap_is_refused(store_a, users, in_store):
    with in_store(store_a):
        store_settings_update(pool_ownership_cap=2)
        make_customer(owner=users.a_sales)
        first = make_customer()
        services.claim_create(
            customer_id=first.pk, access=access_of(users.a_sales), reason="one"
        )  # 1 owned + 1 pending
        second = make_customer()
        with pytest.raises(Conflict) as exc:
            services.claim_create(customer_id=second.pk, access=access_of(users.a_sales), reason="two")
        assert exc.value.code == "ownership_cap"
        assert Claim.objects.filter(customer=second).count() == 0


def test_cap_of_zero_means_no_limit(store_a, users, in_store):
    with in_store(store_a):
        store_settings_update(pool_ownership_cap=0)
        for _ in range(3):
            make_customer(owner=users.a_sales)
        claim = services.claim_create(customer_id=make_customer().pk, access=access_of(users.a_sales), reason="ok")
        assert claim.status == "pending"


def test_daily_claim_limit_counts_claims_of_the_store_day(store_a, users, in_store):
    morning = datetime(2026, 3, 2, 0, 30, tzinfo=SHANGHAI)  # 16:30 UTC the day before
    with in_store(store_a):
        store_settings_update(pool_daily_claim_limit=2)
        for hours in (0, 1):
            services.claim_create(
                customer_id=make_customer().pk,
                access=access_of(users.a_sales),
                reason="r",
                at=morning + timedelta(hours=hours),
            )
        with pytest.raises(Conflict) as exc:
            services.claim_create(
                customer_id=make_customer().pk,
                access=access_of(users.a_sales),
                reason="r",
                at=morning + timedelta(hours=20),
            )
        assert exc.value.code == "daily_claim_limit"
        next_day = services.claim_create(
            customer_id=make_customer().pk,
            access=access_of(users.a_sales),
            reason="r",
            at=morning + timedelta(hours=24),
        )
        assert next_day.status == "pending"


def test_former_owner_cannot_reclaim_within_the_cooldown(store_a, users, in_store):
    released_at = timezone.now() - timedelta(days=5)
    with in_store(store_a):
        store_settings_update(pool_reclaim_cooldown_days=30)
        customer = make_customer(owner=users.a_sales)
        services.release_customer(
            customer_id=customer.pk, access=access_of(users.a_sales), reason="Busy", at=released_at
        )
        with pytest.raises(Conflict) as exc:
            services.claim_create(customer_id=customer.pk, access=access_of(users.a_sales), reason="Back")
        assert exc.value.code == "reclaim_cooldown"
        other = services.claim_create(customer_id=customer.pk, access=access_of(users.a_sales2), reason="Mine now")
        assert other.status == "pending"


def test_former_owner_may_reclaim_after_the_cooldown(store_a, users, in_store):
    with in_store(store_a):
        store_settings_update(pool_reclaim_cooldown_days=30)
        customer = make_customer(owner=users.a_sales)
        services.release_customer(
            customer_id=customer.pk,
            access=access_of(users.a_sales),
            reason="Busy",
            at=timezone.now() - timedelta(days=31),
        )
        assert (
            services.claim_create(customer_id=customer.pk, access=access_of(users.a_sales), reason="Back").status
            == "pending"
        )


def test_second_pending_claim_by_the_same_applicant_is_a_duplicate(store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer()
        services.claim_create(customer_id=customer.pk, access=access_of(users.a_sales), reason="one")
        with pytest.raises(Conflict) as exc:
            services.claim_create(customer_id=customer.pk, access=access_of(users.a_sales), reason="again")
        assert exc.value.code == "duplicate_claim"
        assert Claim.objects.filter(customer=customer).count() == 1


def test_filed_claim_notifies_the_team_supervisor(store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer(name="Wang Fang")
        services.claim_create(customer_id=customer.pk, access=access_of(users.a_sales), reason="Called")
        filed = notifications_of(users.a_supervisor, "pool.claim_filed")
        assert len(filed) == 1 and "Wang Fang" in filed[0].title
        assert filed[0].url == "/pool/claims/"
        assert notifications_of(users.a_admin, "pool.claim_filed") == []


def test_filed_claim_of_a_salesperson_without_team_notifies_every_supervisor_and_admin(store_a, users, in_store):
    loner = MembershipFactory(store=store_a, role="salesperson").user
    with in_store(store_a):
        services.claim_create(customer_id=make_customer().pk, access=access_of(loner), reason="Called")
        assert len(notifications_of(users.a_supervisor, "pool.claim_filed")) == 1
        assert len(notifications_of(users.a_admin, "pool.claim_filed")) == 1
        assert notifications_of(users.a_sales, "pool.claim_filed") == []


def test_approval_assigns_the_customer_with_a_return_visit_deadline(store_a, users, in_store):
    at = timezone.now()
    with in_store(store_a):
        GradePolicy.objects.create(grade="A", return_visit_days=3)
        customer = make_customer(grade="A")
        claim = services.claim_create(customer_id=customer.pk, access=access_of(users.a_sales), reason="r", at=at)
        services.claim_approve(claim_id=claim.pk, access=access_of(users.a_supervisor), at=at)
        customer.refresh_from_db()
        claim.refresh_from_db()
        assert customer.owner_id == users.a_sales.pk
        assert customer.owner_since == at
        assert customer.return_visit_deadline == at + timedelta(days=3)
        assert (claim.status, claim.decided_by_id, claim.decided_at) == ("approved", users.a_supervisor.pk, at)


def test_approval_rejects_the_other_pending_claims_as_claimed_by_another(store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer()
        first = services.claim_create(customer_id=customer.pk, access=access_of(users.a_sales), reason="r")
        second = services.claim_create(customer_id=customer.pk, access=access_of(users.a_sales2), reason="r")
        services.claim_approve(claim_id=first.pk, access=access_of(users.a_supervisor))
        second.refresh_from_db()
        assert (second.status, second.decision_reason) == ("rejected", "claimed by another")


def test_approval_notifies_the_applicant_and_the_losers(store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer()
        first = services.claim_create(customer_id=customer.pk, access=access_of(users.a_sales), reason="r")
        services.claim_create(customer_id=customer.pk, access=access_of(users.a_sales2), reason="r")
        services.claim_approve(claim_id=first.pk, access=access_of(users.a_supervisor))
        assert len(notifications_of(users.a_sales, "pool.claim_approved")) == 1
        assert len(notifications_of(users.a_sales2, "pool.claim_rejected")) == 1
        assert notifications_of(users.a_sales, "pool.claim_rejected") == []


def test_approving_an_already_decided_claim_is_an_invalid_transition(store_a, users, in_store):
    with in_store(store_a):
        claim = services.claim_create(customer_id=make_customer().pk, access=access_of(users.a_sales), reason="r")
        services.claim_reject(claim_id=claim.pk, access=access_of(users.a_supervisor), reason="No")
        with pytest.raises(InvalidTransition):
            services.claim_approve(claim_id=claim.pk, access=access_of(users.a_supervisor))
        claim.refresh_from_db()
        assert claim.status == "rejected"
        assert Customer.objects.get(pk=claim.customer_id).owner_id is None


def test_approving_a_claim_on_a_customer_owned_meanwhile_rejects_it_as_claimed_by_another(store_a, users, in_store):
    with in_store(store_a):
        customer = make_customer()
        claim = services.claim_create(customer_id=customer.pk, access=access_of(users.a_sales), reason="r")
        Customer.objects.filter(pk=customer.pk).update(owner=users.a_sales2, owner_since=timezone.now())
        with pytest.raises(Conflict) as exc:
            services.claim_approve(claim_id=claim.pk, access=access_of(users.a_supervisor))
        assert exc.value.code == "claimed_by_another"
        claim.refresh_from_db()
        assert (claim.status, claim.decision_reason) == ("rejected", "claimed by another")
        assert Customer.objects.get(pk=customer.pk).owner_id == users.a_sales2.pk


def test_approval_checks_the_cap_again(store_a, users, in_store):
    with in_store(store_a):
        store_settings_update(pool_ownership_cap=1)
        claim = services.claim_create(customer_id=make_customer().pk, access=access_of(users.a_sales), reason="r")
        make_customer(owner=users.a_sales)  # assigned meanwhile by other means
        with pytest.raises(Conflict) as exc:
            services.claim_approve(claim_id=claim.pk, access=access_of(users.a_supervisor))
        assert exc.value.code == "ownership_cap"
        claim.refresh_from_db()
        assert claim.status == "pending"


def test_nobody_decides_their_own_claim(store_a, users, in_store):
    with in_store(store_a):
        claim = services.claim_create(customer_id=make_customer().pk, access=access_of(users.a_supervisor), reason="r")
        with pytest.raises(PermissionDenied):
            services.claim_approve(claim_id=claim.pk, access=access_of(users.a_supervisor))
        claim.refresh_from_db()
        assert claim.status == "pending"


def test_rejection_needs_a_reason_and_notifies_the_applicant(store_a, users, in_store):
    with in_store(store_a):
        claim = services.claim_create(customer_id=make_customer().pk, access=access_of(users.a_sales), reason="r")
        with pytest.raises(ValidationFailed):
            services.claim_reject(claim_id=claim.pk, access=access_of(users.a_supervisor), reason="")
        services.claim_reject(claim_id=claim.pk, access=access_of(users.a_supervisor), reason="Not your region")
        claim.refresh_from_db()
        assert (claim.status, claim.decision_reason) == ("rejected", "Not your region")
        rejected = notifications_of(users.a_sales, "pool.claim_rejected")
        assert len(rejected) == 1 and "Not your region" in rejected[0].body


def test_rejecting_a_decided_claim_is_an_invalid_transition(store_a, users, in_store):
    with in_store(store_a):
        claim = services.claim_create(customer_id=make_customer().pk, access=access_of(users.a_sales), reason="r")
        services.claim_approve(claim_id=claim.pk, access=access_of(users.a_supervisor))
        with pytest.raises(InvalidTransition):
            services.claim_reject(claim_id=claim.pk, access=access_of(users.a_supervisor), reason="late")


def test_applicant_may_withdraw_a_pending_claim(store_a, users, in_store):
    with in_store(store_a):
        claim = services.claim_create(customer_id=make_customer().pk, access=access_of(users.a_sales), reason="r")
        with pytest.raises(NotFound):
            services.claim_cancel(claim_id=claim.pk, access=access_of(users.a_sales2))
        services.claim_cancel(claim_id=claim.pk, access=access_of(users.a_sales))
        claim.refresh_from_db()
        assert claim.status == "cancelled"


def test_reassign_moves_releases_and_claims_to_the_survivor(store_a, users, in_store):
    with in_store(store_a):
        merged = make_customer(owner=users.a_sales)
        services.release_customer(customer_id=merged.pk, access=access_of(users.a_sales), reason="bye")
        kept = services.claim_create(customer_id=merged.pk, access=access_of(users.a_sales2), reason="r")
        survivor = make_customer()
        duplicate_target = services.claim_create(customer_id=survivor.pk, access=access_of(users.a_sales2), reason="r")

        services.pool_reassign_customer(from_customer_id=merged.pk, to_customer_id=survivor.pk)

        assert Release.objects.filter(customer=survivor).count() == 1
        assert not Claim.objects.filter(customer=merged).exists()
        kept.refresh_from_db()
        duplicate_target.refresh_from_db()
        assert (kept.customer_id, kept.status) == (survivor.pk, "cancelled")
        assert duplicate_target.status == "pending"
