"""Billing state and store status, and the grace period.

Billing state and store status
------------------------------
An account's billing ``state`` is its own: ``trialing`` → ``active`` (a subscription is paid) →
``past_due`` (a payment failed; writes keep working) → ``read_only`` (still unpaid
``BILLING_GRACE_DAYS`` after it became past due, job ``billing.enforce_grace``) → ``active``
again when an invoice is paid; ``cancelled`` when the subscription ends. A trial that ends
without a subscription becomes ``past_due`` at its end. Nothing is ever deleted.

The store's status (``Store.status``, which HQ also sets) is computed from both:
* a suspended store stays suspended: billing never changes it (HQ decides);
* billing ``read_only`` or ``cancelled`` makes an active store read-only and remembers that it
  did (``store_locked_by_billing``);
* back in good standing, billing makes the store active again only when billing made it
  read-only; a store HQ made read-only stays read-only.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shared_apps.billing import gateway
from shared_apps.billing.models import Account
from shared_apps.billing.services.common import State
from tenants.models import Store


def sync_store(account: Account) -> None:
    """Make the store's status follow the billing state (rule in the module doc)."""
    if account.store_id is None:
        return
    store = Store.objects.select_for_update().get(pk=account.store_id)
    if store.status == Store.Status.SUSPENDED:
        return
    if account.blocks_writes:
        if store.status == Store.Status.ACTIVE:
            store.status = Store.Status.READ_ONLY
            store.save(update_fields=["status"])
            account.store_locked_by_billing = True
    elif store.status == Store.Status.READ_ONLY and account.store_locked_by_billing:
        store.status = Store.Status.ACTIVE
        store.save(update_fields=["status"])
        account.store_locked_by_billing = False
    elif store.status == Store.Status.ACTIVE:
        account.store_locked_by_billing = False


def set_state(account: Account, state: str, *, since: datetime, at: datetime | None = None) -> None:
    """Move a locked account to ``state`` (past due from ``since``) and sync its store."""
    at = at or timezone.now()
    if state == State.PAST_DUE:
        if account.state not in (State.PAST_DUE, State.READ_ONLY):
            account.past_due_since = since
        if account.past_due_since and account.past_due_since + timedelta(days=settings.BILLING_GRACE_DAYS) <= at:
            state = State.READ_ONLY
    elif state != State.READ_ONLY:
        account.past_due_since = None
    account.state = state
    sync_store(account)
    account.save()


def enforce_grace(*, at: datetime) -> dict[str, int]:
    """Trials ended without a subscription become past due; accounts past due for longer than
    ``BILLING_GRACE_DAYS`` become read-only; blocked accounts keep their store read-only. Idempotent."""
    if not gateway.enabled():
        return {"trials_ended": 0, "read_only": 0}
    trials = read_only = 0
    for pk in Account.objects.filter(state=State.TRIALING, trial_ends_at__lte=at).values_list("pk", flat=True):
        with transaction.atomic():
            account = Account.objects.select_for_update().get(pk=pk)
            if account.state == State.TRIALING and account.trial_ends_at and account.trial_ends_at <= at:
                set_state(account, State.PAST_DUE, since=account.trial_ends_at, at=at)
                trials += 1
    limit = at - timedelta(days=settings.BILLING_GRACE_DAYS)
    for pk in Account.objects.filter(state=State.PAST_DUE, past_due_since__lte=limit).values_list("pk", flat=True):
        with transaction.atomic():
            account = Account.objects.select_for_update().get(pk=pk)
            if account.state == State.PAST_DUE and account.past_due_since and account.past_due_since <= limit:
                set_state(account, State.READ_ONLY, since=account.past_due_since, at=at)
                read_only += 1
    blocked = Account.objects.filter(
        state__in=[State.READ_ONLY, State.CANCELLED], store__status=Store.Status.ACTIVE
    ).values_list("pk", flat=True)
    for pk in blocked:
        with transaction.atomic():
            account = Account.objects.select_for_update().get(pk=pk)
            sync_store(account)
            account.save()
    return {"trials_ended": trials, "read_only": read_only}
