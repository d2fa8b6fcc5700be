"""Writes on customers: create and edit with dual verification, follow-ups, tags, merge, reminders.

Every write validates its whole input first and raises ``ValidationFailed`` with per-field errors
before touching the database, so a refused request writes nothing.

Dual verification: within a store a normalised mobile number (E.164, region CN by default) and
each chat id (WeChat, platform chat) identify at most one live customer. The services look the
identifiers up before writing; the partial unique constraints of ``Customer`` are the backstop
when two requests race, and their violation is answered the same way: 409 ``duplicate_customer``
naming the existing customer and its owner (null while it is in the pool).

``by`` is the acting user's ``StoreAccess`` (API and pages pass ``request.store_access``) or a
``User``, whose access to the current store is then resolved. Who may do what:

* create: ``customers.create``. A salesperson owns what they create; a supervisor owns it unless
  they name a team member (or null: the pool); an admin names any salesperson or supervisor of the
  store, and without one the customer goes to the pool.
* edit / follow-up: ``customers.edit`` / ``followups.create``, on a customer the actor "works on":
  a salesperson their own customers only (not the pool's), a supervisor their team's and the pool's
  (store-wide without teams), an admin every customer.
* merge: ``customers.merge`` (supervisor, admin), both records visible to the actor.
* tags: ``tags.manage``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

import phonenumbers
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.access import StoreAccess, resolve_store_access, visible_owner_ids
from shared_apps.accounts.models import Membership, User
from shared_apps.accounts.roles import Scope, StoreRole
from shared_apps.platform import limits, uploads
from shared_apps.platform.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from tenant_apps.customers import files
from tenant_apps.customers.error_codes import CustomerErrorCode, DuplicateCustomer, DuplicateTag
from tenant_apps.customers.models import Customer, CustomerMerge, FollowUp, FollowUpAttachment, Grade, Intention, Tag
from tenant_apps.customers.panels import merge_handlers
from tenant_apps.customers.selectors import can_see_customer
from tenant_apps.customers.serializers import customer_event_data, customer_event_data_many
from tenant_apps.notifications.services import notify
from tenant_apps.outbox.services import emit_many, publish, publish_many
from tenant_apps.workspace.selectors import channel_list
from tenants.storetime import current_store, store_zone

logger = logging.getLogger(__name__)

DEFAULT_REGION = "CN"
MOBILE_MAX_LENGTH = 32
CONTENT_MAX_LENGTH = 5000
PREFERENCES_MAX_ITEMS = 50
REMINDER_BATCH = 500
# Roles that hold customers.
OWNER_ROLES = (StoreRole.SALESPERSON, StoreRole.SUPERVISOR)

# Plain text fields of the profile and their maximum lengths (the model's).
TEXT_FIELDS: dict[str, int] = {
    "name": 120,
    "company": 200,
    "wechat_id": 64,
    "platform_chat_id": 64,
    "province": 40,
    "city": 60,
    "address": 300,
    "intention_note": 300,
}
CUSTOMER_FIELDS = (
    *TEXT_FIELDS,
    "mobile",
    "channel",
    "tags",
    "grade",
    "product_preferences",
    "intention_level",
    "owner",
    "next_follow_up_at",
)
# Identifiers of dual verification: the data key, the model field, its label.
IDENTIFIERS = (
    ("mobile", "mobile_normalized", gettext_lazy("mobile number")),
    ("wechat_id", "wechat_id", gettext_lazy("WeChat ID")),
    ("platform_chat_id", "platform_chat_id", gettext_lazy("platform chat ID")),
)
CONSTRAINT_FIELDS = {
    "customer_unique_mobile": "mobile",
    "customer_unique_wechat_id": "wechat_id",
    "customer_unique_platform_chat_id": "platform_chat_id",
}


# --- actors and rights ------------------------------------------------------------------------


def _access(by: StoreAccess | User) -> StoreAccess:
    if isinstance(by, StoreAccess):
        return by
    store = current_store()
    access = resolve_store_access(user=by, store=store) if store is not None else None
    if access is None:
        raise PermissionDenied(_("You are not a member of this store."))
    return access


def _require(access: StoreAccess, permission: str) -> None:
    if not access.can(permission):
        raise PermissionDenied()


def works_on(*, access: StoreAccess, customer: Customer) -> bool:
    """May ``access`` edit the customer and record follow-ups on it (permission codes aside)?"""
    if access.read_only:
        return False
    if access.scope == Scope.OWN:
        return customer.owner_id is not None and customer.owner_id == access.user.pk
    if customer.owner_id is None:
        return True
    return can_see_customer(access=access, customer=customer)


def _require_works_on(access: StoreAccess, customer: Customer) -> None:
    if not can_see_customer(access=access, customer=customer):
        raise NotFound(_("No such customer."))
    if not works_on(access=access, customer=customer):
        if customer.owner_id is None:
            raise PermissionDenied(_("This customer is in the shared pool: claim it first."))
        raise PermissionDenied(_("Only the owner, their supervisor or an admin may do this."))


# --- normalisation and validation -------------------------------------------------------------


def normalize_mobile(raw: str | None, *, region: str = DEFAULT_REGION) -> str:
    """The E.164 form of a phone number (``+86 138-0013-8000`` and ``13800138000`` both give
    ``+8613800138000``); "" for a blank value. Numbers without a country code are read as
    Chinese; foreign numbers need their ``+`` prefix. Raises ValidationFailed for an invalid one."""
    text = str(raw or "").strip()
    if not text:
        return ""
    invalid = ValidationFailed(
        _("Invalid mobile number."), errors={"mobile": [_("Enter a valid mobile number, such as 13800138000.")]}
    )
    if len(text) > MOBILE_MAX_LENGTH:
        raise invalid
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise invalid from None
    if not phonenumbers.is_valid_number(number):
        raise invalid
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _parse_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    else:
        parsed = parse_datetime(str(value).strip()) if value not in (None, "") else None
        if parsed is None:
            raise ValueError
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, store_zone())
    return parsed


def _tag_names(value: Any) -> list[str]:
    if isinstance(value, str):
        items: Iterable[Any] = value.replace("，", ",").split(",")
    elif isinstance(value, (list, tuple, set)):
        items = value
    else:
        raise ValueError
    names: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ValueError
        name = item.strip()
        if name and name not in names:
            names.append(name)
    return names


class _References:
    """The channels, tags and possible owners that customer data names, as validation checks them.

    Used as it is, each look-up is one query (one customer); ``preload`` loads what a batch of rows
    names once, so that validating the batch costs the same few queries whatever its size.
    """

    _UNSET: Any = object()

    def __init__(self, access: StoreAccess) -> None:
        self.access = access
        self._channels: dict[str, Any] | None = None
        self._tags: dict[str, Tag | None] = {}
        self._owner_ids: set[int] | None = None
        self._visible_owners: Any = self._UNSET

    def preload(self, rows: Iterable[Any]) -> None:
        names: set[str] = set()
        owners = False
        for data in rows:
            if not isinstance(data, dict):
                continue
            owners = owners or data.get("owner") not in (None, "")
            if data.get("tags"):
                with contextlib.suppress(ValueError):  # validation reports it
                    names.update(_tag_names(data["tags"]))
        self._channels = {}
        for channel in channel_list():  # in the order of channel_list().filter(code=...).first()
            self._channels.setdefault(channel.code, channel)
        if names:
            self.tags(sorted(names))
        if owners:
            self._owner_ids = set(_owner_candidates(self.access).values_list("user_id", flat=True))
            self.visible_owners()

    def channel(self, code: str) -> Any:
        """The Channel of ``code``, or None."""
        if self._channels is None:
            return channel_list().filter(code=code).first()
        return self._channels.get(code)

    def tags(self, names: list[str]) -> dict[str, Tag]:
        """The existing tags among ``names``, by name."""
        missing = [name for name in names if name not in self._tags]
        if missing:
            found = {tag.name: tag for tag in Tag.objects.filter(name__in=missing)}
            for name in missing:
                self._tags[name] = found.get(name)
        return {name: tag for name in names if (tag := self._tags[name]) is not None}

    def is_owner_candidate(self, user_id: int) -> bool:
        """Is the user an active salesperson or supervisor of the store?"""
        if self._owner_ids is None:
            return _owner_candidates(self.access).filter(user_id=user_id).exists()
        return user_id in self._owner_ids

    def visible_owners(self) -> set[int] | None:
        if self._visible_owners is self._UNSET:
            self._visible_owners = visible_owner_ids(self.access)
        return self._visible_owners


def _owner_candidates(access: StoreAccess):
    return Membership.objects.filter(
        store_id=access.store_id, is_active=True, role__in=OWNER_ROLES, user__is_active=True
    )


def _resolve_owner(access: StoreAccess, value: Any, errors: dict[str, list[str]], refs: _References) -> int | None:
    """The owner id asked for (``value`` a user, an id or None), checked against the actor's rights."""
    owner_id = getattr(value, "pk", value)
    if owner_id in (None, ""):
        if access.scope == Scope.OWN:
            errors["owner"] = [_("A salesperson keeps the customers they create.")]
        return None
    try:
        owner_id = int(owner_id)
    except (TypeError, ValueError):
        errors["owner"] = [_("A user id.")]
        return None
    if access.scope == Scope.OWN and owner_id != access.user.pk:
        errors["owner"] = [_("A salesperson keeps the customers they create.")]
        return None
    is_member = refs.is_owner_candidate(owner_id)
    owners = refs.visible_owners()
    if not is_member or (owners is not None and owner_id not in owners):
        errors["owner"] = [_("Choose an active salesperson or supervisor of your team.")]
        return None
    return owner_id


def _validate(
    data: dict[str, Any], *, access: StoreAccess, creating: bool, refs: _References | None = None
) -> dict[str, Any]:
    """Check every given field; return the cleaned values (``tags`` as Tag objects, ``channel`` as
    a Channel or None, ``mobile_normalized`` next to ``mobile``). Raises with all errors at once.
    ``refs`` answers the look-ups of channels, tags and owners (preloaded for a batch)."""
    refs = refs or _References(access)
    if not isinstance(data, dict):
        raise ValidationFailed(_("Invalid input."), errors={"non_field_errors": [_("An object is expected.")]})
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for key in data:
        if key not in CUSTOMER_FIELDS:
            errors[str(key)] = [_("Unknown field.")]

    for field, max_length in TEXT_FIELDS.items():
        if field not in data:
            continue
        value = data[field]
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[field] = [_("Text is expected.")]
            continue
        value = value.strip()
        if len(value) > max_length:
            errors[field] = [_("At most %(max)d characters.") % {"max": max_length}]
            continue
        clean[field] = value
    if (creating or "name" in data) and not clean.get("name") and "name" not in errors:
        errors["name"] = [_("A name is required.")]

    if "mobile" in data:
        mobile = data["mobile"]
        if mobile is not None and not isinstance(mobile, str):
            errors["mobile"] = [_("Text is expected.")]
        else:
            try:
                clean["mobile_normalized"] = normalize_mobile(mobile)
                clean["mobile"] = (mobile or "").strip()
            except ValidationFailed as exc:
                errors.update(exc.errors)

    if "channel" in data:
        code = data["channel"]
        code = getattr(code, "code", code)
        if code in (None, ""):
            clean["channel"] = None
        else:
            channel = refs.channel(str(code).strip().lower())
            if channel is None:
                errors["channel"] = [_("Unknown channel: %(code)s.") % {"code": code}]
            else:
                clean["channel"] = channel

    if "tags" in data:
        try:
            names = _tag_names(data["tags"] if data["tags"] is not None else [])
        except ValueError:
            errors["tags"] = [_("A list of tag names is expected.")]
        else:
            found = refs.tags(names)
            unknown = [name for name in names if name not in found]
            if unknown:
                errors["tags"] = [_("Unknown tag: %(name)s.") % {"name": name} for name in unknown]
            else:
                clean["tags"] = [found[name] for name in names]

    if "grade" in data or creating:
        grade = str(data.get("grade") or "").strip().upper()
        if not grade and creating:
            grade = Grade.C
        if grade not in Grade.values:
            errors["grade"] = [_("One of A, B, C, D.")]
        else:
            clean["grade"] = grade

    if "intention_level" in data:
        level = str(data["intention_level"] or "").strip().lower()
        if level and level not in Intention.values:
            errors["intention_level"] = [_("One of high, medium, low (or empty).")]
        else:
            clean["intention_level"] = level

    if "product_preferences" in data:
        prefs = data["product_preferences"]
        if prefs is None:
            prefs = []
        if (
            not isinstance(prefs, list)
            or len(prefs) > PREFERENCES_MAX_ITEMS
            or not all(isinstance(p, (str, int)) and not isinstance(p, bool) for p in prefs)
            or any(isinstance(p, str) and len(p) > 100 for p in prefs)
        ):
            errors["product_preferences"] = [
                _("A list of at most %(max)d product ids or category names.") % {"max": PREFERENCES_MAX_ITEMS}
            ]
        else:
            clean["product_preferences"] = [p.strip() if isinstance(p, str) else p for p in prefs]

    if "next_follow_up_at" in data:
        value = data["next_follow_up_at"]
        if value in (None, ""):
            clean["next_follow_up_at"] = None
        else:
            try:
                clean["next_follow_up_at"] = _parse_time(value)
            except (TypeError, ValueError):
                errors["next_follow_up_at"] = [_("A date and time, such as 2025-03-01T09:00+08:00.")]

    if "owner" in data:
        owner_id = _resolve_owner(access, data["owner"], errors, refs)
        if "owner" not in errors:
            clean["owner_id"] = owner_id

    if errors:
        raise ValidationFailed(_("Invalid customer."), errors=errors)
    return clean


# --- dual verification ------------------------------------------------------------------------


def _existing(customer: Customer) -> dict[str, Any]:
    return {"id": customer.pk, "name": customer.name, "owner": customer.owner_id}


def _duplicate_error(
    existing: Customer, fields: list[str], *, owners: dict[int, User] | None = None
) -> DuplicateCustomer:
    """The 409 naming ``existing`` and its owner (``owners``: the users already loaded, by id)."""
    labels = {key: label for key, _field, label in IDENTIFIERS}
    if existing.owner_id is None:
        holder = _("it is in the shared pool")
    else:
        if owners is None:
            owner = User.objects.filter(pk=existing.owner_id).only("name", "email").first()
        else:
            owner = owners.get(existing.owner_id)
        holder = _("it belongs to %(owner)s") % {"owner": (owner.name or owner.email) if owner else existing.owner_id}
    what = ", ".join(str(labels[f]) for f in fields)
    detail = _("Customer “%(name)s” (#%(id)s) already has this %(what)s; %(holder)s.") % {
        "name": existing.name,
        "id": existing.pk,
        "what": what,
        "holder": holder,
    }
    message = _("Already used by customer “%(name)s” (#%(id)s).") % {"name": existing.name, "id": existing.pk}
    return DuplicateCustomer(detail, existing=_existing(existing), errors={f: [message] for f in fields})


def find_duplicate(
    *, mobile_normalized: str = "", wechat_id: str = "", platform_chat_id: str = "", exclude_id: int | None = None
) -> tuple[Customer, list[str]] | None:
    """The live customer holding any of these identifiers, and which ones (data keys), or None."""
    values = {"mobile": mobile_normalized, "wechat_id": wechat_id, "platform_chat_id": platform_chat_id}
    condition = Q()
    for key, field, _label in IDENTIFIERS:
        if values[key]:
            condition |= Q(**{field: values[key]})
    if not condition:
        return None
    qs = Customer.objects.live().filter(condition)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    found = qs.order_by("pk").first()
    if found is None:
        return None
    fields = [key for key, field, _label in IDENTIFIERS if values[key] and getattr(found, field) == values[key]]
    return found, fields


def _check_duplicates(values: dict[str, str], *, exclude_id: int | None = None) -> None:
    found = find_duplicate(
        mobile_normalized=values.get("mobile_normalized", ""),
        wechat_id=values.get("wechat_id", ""),
        platform_chat_id=values.get("platform_chat_id", ""),
        exclude_id=exclude_id,
    )
    if found is not None:
        raise _duplicate_error(*found)


def _duplicate_from_integrity(exc: IntegrityError, values: dict[str, str], exclude_id: int | None) -> Exception:
    """Turn a violated unique constraint into the same 409 as the look-up (the row that won the
    race is committed, so it can be read now)."""
    constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
    if constraint not in CONSTRAINT_FIELDS:
        return exc
    found = find_duplicate(
        mobile_normalized=values.get("mobile_normalized", ""),
        wechat_id=values.get("wechat_id", ""),
        platform_chat_id=values.get("platform_chat_id", ""),
        exclude_id=exclude_id,
    )
    if found is None:  # the other write was rolled back meanwhile: still refuse, the caller may retry
        return Conflict(_("This customer was being saved by someone else; try again."), code="duplicate_customer")
    return _duplicate_error(*found)


# --- create / update --------------------------------------------------------------------------


def _new_customer(
    data: dict[str, Any], *, access: StoreAccess, at: datetime, refs: _References | None = None
) -> tuple[Customer, list[Tag]]:
    """The unsaved customer ``access`` creates from ``data``, and its tags, after complete
    validation (raises ValidationFailed). Who owns it: see the module doc."""
    clean = _validate(data, access=access, creating=True, refs=refs)
    if "owner_id" in clean:
        owner_id = clean.pop("owner_id")
    else:
        owner_id = None if access.role == StoreRole.ADMIN else access.user.pk
    tags = clean.pop("tags", [])
    customer = Customer(
        **clean,
        owner_id=owner_id,
        owner_since=at if owner_id is not None else None,
        created_by_id=access.user.pk,
    )
    return customer, tags


def _identifiers(customer: Customer) -> dict[str, str]:
    return {field: getattr(customer, field) for _key, field, _label in IDENTIFIERS}


def _live_customer_count() -> int:
    """What counts against the plan's customer limit."""
    return Customer.objects.live().count()


def customer_create(*, data: dict[str, Any], by: StoreAccess | User, at: datetime | None = None) -> Customer:
    """Create a customer after complete validation and dual verification (see the module doc)."""
    access = _access(by)
    _require(access, "customers.create")
    at = at or timezone.now()
    customer, tags = _new_customer(data, access=access, at=at)
    identifiers = _identifiers(customer)
    _check_duplicates(identifiers)
    try:
        with transaction.atomic():
            limits.check(current_store(), limits.CUSTOMERS, adding=1, used=_live_customer_count)
            customer.save()
            if tags:
                customer.tags.set(tags)
            publish(
                topic="customer",
                entity_id=customer.pk,
                event="customer.created",
                data=customer_event_data(customer),
            )
    except IntegrityError as exc:
        raise _duplicate_from_integrity(exc, identifiers, None) from exc
    return customer


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


def customer_create_many(
    *, rows: list[dict[str, Any]], by: StoreAccess | User, at: datetime | None = None
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
    access = _access(by)
    _require(access, "customers.create")
    at = at or timezone.now()
    refs = _References(access)
    refs.preload(rows)
    outcomes: list[RowOutcome | None] = [None] * len(rows)
    drafts: dict[int, tuple[Customer, list[Tag]]] = {}
    for index, data in enumerate(rows):
        try:
            drafts[index] = _new_customer(data, access=access, at=at, refs=refs)
        except ValidationFailed as exc:
            outcomes[index] = RowOutcome(INVALID, error=exc)

    # Dual verification: the live customers holding any identifier of the batch, then row by row.
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

    try:
        with transaction.atomic():
            limits.check(current_store(), limits.CUSTOMERS, adding=len(new), used=_live_customer_count)
            created = Customer.objects.bulk_create([drafts[index][0] for index in new])
            Link = Customer.tags.through
            links = [
                Link(customer_id=c.pk, tag_id=t.pk) for c, i in zip(created, new, strict=True) for t in drafts[i][1]
            ]
            if links:
                Link.objects.bulk_create(links)
            # One row per customer, as ``customer_create`` writes it: the HQ fact and the public event.
            emit_many(
                "customer.created",
                entity="customer",
                topic="customer",
                data_by_id=customer_event_data_many([c.pk for c in created]),
            )
    except IntegrityError:
        logger.info("customer batch collided with a concurrent write; creating its rows one by one")
        return _create_one_by_one(rows, outcomes, access=access, at=at)

    for index in new:
        outcomes[index] = RowOutcome(CREATED, customer_id=drafts[index][0].pk)
    owner_ids = {holder.owner_id for holder, _fields in duplicates.values() if holder.owner_id is not None}
    owners = (
        {user.pk: user for user in User.objects.filter(pk__in=owner_ids).only("name", "email")} if owner_ids else {}
    )
    for index, (holder, fields) in duplicates.items():
        outcomes[index] = RowOutcome(
            DUPLICATE, customer_id=holder.pk, error=_duplicate_error(holder, fields, owners=owners)
        )
    return outcomes  # type: ignore[return-value]


def _create_one_by_one(
    rows: list[dict[str, Any]], outcomes: list[RowOutcome | None], *, access: StoreAccess, at: datetime
) -> list[RowOutcome]:
    """The valid rows of a batch through ``customer_create``, each in its own transaction."""
    done: list[RowOutcome] = []
    for data, outcome in zip(rows, outcomes, strict=True):
        if outcome is None:
            try:
                outcome = RowOutcome(CREATED, customer_id=customer_create(data=data, by=access, at=at).pk)
            except DuplicateCustomer as exc:
                outcome = RowOutcome(DUPLICATE, customer_id=exc.existing.get("id"), error=exc)
            except DomainError as exc:
                outcome = RowOutcome(INVALID, error=exc)
        done.append(outcome)
    return done


def customer_update(
    *, customer: Customer, data: dict[str, Any], by: StoreAccess | User, at: datetime | None = None
) -> Customer:
    """Change the given fields of a customer; the same checks as ``customer_create``.

    ``owner`` may be changed (to another salesperson or supervisor) by a supervisor or admin;
    sending a customer to the pool is a release (the pool app), not an edit.
    """
    access = _access(by)
    _require(access, "customers.edit")
    _require_works_on(access, customer)
    clean = _validate(data, access=access, creating=False)
    if "owner_id" in clean and clean["owner_id"] is None:
        raise ValidationFailed(
            _("Invalid customer."), errors={"owner": [_("Release the customer to put it in the shared pool.")]}
        )
    at = at or timezone.now()
    tags = clean.pop("tags", None)
    try:
        with transaction.atomic():
            locked = Customer.objects.select_for_update(of=("self",)).filter(pk=customer.pk).first()
            if locked is None or locked.merged_into_id is not None:
                raise NotFound(_("No such customer."))
            _require_works_on(access, locked)
            changed = {k: v for k, v in clean.items() if getattr(locked, k) != v}
            identifiers = {
                k: v for k, v in changed.items() if k in ("mobile_normalized", "wechat_id", "platform_chat_id")
            }
            _check_duplicates(identifiers, exclude_id=locked.pk)
            if "owner_id" in changed:
                changed["owner_since"] = at
                changed["return_visit_deadline"] = None
            for key, value in changed.items():
                setattr(locked, key, value)
            if changed:
                locked.save(update_fields=[*changed, "updated_at"])
            tags_changed = tags is not None and {t.pk for t in locked.tags.all()} != {t.pk for t in tags}
            if tags is not None:
                locked.tags.set(tags)
            if changed or tags_changed:
                publish(
                    topic="customer" if changed else None,
                    entity_id=locked.pk,
                    event="customer.updated",
                    data=customer_event_data(locked),
                )
    except IntegrityError as exc:
        raise _duplicate_from_integrity(exc, clean, customer.pk) from exc
    customer.refresh_from_db()
    return customer


def tags_set(*, customer: Customer, names: Iterable[str], by: StoreAccess | User) -> Customer:
    """Replace the customer's tags by ``names`` (existing tags only)."""
    return customer_update(customer=customer, data={"tags": list(names)}, by=by)


# --- follow-ups -------------------------------------------------------------------------------


def follow_up_add(
    *,
    customer: Customer,
    by: StoreAccess | User,
    kind: str,
    content: str,
    outcome: str = "",
    next_follow_up_at: datetime | str | None = None,
    at: datetime | None = None,
    attachments: Any = (),
) -> FollowUp:
    """Record a follow-up and move the customer's last / next follow-up (row lock on the customer).

    ``at`` is when it happened (default now); a back-dated follow-up older than the customer's
    last one is recorded without moving its dates. A follow-up recorded by the return-visit
    deadline of a claim clears that deadline (the customer is kept).
    """
    access = _access(by)
    _require(access, "followups.create")
    at = at or timezone.now()
    errors: dict[str, list[str]] = {}
    if kind not in FollowUp.Kind.values:
        errors["kind"] = [_("One of: %(kinds)s.") % {"kinds": ", ".join(FollowUp.Kind.values)}]
    content = (content or "").strip() if isinstance(content, str) or content is None else None
    if not content:
        errors["content"] = [_("Say what happened.")]
    elif len(content) > CONTENT_MAX_LENGTH:
        errors["content"] = [_("At most %(max)d characters.") % {"max": CONTENT_MAX_LENGTH}]
    outcome = (outcome or "").strip() if isinstance(outcome, str) or outcome is None else None
    if outcome is None or len(outcome) > 300:
        errors["outcome"] = [_("At most %(max)d characters.") % {"max": 300}]
    next_at = None
    if next_follow_up_at not in (None, ""):
        try:
            next_at = _parse_time(next_follow_up_at)
        except (TypeError, ValueError):
            errors["next_follow_up_at"] = [_("A date and time, such as 2025-03-01T09:00+08:00.")]
        else:
            if next_at <= at:
                errors["next_follow_up_at"] = [_("The next follow-up must be later than this one.")]
    if errors:
        raise ValidationFailed(_("Invalid follow-up."), errors=errors)
    checked_files = files.check_attachments(attachments)

    with transaction.atomic():
        locked = Customer.objects.select_for_update(of=("self",)).filter(pk=customer.pk).first()
        if locked is None or locked.merged_into_id is not None:
            raise NotFound(_("No such customer."))
        _require_works_on(access, locked)  # ownership may have changed since the page was loaded
        follow_up = FollowUp.objects.create(
            customer=locked,
            author_id=access.user.pk,
            kind=kind,
            content=content,
            outcome=outcome,
            next_follow_up_at=next_at,
            created_at=at,
        )
        for item in checked_files:
            _attach(follow_up, item)
        fields: list[str] = []
        if locked.last_follow_up_at is None or at >= locked.last_follow_up_at:
            locked.last_follow_up_at = at
            locked.next_follow_up_at = next_at
            fields += ["last_follow_up_at", "next_follow_up_at"]
        if locked.return_visit_deadline is not None and at <= locked.return_visit_deadline:
            locked.return_visit_deadline = None
            fields.append("return_visit_deadline")
        if fields:
            locked.save(update_fields=[*fields, "updated_at"])
        publish(topic="follow_up", entity_id=follow_up.pk)
    customer.last_follow_up_at = locked.last_follow_up_at
    customer.next_follow_up_at = locked.next_follow_up_at
    customer.return_visit_deadline = locked.return_visit_deadline
    return follow_up


def _attach(follow_up: FollowUp, item) -> FollowUpAttachment:
    attachment = FollowUpAttachment(
        follow_up=follow_up, original_name=item.original_name, content_type=item.content_type, size=item.size
    )
    attachment.store_prefix = uploads.store_prefix()
    attachment.stored_name = uploads.stored_name(item.extension)
    content = item.file if isinstance(item.file, File) else File(item.file, name=item.original_name)
    content.seek(0)
    attachment.file.save(attachment.stored_name, content, save=False)
    attachment.save()
    return attachment


# --- tags -------------------------------------------------------------------------------------


def _clean_tag(name: Any, color: Any, *, partial: bool) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, str] = {}
    if name is not None or not partial:
        text = name.strip() if isinstance(name, str) else ""
        if not text or len(text) > 40 or "," in text or "，" in text:
            errors["name"] = [_("A name of 1 to 40 characters, without commas.")]
        else:
            clean["name"] = text
    if color is not None:
        text = color.strip() if isinstance(color, str) else None
        if text is None or len(text) > 20:
            errors["color"] = [_("At most %(max)d characters.") % {"max": 20}]
        else:
            clean["color"] = text
    if errors:
        raise ValidationFailed(_("Invalid tag."), errors=errors)
    return clean


def _duplicate_tag() -> DuplicateTag:
    return DuplicateTag(errors={"name": [_("Already used.")]})


def tag_create(*, name: str, by: StoreAccess | User, color: str = "") -> Tag:
    access = _access(by)
    _require(access, "tags.manage")
    clean = _clean_tag(name, color or "", partial=False)
    if Tag.objects.filter(name__iexact=clean["name"]).exists():
        raise _duplicate_tag()
    try:
        with transaction.atomic():
            return Tag.objects.create(**clean)
    except IntegrityError as exc:
        raise _duplicate_tag() from exc


def tag_update(*, tag: Tag, by: StoreAccess | User, name: str | None = None, color: str | None = None) -> Tag:
    access = _access(by)
    _require(access, "tags.manage")
    clean = _clean_tag(name, color, partial=True)
    if "name" in clean and Tag.objects.filter(name__iexact=clean["name"]).exclude(pk=tag.pk).exists():
        raise _duplicate_tag()
    for key, value in clean.items():
        setattr(tag, key, value)
    if clean:
        try:
            with transaction.atomic():
                tag.save(update_fields=list(clean))
        except IntegrityError as exc:
            raise _duplicate_tag() from exc
    return tag


def tag_delete(*, tag: Tag, by: StoreAccess | User) -> None:
    """Delete a tag; the customers that carried it simply lose it."""
    access = _access(by)
    _require(access, "tags.manage")
    tag.delete()


# --- merge ------------------------------------------------------------------------------------

# Profile fields the survivor takes from the merged record when its own are empty.
MERGE_FILL_FIELDS = (
    "company",
    "mobile",
    "mobile_normalized",
    "wechat_id",
    "platform_chat_id",
    "channel_id",
    "province",
    "city",
    "address",
    "intention_level",
    "intention_note",
)
SNAPSHOT_FIELDS = (
    "name",
    *MERGE_FILL_FIELDS,
    "grade",
    "product_preferences",
    "owner_id",
    "owner_since",
    "return_visit_deadline",
    "released_at",
    "next_follow_up_at",
    "last_follow_up_at",
    "created_by_id",
    "created_at",
)


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _reassign_pool_records(*, survivor: Customer, merged: Customer) -> Any:
    try:
        from tenant_apps.pool.services import pool_reassign_customer
    except ImportError:
        logger.warning("pool_reassign_customer is not available: pool records of %s stay put", merged.pk)
        return None
    return pool_reassign_customer(from_customer_id=merged.pk, to_customer_id=survivor.pk)


def customer_merge(*, survivor: Customer, merged: Customer, by: StoreAccess | User) -> CustomerMerge:
    """Merge ``merged`` into ``survivor`` (two records of one person), keeping everything of both.

    ``merged`` stays as a pointer (``merged_into``), out of lists and out of the unique
    constraints, so its mobile number and chat ids can pass to the survivor where the survivor has
    none. Follow-ups, pool releases and claims, and the rows of every module registered with
    ``panels.register_merge_handler`` move to the survivor; tags are united; the survivor keeps its
    own values and fills its empty ones from ``merged``. The merge is recorded with a snapshot of
    the merged record.
    """
    access = _access(by)
    _require(access, "customers.merge")
    if survivor.pk == merged.pk:
        raise ValidationFailed(_("Invalid merge."), errors={"merged": [_("A record cannot be merged into itself.")]})
    with transaction.atomic():
        locked = {
            c.pk: c
            for c in Customer.objects.select_for_update(of=("self",))
            .filter(pk__in=[survivor.pk, merged.pk])
            .order_by("pk")
        }
        keeper, gone = locked.get(survivor.pk), locked.get(merged.pk)
        if keeper is None or gone is None:
            raise NotFound(_("No such customer."))
        for customer in (keeper, gone):
            if not can_see_customer(access=access, customer=customer):
                raise NotFound(_("No such customer."))
        for field, customer in (("survivor", keeper), ("merged", gone)):
            if customer.merged_into_id is not None:
                raise Conflict(
                    _("Customer #%(id)s was already merged into #%(into)s.")
                    % {"id": customer.pk, "into": customer.merged_into_id},
                    code=CustomerErrorCode.CUSTOMER_MERGED,
                    errors={field: [_("Already merged.")]},
                )

        snapshot: dict[str, Any] = {f: _jsonable(getattr(gone, f)) for f in SNAPSHOT_FIELDS}
        snapshot["tags"] = sorted(gone.tags.values_list("name", flat=True))

        # Free the merged record's identifiers first: it leaves the unique constraints.
        gone.merged_into = keeper
        gone.save(update_fields=["merged_into", "updated_at"])
        Customer.objects.filter(merged_into_id=gone.pk).update(merged_into_id=keeper.pk)

        changed: list[str] = []
        for field in MERGE_FILL_FIELDS:
            if field == "mobile_normalized":
                continue
            if not getattr(keeper, field) and getattr(gone, field):
                setattr(keeper, field, getattr(gone, field))
                changed.append(field)
                if field == "mobile":
                    keeper.mobile_normalized = gone.mobile_normalized
                    changed.append("mobile_normalized")
        prefs = list(keeper.product_preferences or [])
        for item in gone.product_preferences or []:
            if item not in prefs:
                prefs.append(item)
        if prefs != list(keeper.product_preferences or []):
            keeper.product_preferences = prefs
            changed.append("product_preferences")
        if keeper.owner_id is None and gone.owner_id is not None:
            keeper.owner_id = gone.owner_id
            keeper.owner_since = gone.owner_since
            keeper.return_visit_deadline = gone.return_visit_deadline
            keeper.released_at = None
            changed += ["owner_id", "owner_since", "return_visit_deadline", "released_at"]
        if gone.last_follow_up_at and (
            keeper.last_follow_up_at is None or gone.last_follow_up_at > keeper.last_follow_up_at
        ):
            keeper.last_follow_up_at = gone.last_follow_up_at
            changed.append("last_follow_up_at")
        if gone.next_follow_up_at and (
            keeper.next_follow_up_at is None or gone.next_follow_up_at < keeper.next_follow_up_at
        ):
            keeper.next_follow_up_at = gone.next_follow_up_at
            keeper.reminded_for = gone.reminded_for
            changed += ["next_follow_up_at", "reminded_for"]
        if changed:
            keeper.save(update_fields=[*dict.fromkeys(changed), "updated_at"])

        moved_follow_ups = list(FollowUp.objects.filter(customer_id=gone.pk).values_list("pk", flat=True))
        FollowUp.objects.filter(pk__in=moved_follow_ups).update(customer_id=keeper.pk)
        keeper.tags.add(*gone.tags.all())
        snapshot["moved"] = {"follow_ups": moved_follow_ups}
        pool_note = _reassign_pool_records(survivor=keeper, merged=gone)
        if pool_note is not None:
            snapshot["moved"]["pool"] = pool_note
        for key, handler in merge_handlers():
            note = handler(survivor=keeper, merged=gone)
            if note is not None:
                snapshot["moved"][key] = note
        record = CustomerMerge.objects.create(survivor=keeper, merged=gone, by_id=access.user.pk, snapshot=snapshot)
        publish(topic="customer", entity_id=gone.pk)
        publish(
            topic="customer",
            entity_id=keeper.pk,
            event="customer.merged",
            data={**customer_event_data(keeper), "merged": gone.pk},
        )
    survivor.refresh_from_db()
    merged.refresh_from_db()
    return record


# --- reminders --------------------------------------------------------------------------------


def follow_up_reminders_send(*, at: datetime) -> int:
    """Notify each owner once for each customer whose next follow-up is due at ``at``.

    Idempotent: a customer is reminded for a given ``next_follow_up_at`` once (``reminded_for``);
    concurrent runs skip the rows another run holds. Returns how many reminders were sent.
    """
    sent = 0
    while True:
        with transaction.atomic():
            batch = list(
                Customer.objects.live()
                .filter(owner__isnull=False, next_follow_up_at__lte=at)
                .filter(Q(reminded_for__isnull=True) | ~Q(reminded_for=F("next_follow_up_at")))
                .select_for_update(skip_locked=True, of=("self",))
                .only("id", "name", "owner_id", "next_follow_up_at")
                .order_by("pk")[:REMINDER_BATCH]
            )
            if not batch:
                break
            tz = store_zone()
            for customer in batch:
                due = timezone.localtime(customer.next_follow_up_at, tz)
                notify(
                    recipients=[customer.owner_id],
                    kind="customers.follow_up_due",
                    title=format_lazy(gettext_lazy("Follow-up due: {name}"), name=customer.name),
                    body=format_lazy(
                        gettext_lazy("The next follow-up with {name} was planned for {due}."),
                        name=customer.name,
                        due=due.strftime("%Y-%m-%d %H:%M"),
                    ),
                    url=f"/customers/{customer.pk}/",
                    data={"customer": customer.pk, "due": customer.next_follow_up_at.isoformat()},
                )
            Customer.objects.filter(pk__in=[c.pk for c in batch]).update(reminded_for=F("next_follow_up_at"))
            sent += len(batch)
        if len(batch) < REMINDER_BATCH:
            break
    return sent


# --- handover -------------------------------------------------------------------------------------


def customers_give_to(*, customer_ids: Iterable[int], owner_id: int, at: datetime) -> list[tuple[int, int | None]]:
    """Give live customers to ``owner_id`` in one statement (a handover; the caller checked who
    may do it and that the owner is an active member). Returns ``[(customer id, former owner)]``
    of the customers that changed hands, their rows locked until the transaction ends."""
    ids = sorted(set(customer_ids))
    rows = list(
        Customer.objects.live()
        .filter(pk__in=ids)
        .exclude(owner_id=owner_id)
        .order_by("pk")
        .select_for_update()
        .values_list("pk", "owner_id")
    )
    changed = [pk for pk, _owner in rows]
    Customer.objects.filter(pk__in=changed).update(
        owner_id=owner_id, owner_since=at, return_visit_deadline=None, reminded_for=None, release_warned_for=None
    )
    publish_many(topic="customer", entity_ids=changed)
    return rows
