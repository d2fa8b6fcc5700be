"""Create many customers at once (an import batch) with the rules of ``customer_create``."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, NamedTuple

from django.db import IntegrityError, transaction
from django.utils import timezone

from shared_apps.accounts.access import StoreAccess
from shared_apps.accounts.models import User
from shared_apps.platform import limits
from shared_apps.platform.errors import DomainError, ValidationFailed
from tenant_apps.customers.error_codes import DuplicateCustomer
from tenant_apps.customers.models import Customer, Tag
from tenant_apps.customers.serializers import customer_event_data_many
from tenant_apps.customers.services.common import _require
from tenant_apps.customers.services.duplicates import IDENTIFIERS, _duplicate_error, _identifiers
from tenant_apps.customers.services.profiles import _live_customer_count, _new_customer, customer_create
from tenant_apps.customers.services.validation import _References
from tenant_apps.outbox.services import emit_many
from tenants.storetime import current_store

logger = logging.getLogger(__name__)


class RowOutcome(NamedTuple):
    """What became of one row of ``customer_create_many``.

    ``outcome`` is ``created`` (``customer_id`` is the new customer), ``duplicate`` (``error`` is the
    DuplicateCustomer naming the existing customer, its owner or the pool, and the fields it shares;
    ``customer_id`` is that customer) or ``invalid`` (``error`` holds the per-field messages).
    """

    outcome: str
    customer_id: int | None = None
    error: DomainError | None = None


CREATED, DUPLICATE, INVALID = "created", "duplicate", "invalid"

# A valid row of the batch: the unsaved customer and its tags.
Draft = tuple[Customer, list[Tag]]


def customer_create_many(
    *, rows: list[dict[str, Any]], access: StoreAccess, at: datetime | None = None
) -> list[RowOutcome]:
    """Create the customers of ``rows`` (an import batch) with the rules of ``customer_create``:
    one outcome per row, in order.

    Each row is validated by the same code; channels, tags and owners are looked up once for the
    batch; dual verification asks the database one query per identifier and compares the rows
    with each other (a row sharing an identifier with a row above it is a duplicate of that one,
    as if they had been created one after the other). The new customers and their tags are
    inserted together, in one transaction. When the insert violates a unique constraint (another
    request took an identifier after the check), the batch is created row by row with
    ``customer_create`` instead, so that each row still gets its exact outcome.
    """
    _require(access, "customers.create")
    at = at or timezone.now()
    refs = _References(access)
    refs.preload(rows)
    outcomes, drafts = _drafts(rows, access=access, at=at, refs=refs)
    new, duplicates = _verify_batch(drafts)
    try:
        with transaction.atomic():
            _insert(drafts, new)
    except IntegrityError:
        logger.info("customer batch collided with a concurrent write; creating its rows one by one")
        return _create_one_by_one(rows, outcomes, access=access, at=at)

    for index in new:
        outcomes[index] = RowOutcome(CREATED, customer_id=drafts[index][0].pk)
    for index, outcome in _duplicate_outcomes(duplicates).items():
        outcomes[index] = outcome
    return outcomes  # type: ignore[return-value]


def _drafts(
    rows: list[dict[str, Any]], *, access: StoreAccess, at: datetime, refs: _References
) -> tuple[list[RowOutcome | None], dict[int, Draft]]:
    """The rows validated one by one: the outcome of each invalid row (None for the others), and
    the draft of each valid row, by index."""
    outcomes: list[RowOutcome | None] = [None] * len(rows)
    drafts: dict[int, Draft] = {}
    for index, data in enumerate(rows):
        try:
            drafts[index] = _new_customer(data, access=access, at=at, refs=refs)
        except ValidationFailed as exc:
            outcomes[index] = RowOutcome(INVALID, error=exc)
    return outcomes, drafts


def _stored_holders(drafts: dict[int, Draft]) -> dict[str, dict[str, Customer]]:
    """The live customers holding any identifier of the batch: by model field, then by value."""
    existing: dict[str, dict[str, Customer]] = {}
    for _key, field, _label in IDENTIFIERS:
        values = {value for customer, _tags in drafts.values() if (value := getattr(customer, field))}
        existing[field] = (
            {
                getattr(customer, field): customer
                for customer in Customer.objects.live()
                .exclude(**{field: ""})
                .filter(**{f"{field}__in": values})
                .only("id", "name", "owner_id", *(f for _k, f, _l in IDENTIFIERS))
            }
            if values
            else {}
        )
    return existing


def _verify_batch(drafts: dict[int, Draft]) -> tuple[list[int], dict[int, tuple[Customer, list[str]]]]:
    """Dual verification of the batch: the indexes of the rows to create, and for each duplicate
    row the customer holding its identifiers (a stored one, or a row above it) and which ones."""
    existing = _stored_holders(drafts)
    taken: dict[str, dict[str, int]] = {field: {} for _key, field, _label in IDENTIFIERS}
    duplicates: dict[int, tuple[Customer, list[str]]] = {}
    new: list[int] = []
    for index, (customer, _tags) in drafts.items():
        values = {field: value for field, value in _identifiers(customer).items() if value}
        # As find_duplicate: the oldest customer holding one of them (stored ones before the batch's).
        stored = [existing[field][value] for field, value in values.items() if value in existing[field]]
        earlier = [taken[field][value] for field, value in values.items() if value in taken[field]]
        if stored or earlier:
            holder = min(stored, key=lambda c: c.pk) if stored else drafts[min(earlier)][0]
            fields = [
                key for key, field, _l in IDENTIFIERS if field in values and getattr(holder, field) == values[field]
            ]
            duplicates[index] = (holder, fields)
            continue
        new.append(index)
        for field, value in values.items():
            taken[field][value] = index
    return new, duplicates


def _insert(drafts: dict[int, Draft], new: list[int]) -> None:
    """Insert the rows ``new`` with their tags and events (in the caller's transaction)."""
    limits.check(current_store(), limits.CUSTOMERS, adding=len(new), used=_live_customer_count)
    created = Customer.objects.bulk_create([drafts[index][0] for index in new])
    Link = Customer.tags.through
    links = [Link(customer_id=c.pk, tag_id=t.pk) for c, i in zip(created, new, strict=True) for t in drafts[i][1]]
    if links:
        Link.objects.bulk_create(links)
    # One row per customer, as ``customer_create`` writes it: the HQ fact and the public event.
    emit_many(
        "customer.created",
        entity="customer",
        topic="customer",
        data_by_id=customer_event_data_many([c.pk for c in created]),
    )


def _duplicate_outcomes(duplicates: dict[int, tuple[Customer, list[str]]]) -> dict[int, RowOutcome]:
    """The outcome of each duplicate row, their holders' owners loaded at once."""
    owner_ids = {holder.owner_id for holder, _fields in duplicates.values() if holder.owner_id is not None}
    owners = (
        {user.pk: user for user in User.objects.filter(pk__in=owner_ids).only("name", "email")} if owner_ids else {}
    )
    return {
        index: RowOutcome(DUPLICATE, customer_id=holder.pk, error=_duplicate_error(holder, fields, owners=owners))
        for index, (holder, fields) in duplicates.items()
    }


def _create_one_by_one(
    rows: list[dict[str, Any]], outcomes: list[RowOutcome | None], *, access: StoreAccess, at: datetime
) -> list[RowOutcome]:
    """The valid rows of a batch through ``customer_create``, each in its own transaction."""
    done: list[RowOutcome] = []
    for data, outcome in zip(rows, outcomes, strict=True):
        if outcome is None:
            try:
                outcome = RowOutcome(CREATED, customer_id=customer_create(data=data, access=access, at=at).pk)
            except DuplicateCustomer as exc:
                outcome = RowOutcome(DUPLICATE, customer_id=exc.existing.get("id"), error=exc)
            except DomainError as exc:
                outcome = RowOutcome(INVALID, error=exc)
        done.append(outcome)
    return done
