"""Sending the deliveries: one runner per endpoint, retries with backoff for 24 hours, per-entity
order, an endpoint disabled after 3 days of failures."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.roles import StoreRole
from shared_apps.accounts.selectors import member_list
from shared_apps.platform import runners
from tenant_apps.notifications.services import notify
from tenant_apps.webhooks import sending
from tenant_apps.webhooks.models import Delivery, Endpoint
from tenant_apps.webhooks.services.common import _after_commit_deliver, endpoint_key
from tenants.storetime import current_store

logger = logging.getLogger(__name__)


BACKOFF = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
)
RETRY_FOR = timedelta(hours=24)
DISABLE_AFTER = timedelta(days=3)
# Deliveries of one endpoint sent at the same time (different entities only: see ``due``).
PARALLEL = 8
# How long one task keeps sending for one endpoint before it hands over to a fresh task.
TASK_BUDGET_SECONDS = 50


def due(*, endpoint_id: int, at: datetime, limit: int = PARALLEL) -> list[Delivery]:
    """The endpoint's deliveries to send now, oldest first: pending, due, and (automatic ones) with
    no earlier pending delivery of the same entity. At most one per entity, so they may be sent
    at the same time."""
    earlier = Delivery.objects.filter(
        endpoint_id=endpoint_id,
        status=Delivery.Status.PENDING,
        manual=False,
        entity=OuterRef("entity"),
        entity_id=OuterRef("entity_id"),
        id__lt=OuterRef("id"),
    )
    return list(
        Delivery.objects.filter(endpoint_id=endpoint_id, status=Delivery.Status.PENDING, next_attempt_at__lte=at)
        .filter(Q(manual=True) | ~Exists(earlier))
        .order_by("id")[:limit]
    )


def next_attempt(*, first_attempt_at: datetime, attempts: int, at: datetime) -> datetime | None:
    """When to try again after ``attempts`` failed attempts (None: give up)."""
    deadline = first_attempt_at + RETRY_FOR
    if at >= deadline:
        return None
    delay = BACKOFF[min(attempts - 1, len(BACKOFF) - 1)]
    return min(at + delay, deadline)


def deliver_due(*, endpoint_id: int, budget_seconds: float = TASK_BUDGET_SECONDS) -> dict:
    """Send the endpoint's due deliveries (one runner per endpoint at a time, running again if
    deliveries fell due as it finished: ``platform.runners``). Returns counts, and ``more: True``
    when the time budget ran out with deliveries still due."""
    started = timezone.now()
    totals = {"sent": 0, "succeeded": 0}

    def work() -> dict:
        left = budget_seconds - (timezone.now() - started).total_seconds()
        outcome = _deliver_for(endpoint_id, budget_seconds=max(left, 0.0))
        totals["sent"] += outcome["sent"]
        totals["succeeded"] += outcome["succeeded"]
        return outcome

    def more() -> bool:
        if (timezone.now() - started).total_seconds() > budget_seconds:
            return False  # the next task takes over (``_deliver_for`` queued it)
        active = Endpoint.objects.filter(pk=endpoint_id, active=True).exists()
        return active and bool(due(endpoint_id=endpoint_id, at=timezone.now(), limit=1))

    rounds = runners.run_alone(endpoint_key(endpoint_id), work, more=more)
    if rounds is None:
        return dict(runners.BUSY)
    return {**totals, **({"more": True} if any(r.get("more") for r in rounds) else {})}


def _deliver_for(endpoint_id: int, *, budget_seconds: float) -> dict:
    """One runner's round: send due batches until none is left or the budget is spent."""
    sent = succeeded = 0
    started = timezone.now()
    while True:
        endpoint = Endpoint.objects.filter(pk=endpoint_id, active=True).first()
        if endpoint is None:
            break
        batch = due(endpoint_id=endpoint_id, at=timezone.now())
        if not batch:
            break
        outcomes = _send_all(endpoint, batch)
        for delivery, outcome in zip(batch, outcomes, strict=True):
            _record(endpoint_id=endpoint_id, delivery_id=delivery.pk, outcome=outcome)
        sent += len(batch)
        succeeded += sum(1 for outcome in outcomes if outcome.ok)
        if (timezone.now() - started).total_seconds() > budget_seconds:
            if due(endpoint_id=endpoint_id, at=timezone.now(), limit=1):
                _after_commit_deliver({endpoint_id})
                return {"sent": sent, "succeeded": succeeded, "more": True}
            break
    return {"sent": sent, "succeeded": succeeded}


def _send_all(endpoint: Endpoint, batch: list[Delivery]) -> list[sending.Outcome]:
    def one(delivery: Delivery) -> sending.Outcome:
        return sending.send(
            endpoint.url, msg_id=str(delivery.event_id), body=delivery.body, secret=endpoint.secret, at=timezone.now()
        )

    if len(batch) == 1:
        return [one(batch[0])]
    with ThreadPoolExecutor(max_workers=min(PARALLEL, len(batch))) as pool:
        return list(pool.map(one, batch))


def _record(*, endpoint_id: int, delivery_id: int, outcome: sending.Outcome) -> None:
    """Write one attempt's outcome, and the endpoint's failure clock (disabling it after 3 days)."""
    at = timezone.now()
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        endpoint = Endpoint.objects.select_for_update().filter(pk=endpoint_id).first()
        if delivery is None or endpoint is None or delivery.status != Delivery.Status.PENDING:
            return
        delivery.attempt += 1
        delivery.first_attempt_at = delivery.first_attempt_at or at
        delivery.last_attempt_at = at
        delivery.response_status = outcome.status
        delivery.response_body = outcome.body
        delivery.duration_ms = outcome.duration_ms
        delivery.error = outcome.error[:300]
        if outcome.ok:
            delivery.status = Delivery.Status.SUCCEEDED
            delivery.next_attempt_at = None
            endpoint.failing_since = None
        else:
            retry = (
                None
                if delivery.manual
                else next_attempt(first_attempt_at=delivery.first_attempt_at, attempts=delivery.attempt, at=at)
            )
            delivery.status = Delivery.Status.PENDING if retry else Delivery.Status.FAILED
            delivery.next_attempt_at = retry
            endpoint.failing_since = endpoint.failing_since or at
            if endpoint.active and at - endpoint.failing_since >= DISABLE_AFTER:
                _disable(endpoint, at=at)
        delivery.save()
        endpoint.save(update_fields=["failing_since", "active", "disabled_reason", "updated_at"])


def _disable(endpoint: Endpoint, *, at: datetime) -> None:
    endpoint.active = False
    endpoint.disabled_reason = _("Every delivery failed for 3 days.")
    admins = [m.user_id for m in member_list(store=current_store()) if m.role == StoreRole.ADMIN and m.is_active]
    notify(
        recipients=admins,
        kind="webhooks.endpoint_disabled",
        title=gettext_lazy("A webhook endpoint was disabled"),
        body=format_disabled(endpoint),
        url=f"/settings/webhooks/{endpoint.pk}/",
        data={"endpoint": endpoint.pk},
        email=True,
    )
    logger.warning("webhook endpoint %s disabled after 3 days of failures", endpoint.pk)


def format_disabled(endpoint: Endpoint) -> str:
    return _("%(url)s failed every delivery for 3 days and was switched off. Switch it on again once it answers.") % {
        "url": endpoint.url
    }


def sweep() -> dict:
    """Queue a delivery task for every active endpoint with something due (retries, and anything a
    lost task or a dead worker left pending)."""
    now = timezone.now()
    ids = list(
        Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now, endpoint__active=True)
        .values_list("endpoint_id", flat=True)
        .distinct()
    )
    if ids:
        _after_commit_deliver(set(ids))
    return {"endpoints": len(ids)}
