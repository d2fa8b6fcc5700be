"""Outgoing webhooks: endpoints, the consumer that turns the store's events into deliveries, and
the delivery loop (retries with backoff for 24 hours, per-entity order, auto-disable).

How a delivery travels:

1. the event log's consumer ``webhooks`` (``consume``) reads events after its cursor and, in one
   transaction, writes a ``Delivery`` per subscribed active endpoint and moves the cursor (a
   unique constraint on (endpoint, event) makes a second run harmless);
2. after that commit, one Celery task per endpoint (``tasks.deliver_endpoint``, queue ``webhooks``)
   sends that endpoint's due deliveries (``deliver_due``): a slow endpoint only ever occupies its
   own task, never another endpoint's or another store's;
3. a delivery for an entity waits while an earlier automatic delivery of the same entity to the
   same endpoint is pending, so an integrator sees one order's events in order;
4. a failure is retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, ... until 24 hours after the
   first attempt (the last attempt at 24 h), then the delivery is failed; an endpoint whose every
   delivery has failed for 3 days is disabled and the store's admins are told.

The worker may die mid-delivery: the row stays pending and the sweep (``webhooks.deliver``) sends it
again: at least once, and receivers de-duplicate by ``webhook-id`` (the event id).
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.roles import StoreRole
from shared_apps.accounts.selectors import member_list
from shared_apps.platform.errors import NotFound, ValidationFailed
from tenant_apps.notifications.services import notify
from tenant_apps.outbox import selectors as events
from tenant_apps.outbox import services as outbox
from tenant_apps.outbox.events import EVENT_TYPES
from tenant_apps.webhooks import sending, targets
from tenant_apps.webhooks.models import Delivery, Endpoint
from tenants.storetime import current_store, store_zone

logger = logging.getLogger(__name__)

CONSUMER = "webhooks"
TEST_EVENT = "webhook.test"
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
DESCRIPTION_MAX = 200
URL_MAX = 500


def subscribable_types() -> list[str]:
    return sorted(t for t in EVENT_TYPES if t != TEST_EVENT)


# --- endpoints -------------------------------------------------------------------------------------


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _clean(data: dict, *, partial: bool) -> dict:
    """Every field's errors at once (ValidationFailed), or the clean values given."""
    if not isinstance(data, dict):
        raise ValidationFailed(_("Invalid input."))
    errors: dict[str, list[str]] = {}
    clean: dict = {}
    if "url" in data or not partial:
        url = data.get("url")
        if not isinstance(url, str) or not url.strip():
            errors["url"] = [_("A URL is required.")]
        elif len(url.strip()) > URL_MAX:
            errors["url"] = [_("At most %(n)d characters.") % {"n": URL_MAX}]
        else:
            try:
                targets.check_literal(url.strip())
            except targets.TargetRefused as exc:
                errors["url"] = [str(exc)]
            else:
                clean["url"] = url.strip()
    if "events" in data or not partial:
        value = data.get("events")
        allowed = subscribable_types()
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            errors["events"] = [_('A list of event types, or ["*"] for every type.')]
        else:
            unknown = sorted({v for v in value if v != "*" and v not in allowed})
            if unknown:
                errors["events"] = [
                    _("Unknown event types: %(unknown)s. Allowed: *, %(allowed)s.")
                    % {"unknown": ", ".join(unknown), "allowed": ", ".join(allowed)}
                ]
            else:
                clean["events"] = ["*"] if "*" in value else sorted(set(value))
    if "description" in data:
        text = data.get("description")
        if text is None:
            text = ""
        if not isinstance(text, str):
            errors["description"] = [_("Text expected.")]
        elif len(text) > DESCRIPTION_MAX:
            errors["description"] = [_("At most %(n)d characters.") % {"n": DESCRIPTION_MAX}]
        else:
            clean["description"] = text.strip()
    if "active" in data:
        if not isinstance(data["active"], bool):
            errors["active"] = [_("true or false.")]
        else:
            clean["active"] = data["active"]
    if errors:
        extra = {"allowed_events": ["*", *subscribable_types()]} if "events" in errors else None
        raise ValidationFailed(_("Some fields are not valid."), errors=errors, extra=extra)
    return clean


def endpoint_create(*, data: dict, by=None) -> Endpoint:
    clean = _clean(data, partial=False)
    clean.pop("active", None)
    return Endpoint.objects.create(**clean, secret=new_secret(), created_by_id=getattr(by, "pk", None))


def endpoint_get(*, endpoint_id) -> Endpoint:
    endpoint = Endpoint.objects.filter(pk=_int(endpoint_id)).first()
    if endpoint is None:
        raise NotFound(_("No such webhook endpoint."))
    return endpoint


def endpoint_update(*, endpoint_id, data: dict) -> Endpoint:
    clean = _clean(data, partial=True)
    with transaction.atomic():
        endpoint = Endpoint.objects.select_for_update().filter(pk=_int(endpoint_id)).first()
        if endpoint is None:
            raise NotFound(_("No such webhook endpoint."))
        if clean.get("active") and not endpoint.active:
            # Switched on again by hand: a fresh start for the failure clock.
            endpoint.disabled_reason = ""
            endpoint.failing_since = None
        for key, value in clean.items():
            setattr(endpoint, key, value)
        endpoint.save()
    if endpoint.active:
        _after_commit_deliver({endpoint.pk})
    return endpoint


def endpoint_delete(*, endpoint_id) -> None:
    endpoint_get(endpoint_id=endpoint_id).delete()


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- from events to deliveries ----------------------------------------------------------------------


def body_for(*, event_id, event_type: str, created_at: datetime, data: dict) -> str:
    """The request body of api.md: ``{"id", "type", "created_at", "store", "data"}``."""
    return json.dumps(
        {
            "id": str(event_id),
            "type": event_type,
            "created_at": timezone.localtime(created_at, store_zone()).isoformat(),
            "store": current_store().subdomain,
            "data": data,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def consume(*, batch_size: int = 500) -> dict:
    """The event log consumer ``webhooks``: a delivery per event and subscribed endpoint."""
    made = read = 0
    touched: set[int] = set()
    while True:
        with transaction.atomic():
            batch = events.events_after(CONSUMER, limit=batch_size)
            if not batch:
                break
            made += len(deliveries_for(batch, touched=touched))
            outbox.advance(CONSUMER, to_id=batch[-1].id)
            read += len(batch)
        if len(batch) < batch_size:
            break
    if touched:
        _after_commit_deliver(touched)
    return {"events": read, "deliveries": made}


def deliveries_for(batch: list[events.StoreEvent], *, touched: set[int] | None = None) -> list[Delivery]:
    """Write a delivery of each event to every active endpoint that wants it (and existed when the
    event happened); an event already written for an endpoint is skipped (unique constraint)."""
    endpoints = list(Endpoint.objects.filter(active=True))
    rows = []
    # Ids follow the order in which changes to one entity committed (row locks serialise them).
    for event in sorted(batch, key=lambda e: e.id):
        if event.type == TEST_EVENT:
            continue  # sent to its one endpoint directly (``send_test``)
        wanting = [ep for ep in endpoints if ep.wants(event.type) and ep.created_at <= event.created_at]
        if not wanting:
            continue
        body = body_for(event_id=event.event_id, event_type=event.type, created_at=event.created_at, data=event.data)
        for endpoint in wanting:
            rows.append(
                Delivery(
                    endpoint=endpoint,
                    event_id=event.event_id,
                    event_type=event.type,
                    entity=event.entity,
                    entity_id=event.entity_id,
                    body=body,
                    next_attempt_at=timezone.now(),
                )
            )
            if touched is not None:
                touched.add(endpoint.pk)
    return Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)


def _after_commit_deliver(endpoint_ids) -> None:
    from tenant_apps.webhooks import tasks

    ids = sorted(endpoint_ids)

    def send_tasks():
        for endpoint_id in ids:
            try:
                tasks.deliver_endpoint.delay(endpoint_id)
            except Exception:
                logger.warning("could not queue the deliveries of webhook endpoint %s", endpoint_id, exc_info=True)

    transaction.on_commit(send_tasks, robust=True)


# --- delivering -------------------------------------------------------------------------------------


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


def _lock_key(endpoint_id: int) -> str:
    return f"{connection.schema_name}:webhook-endpoint:{endpoint_id}"


def deliver_due(*, endpoint_id: int, budget_seconds: float = TASK_BUDGET_SECONDS) -> dict:
    """Send the endpoint's due deliveries (one runner per endpoint at a time). Returns counts, and
    ``more: True`` when the time budget ran out with deliveries still due."""
    key = _lock_key(endpoint_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [key])
        if not cursor.fetchone()[0]:
            return {"skipped": "busy"}
    sent = succeeded = 0
    started = timezone.now()
    try:
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
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [key])
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


# --- by hand ----------------------------------------------------------------------------------------


def redeliver(*, endpoint_id, delivery_id) -> Delivery:
    """Send a delivery's event again now, as a new delivery (the same ``webhook-id``)."""
    endpoint = endpoint_get(endpoint_id=endpoint_id)
    original = Delivery.objects.filter(pk=_int(delivery_id), endpoint=endpoint).first()
    if original is None:
        raise NotFound(_("No such delivery."))
    with transaction.atomic():
        again = Delivery.objects.create(
            endpoint=endpoint,
            event_id=original.event_id,
            event_type=original.event_type,
            entity=original.entity,
            entity_id=original.entity_id,
            body=original.body,
            manual=True,
            next_attempt_at=timezone.now(),
        )
    _after_commit_deliver({endpoint.pk})
    return again


def send_test(*, endpoint_id, by=None) -> Delivery:
    """A ``webhook.test`` event (written to the event log) delivered to this one endpoint now."""
    endpoint = endpoint_get(endpoint_id=endpoint_id)
    data = {"endpoint": endpoint.pk, "url": endpoint.url, "sent_by": getattr(by, "pk", None)}
    with transaction.atomic():
        event = outbox.emit(TEST_EVENT, entity="webhook", entity_id=endpoint.pk, data=data)
        event_id, at = event.event_id, event.created_at
        delivery = Delivery.objects.create(
            endpoint=endpoint,
            event_id=event_id,
            event_type=TEST_EVENT,
            entity="webhook",
            entity_id=endpoint.pk,
            body=body_for(event_id=event_id, event_type=TEST_EVENT, created_at=at, data=data),
            manual=True,
            next_attempt_at=at,
        )
    _after_commit_deliver({endpoint.pk})
    return delivery
