"""Handover: a supervisor or admin moves customers, with their open quotations, orders and open
leads, from one person to another, or to the pool, in one step.

``handover_start`` checks the whole request first (nothing is written on a refusal):

- the caller needs ``customers.transfer`` (supervisors for their team, admins for the store);
- ``customers`` (ids, one by one) must all be visible to the caller, else 404 as for any customer;
  or ``from_owner``: every live customer of that person (an active or deactivated member);
- ``to_owner`` is an active salesperson or supervisor of this store (another store's member or an
  inactive one is 400), or null: the pool. To the pool, the open quotations and orders go to the
  person who makes the handover, so nobody who left keeps them.

Small handovers run at once in the request; larger ones (more than ``SYNC_LIMIT`` customers) run
as one background job (``handover.run``) the caller follows by its progress. Either way the work is
one transaction: every customer, quotation, order and lead moves, or none does. Each customer's
history gets a ``CustomerTransfer`` line; the people who gave and received the customers and their
supervisors are notified once per handover.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.access import StoreAccess, can_see_owner
from shared_apps.accounts.models import User
from shared_apps.accounts.roles import StoreRole
from shared_apps.accounts.selectors import member_list
from shared_apps.platform.errors import NotFound, PermissionDenied, ValidationFailed
from tenant_apps.customers import selectors as customer_selectors
from tenant_apps.customers import services as customer_services
from tenant_apps.handover.models import CustomerTransfer, Handover
from tenant_apps.leads import services as lead_services
from tenant_apps.notifications.services import notify
from tenant_apps.pool import services as pool_services
from tenant_apps.sales import services as sales_services
from tenants.storetime import current_store

logger = logging.getLogger(__name__)

SYNC_LIMIT = 500
CHUNK = 2000
MAX_IDS = 50_000
REASON_MAX = 300
OWNER_ROLES = (StoreRole.SALESPERSON, StoreRole.SUPERVISOR)


def handover_url(handover_id: int) -> str:
    return f"/handover/{handover_id}/"


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def _clean(access: StoreAccess, data: Any) -> tuple[list[int] | None, int | None, int | None, str]:
    if not isinstance(data, dict):
        raise ValidationFailed(_("Invalid input."), errors={"non_field_errors": [_("An object is expected.")]})
    errors: dict[str, list[str]] = {}
    for key in data:
        if key not in ("customers", "from_owner", "to_owner", "reason"):
            errors[str(key)] = [_("Unknown field.")]
    store = current_store()
    members = {m.user_id: m for m in member_list(store=store)}
    has_customers = data.get("customers") is not None
    has_from = data.get("from_owner") is not None
    customer_ids = from_owner = to_owner = None
    if has_customers == has_from:
        message = _("Give either the customers or the person whose customers are handed over.")
        errors["customers"] = [message]
        errors["from_owner"] = [message]
    elif has_customers:
        values = data["customers"]
        ids = [_int(v) for v in values] if isinstance(values, list) else [None]
        if not values or None in ids or len(ids) > MAX_IDS:
            errors["customers"] = [_("A list of customer ids (at most %(max)d) is expected.") % {"max": MAX_IDS}]
        else:
            customer_ids = sorted(set(ids))
    else:
        from_owner = _int(data["from_owner"])
        if from_owner is None or from_owner not in members or not can_see_owner(access, from_owner):
            errors["from_owner"] = [_("Not a member of this store whose customers you manage.")]
            from_owner = None
    if "to_owner" not in data:
        errors["to_owner"] = [_("Name the person who takes the customers over, or null for the pool.")]
    elif data["to_owner"] is not None:
        to_owner = _int(data["to_owner"])
        member = members.get(to_owner) if to_owner is not None else None
        if member is None or not member.is_active or not member.user.is_active or member.role not in OWNER_ROLES:
            errors["to_owner"] = [_("Not an active salesperson or supervisor of this store.")]
        elif not can_see_owner(access, to_owner):
            errors["to_owner"] = [_("You may only hand customers over within your team.")]
        elif to_owner == from_owner:
            errors["to_owner"] = [_("The customers already belong to this person.")]
    reason = data.get("reason") or ""
    if not isinstance(reason, str) or len(reason.strip()) > REASON_MAX:
        errors["reason"] = [_("At most %(max)d characters.") % {"max": REASON_MAX}]
    if errors:
        raise ValidationFailed(_("Invalid handover."), errors=errors)
    return customer_ids, from_owner, to_owner, reason.strip()


def _customer_ids(handover: Handover) -> list[int]:
    if handover.from_owner_id is not None:
        return customer_selectors.owned_customer_ids(owner_id=handover.from_owner_id)
    return list(handover.customer_ids)


def handover_start(*, access: StoreAccess, data: Any) -> Handover:
    """Check a handover completely, then run it now (small) or as a background job (large)."""
    if access.read_only or not access.can("customers.transfer"):
        raise PermissionDenied()
    customer_ids, from_owner, to_owner, reason = _clean(access, data)
    if customer_ids is not None:
        visible = set(
            customer_selectors.visible_customers(access=access).filter(pk__in=customer_ids).values_list("pk", flat=True)
        )
        missing = [pk for pk in customer_ids if pk not in visible]
        if missing:
            raise NotFound(_("No such customer: %(ids)s.") % {"ids": ", ".join(map(str, missing[:20]))})
    handover = Handover.objects.create(
        from_owner_id=from_owner, customer_ids=customer_ids or [], to_owner_id=to_owner, reason=reason, by=access.user
    )
    total = (
        len(customer_ids) if customer_ids is not None else customer_selectors.owned_customer_count(owner_id=from_owner)
    )
    Handover.objects.filter(pk=handover.pk).update(total=total)
    handover.total = total
    if total <= SYNC_LIMIT:
        return handover_run(handover_id=handover.pk)
    schema = connection.schema_name
    transaction.on_commit(lambda: _dispatch(schema, handover.pk))
    return handover


def _dispatch(schema: str, handover_id: int) -> None:
    from tenant_apps.handover.tasks import run_handover

    run_handover.delay(handover_id)


class _Progress:
    """Writes a running handover's progress on a connection of its own (committed at once), so
    that it can be followed while the handover's one transaction is still open."""

    def __init__(self, handover_id: int) -> None:
        self.handover_id = handover_id
        self.schema = connection.schema_name
        self.table = f'"{self.schema}"."{Handover._meta.db_table}"'
        self.conn = None

    def write(self, processed: int) -> None:
        try:
            if self.conn is None:
                self.conn = connections.create_connection("default")
                # In the store's schema: the table's triggers (the action log's) name its tables.
                self.conn.set_schema(self.schema)
            with self.conn.cursor() as cursor:
                cursor.execute(f"UPDATE {self.table} SET processed = %s WHERE id = %s", [processed, self.handover_id])
        except Exception:
            logger.warning("handover progress not written", exc_info=True)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def _try_lock(handover_id: int) -> bool:
    """A lock held by the one run of a handover for its transaction (a redelivered task that finds
    it taken leaves the handover to the run holding it; a run that died released it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(hashtext(%s))", [f"handover:{connection.schema_name}:{handover_id}"]
        )
        return bool(cursor.fetchone()[0])


def handover_run(*, handover_id: int, at: datetime | None = None) -> Handover | None:
    """Run a handover in one transaction. Idempotent: a handover done (or failed) is left as it is,
    and a second delivery of its task while it runs does nothing."""
    with transaction.atomic():
        handover = Handover.objects.select_for_update().filter(pk=handover_id).first()
        if handover is None or handover.status in (Handover.Status.DONE, Handover.Status.FAILED):
            return handover
        if handover.status == Handover.Status.PENDING:
            handover.status = Handover.Status.RUNNING
            handover.started_at = timezone.now()
            handover.save(update_fields=["status", "started_at"])
    # The handover's row is not locked from here on: its progress is written on another connection.
    progress = _Progress(handover_id) if handover.total > SYNC_LIMIT else None
    try:
        with transaction.atomic():
            if not _try_lock(handover_id):
                return Handover.objects.get(pk=handover_id)
            handover = Handover.objects.get(pk=handover_id)
            if handover.status != Handover.Status.RUNNING:
                return handover
            _transfer(handover, at=at or timezone.now(), progress=progress)
    except Exception as exc:
        logger.exception("handover %s failed", handover_id)
        Handover.objects.filter(pk=handover_id).update(
            status=Handover.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    finally:
        if progress is not None:
            progress.close()
    return Handover.objects.get(pk=handover_id)


def _transfer(handover: Handover, *, at: datetime, progress: _Progress | None) -> None:
    ids = _customer_ids(handover)
    to_owner = handover.to_owner_id
    by = User.objects.get(pk=handover.by_id)
    sales_owner = to_owner if to_owner is not None else handover.by_id
    moved: list[tuple[int, int | None]] = []
    counts = Counter()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        if to_owner is None:
            rows = pool_services.release_many(customer_ids=chunk, by=by, reason=handover.reason or _("Handover"), at=at)
        else:
            rows = customer_services.customers_give_to(customer_ids=chunk, owner_id=to_owner, at=at)
        moved.extend(rows)
        sales = sales_services.open_sales_give_to(customer_ids=chunk, owner_id=sales_owner)
        counts.update(sales)
        CustomerTransfer.objects.bulk_create(
            [
                CustomerTransfer(handover=handover, customer_id=pk, from_owner_id=owner, to_owner_id=to_owner, at=at)
                for pk, owner in rows
            ],
            batch_size=CHUNK,
        )
        if progress is not None:
            progress.write(min(start + CHUNK, len(ids)))
    counts["leads"] = lead_services.leads_give_to(
        customer_ids=[pk for pk, _owner in moved],
        from_owner_id=handover.from_owner_id,
        owner_id=to_owner,
        at=at,
        by=by,
    )
    handover.status = Handover.Status.DONE
    handover.processed = len(ids)
    handover.customers = len(moved)
    handover.quotations = counts["quotations"]
    handover.orders = counts["orders"]
    handover.leads = counts["leads"]
    handover.finished_at = timezone.now()
    handover.save()
    _notify(handover, former_owners={owner for _pk, owner in moved if owner is not None})


def _notify(handover: Handover, *, former_owners: set[int]) -> None:
    if handover.from_owner_id is not None:
        former_owners.add(handover.from_owner_id)
    people = sorted(former_owners | ({handover.to_owner_id} if handover.to_owner_id else set()))
    receiver = User.objects.filter(pk=handover.to_owner_id).first() if handover.to_owner_id is not None else None
    title = format_lazy(
        gettext_lazy("{count} customers were handed over to {to}"),
        count=handover.customers,
        to=(receiver.name or receiver.email) if receiver else gettext_lazy("the shared pool"),
    )
    body = format_lazy(
        gettext_lazy("Also {quotations} open quotations, {orders} orders and {leads} leads. Reason: {reason}"),
        quotations=handover.quotations,
        orders=handover.orders,
        leads=handover.leads,
        reason=handover.reason or "—",
    )
    recipients = set(people) | set(lead_services.supervisors_of(people))
    recipients.discard(handover.by_id)
    notify(
        recipients=sorted(recipients),
        kind="handover.done",
        title=title,
        body=body,
        url=handover_url(handover.pk),
        data={"handover": handover.pk},
    )


def merge_customer_transfers(*, survivor, merged) -> dict:
    """The merged customer's handovers become part of the survivor's history (inside the merge)."""
    return {"transfers": CustomerTransfer.objects.filter(customer_id=merged.pk).update(customer_id=survivor.pk)}


STALE_AFTER = timedelta(minutes=10)


def redispatch_stale(*, at: datetime) -> dict[str, int]:
    """Send again the task of every handover still waiting or running ``STALE_AFTER`` after it was
    asked for or started (its message lost, or its worker gone)."""
    stale = Handover.objects.filter(
        Q(status=Handover.Status.PENDING, created_at__lte=at - STALE_AFTER)
        | Q(status=Handover.Status.RUNNING, started_at__lte=at - STALE_AFTER)
    ).values_list("pk", flat=True)
    ids = list(stale)
    schema = connection.schema_name
    for handover_id in ids:
        _dispatch(schema, handover_id)
    return {"redispatched": len(ids)}


def member_leave(*, access: StoreAccess, membership, to_owner: Any, reason: str = "") -> Handover | None:
    """Deactivate a member and hand their customers, open quotations, orders and leads over (to
    ``to_owner``, or to the pool when None) in one transaction: a refused handover deactivates
    nobody, and a refused deactivation (the store's last admin) hands nothing over."""
    from shared_apps.accounts.services import member_change

    if access.read_only or not access.can("members.manage"):
        raise PermissionDenied()
    with transaction.atomic():
        handover = None
        if membership.role in OWNER_ROLES:
            data = {"from_owner": membership.user_id, "to_owner": to_owner, "reason": reason}
            handover = handover_start(access=access, data=data)
        member_change(membership=membership, is_active=False)
    return handover
