"""The ready-made rules a store switches on and tunes (product.md 3.10).

Each template has parameters (with defaults and bounds), default actions, and a scan: given the
parameters and the moment, the occurrences it finds now. An occurrence's key says what happened
once (this order waiting since its signing, this quotation submitted at that time, this store's
GMV in that period), so the same occurrence never fires twice however often the scan runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tenant_apps.customers import selectors as customer_selectors
from tenant_apps.finance import selectors as finance_selectors
from tenant_apps.sales import selectors as sales_selectors
from tenants.storetime import store_zone


@dataclass(frozen=True)
class Occurrence:
    record_type: str
    record_id: str
    key: str
    record: dict[str, Any]
    title: str
    url: str = ""
    owner_id: int | None = None


@dataclass(frozen=True)
class Param:
    name: str
    label: Any
    kind: type  # int or Decimal or str
    default: Any
    minimum: Any = None
    maximum: Any = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Template:
    key: str
    label: Any
    description: Any
    params: tuple[Param, ...]
    scan: Callable[[dict[str, Any], datetime], Iterator[Occurrence]]
    actions: list[dict[str, Any]] = field(default_factory=list)

    def defaults(self) -> dict[str, Any]:
        return {p.name: (str(p.default) if p.kind is Decimal else p.default) for p in self.params}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _money(value: Decimal | None) -> str:
    return f"{(value or Decimal('0')):.2f}"


def order_record(order) -> dict[str, Any]:
    customer = order.customer
    return {
        "id": order.pk,
        "number": order.number,
        "customer": {"id": customer.pk, "name": customer.name, "grade": customer.grade},
        "owner": order.owner_id,
        "status": order.status,
        "payment_mode": order.payment_mode,
        "amount": _money(order.amount),
        "collected": _money(order.collected),
        "outstanding": _money(order.outstanding),
        "due_date": order.due_date.isoformat() if order.due_date else None,
        "channel": order.channel_id,
        "signed_at": _iso(order.signed_at),
    }


def customer_record(customer) -> dict[str, Any]:
    return {
        "id": customer.pk,
        "name": customer.name,
        "grade": customer.grade,
        "owner": customer.owner_id,
        "channel": customer.channel_id,
        "province": customer.province,
        "last_follow_up_at": _iso(customer.last_follow_up_at),
        "owner_since": _iso(customer.owner_since),
    }


# --- the five -------------------------------------------------------------------------------------


def scan_dispatch_failure(params: dict[str, Any], at: datetime) -> Iterator[Occurrence]:
    """Orders not shipped ``hours`` after they may be; deliveries marked failed."""
    cutoff = at - timedelta(hours=int(params["hours"]))
    for order in sales_selectors.orders_waiting_for_outbound(since_before=cutoff).iterator(chunk_size=500):
        since = order.fully_collected_at if order.payment_mode == "prepaid" else order.signed_at
        yield Occurrence(
            record_type="order",
            record_id=str(order.pk),
            key=f"order:{order.pk}:not_shipped_since:{since.isoformat()}",
            record=order_record(order),
            title=gettext("Order %(number)s is not shipped %(hours)s hours after it could be")
            % {"number": order.number, "hours": params["hours"]},
            url=f"/sales/orders/{order.pk}/",
            owner_id=order.owner_id,
        )
    for delivery in sales_selectors.failed_deliveries(since=at - timedelta(days=int(params["lookback_days"]))):
        order = delivery.order
        yield Occurrence(
            record_type="delivery",
            record_id=str(delivery.pk),
            key=f"delivery:{delivery.pk}:failed:{delivery.failed_at.isoformat()}",
            record={**order_record(order), "delivery": {"id": delivery.pk, "reason": delivery.failure_reason}},
            title=gettext("Delivery of order %(number)s failed: %(reason)s")
            % {"number": order.number, "reason": delivery.failure_reason},
            url=f"/sales/orders/{order.pk}/",
            owner_id=order.owner_id,
        )


def scan_receivable_overdue(params: dict[str, Any], at: datetime) -> Iterator[Occurrence]:
    """Credit orders ``days`` or more past their due date with money outstanding."""
    today = finance_selectors.store_today(at=at)
    for order in finance_selectors.overdue_orders(today=today - timedelta(days=int(params["days"]))).iterator(
        chunk_size=500
    ):
        yield Occurrence(
            record_type="order",
            record_id=str(order.pk),
            key=f"order:{order.pk}:overdue:{order.due_date.isoformat()}",
            record=order_record(order),
            title=gettext("Order %(number)s is overdue: %(outstanding)s outstanding since %(due)s")
            % {"number": order.number, "outstanding": _money(order.outstanding), "due": order.due_date.isoformat()},
            url=f"/sales/orders/{order.pk}/",
            owner_id=order.owner_id,
        )


def gtv_periods(at: datetime, days: int) -> tuple[datetime, datetime, datetime]:
    """(previous start, start, end) of the last two whole periods of ``days`` local days before
    ``at``. Periods are fixed blocks of the calendar (day numbers divisible by ``days`` start
    one), so a drop is reported once per period, not again each day while it lasts."""
    zone = store_zone()
    today = at.astimezone(zone).date()
    end_day = date.fromordinal(today.toordinal() - today.toordinal() % days)
    end = datetime.combine(end_day, time.min, tzinfo=zone)
    start = datetime.combine(end_day - timedelta(days=days), time.min, tzinfo=zone)
    previous_start = datetime.combine(end_day - timedelta(days=2 * days), time.min, tzinfo=zone)
    return previous_start, start, end


def scan_gtv_drop(params: dict[str, Any], at: datetime) -> Iterator[Occurrence]:
    """GMV over the last whole period of ``days`` local days below ``percent`` % of the period
    before it: the store's (``scope`` store) or each customer's (``scope`` customer)."""
    days = int(params["days"])
    percent = Decimal(str(params["percent"]))
    previous_start, start, end = gtv_periods(at, days)
    period = f"{start.date().isoformat()}/{end.date().isoformat()}"
    minimum = Decimal(str(params["min_previous"]))
    if params["scope"] == "store":
        current = sales_selectors.gmv_between(start=start, end=end)
        previous = sales_selectors.gmv_between(start=previous_start, end=start)
        if previous > 0 and previous >= minimum and current * 100 < previous * percent:
            yield Occurrence(
                record_type="store",
                record_id="",
                key=f"store:gmv_drop:{period}",
                record={"gmv": _money(current), "previous_gmv": _money(previous), "days": days},
                title=gettext("Store GMV fell to %(current)s over %(days)s days, from %(previous)s")
                % {"current": _money(current), "previous": _money(previous), "days": days},
                url="/kanban/",
            )
        return
    current_by = sales_selectors.gmv_by_customer_between(start=start, end=end)
    previous_by = sales_selectors.gmv_by_customer_between(start=previous_start, end=start)
    dropped = [
        pk
        for pk, previous in previous_by.items()
        if previous > 0 and previous >= minimum and current_by.get(pk, Decimal("0")) * 100 < previous * percent
    ]
    for customer in customer_selectors.customers_by_ids(ids=dropped).order_by("pk"):
        current, previous = current_by.get(customer.pk, Decimal("0")), previous_by[customer.pk]
        yield Occurrence(
            record_type="customer",
            record_id=str(customer.pk),
            key=f"customer:{customer.pk}:gmv_drop:{period}",
            record={**customer_record(customer), "gmv": _money(current), "previous_gmv": _money(previous)},
            title=gettext("%(name)s bought %(current)s in %(days)s days, down from %(previous)s")
            % {"name": customer.name, "current": _money(current), "previous": _money(previous), "days": days},
            url=f"/customers/{customer.pk}/",
            owner_id=customer.owner_id,
        )


def scan_customer_quiet(params: dict[str, Any], at: datetime) -> Iterator[Occurrence]:
    """Owned customers without a follow-up for ``days`` days: once per quiet spell."""
    before = at - timedelta(days=int(params["days"]))
    for customer in customer_selectors.quiet_customers(before=before).iterator(chunk_size=500):
        last = customer.last_follow_up_at or customer.owner_since
        yield Occurrence(
            record_type="customer",
            record_id=str(customer.pk),
            key=f"customer:{customer.pk}:quiet_since:{last.isoformat()}",
            record=customer_record(customer),
            title=gettext("%(name)s has had no follow-up for %(days)s days")
            % {"name": customer.name, "days": params["days"]},
            url=f"/customers/{customer.pk}/",
            owner_id=customer.owner_id,
        )


def scan_quotation_waiting(params: dict[str, Any], at: datetime) -> Iterator[Occurrence]:
    """Quotations waiting for approval longer than ``hours``: once per submission."""
    cutoff = at - timedelta(hours=int(params["hours"]))
    for quotation in sales_selectors.quotations_pending_approval(submitted_before=cutoff):
        yield Occurrence(
            record_type="quotation",
            record_id=str(quotation.pk),
            key=f"quotation:{quotation.pk}:pending_since:{quotation.submitted_at.isoformat()}",
            record={
                "id": quotation.pk,
                "number": quotation.number,
                "customer": {"id": quotation.customer_id, "name": quotation.customer.name},
                "owner": quotation.owner_id,
                "status": quotation.status,
                "amount": _money(quotation.amount),
                "discount_rate": str(quotation.discount_rate) if quotation.discount_rate is not None else None,
                "submitted_at": _iso(quotation.submitted_at),
            },
            title=gettext("Quotation %(number)s has waited for approval over %(hours)s hours")
            % {"number": quotation.number, "hours": params["hours"]},
            url=f"/sales/quotations/{quotation.pk}/",
            owner_id=quotation.owner_id,
        )


NOTIFY_OWNER_AND_SUPERVISORS = [{"type": "notify", "owner": True, "roles": ["supervisor"]}]

TEMPLATES: tuple[Template, ...] = (
    Template(
        key="dispatch_failure",
        label=_("Dispatch failure"),
        description=_("An order not shipped N hours after it may be, or a delivery marked failed."),
        params=(
            Param("hours", _("Hours after it may ship"), int, 24, 1, 24 * 30),
            Param("lookback_days", _("Failed deliveries of the last days"), int, 7, 1, 90),
        ),
        scan=scan_dispatch_failure,
        actions=[{"type": "notify", "owner": True, "roles": ["supervisor", "warehouse"]}],
    ),
    Template(
        key="receivable_overdue",
        label=_("Receivable overdue"),
        description=_("A credit order N days past its due date with money outstanding."),
        params=(Param("days", _("Days past due"), int, 0, 0, 365),),
        scan=scan_receivable_overdue,
        actions=[{"type": "notify", "owner": True, "roles": ["finance"]}],
    ),
    Template(
        key="gtv_drop",
        label=_("GTV drop-off"),
        description=_(
            "GMV over the last N days below X percent of the previous N days, for the store or each customer."
        ),
        params=(
            Param("days", _("Days in a period"), int, 30, 1, 365),
            Param(
                "percent",
                _("Below this percentage of the previous period"),
                Decimal,
                Decimal("50"),
                Decimal("1"),
                Decimal("100"),
            ),
            Param("scope", _("For"), str, "store", choices=("store", "customer")),
            Param("min_previous", _("Previous period at least (amount)"), Decimal, Decimal("0"), Decimal("0")),
        ),
        scan=scan_gtv_drop,
        actions=[{"type": "notify", "owner": True, "roles": ["admin", "supervisor"]}],
    ),
    Template(
        key="customer_quiet",
        label=_("Customer gone quiet"),
        description=_("An owned customer without a follow-up for N days."),
        params=(Param("days", _("Days without a follow-up"), int, 30, 1, 365),),
        scan=scan_customer_quiet,
        actions=[{"type": "notify", "owner": True}],
    ),
    Template(
        key="quotation_waiting",
        label=_("Quotation awaiting approval too long"),
        description=_("A quotation pending approval for more than N hours."),
        params=(Param("hours", _("Hours pending"), int, 24, 1, 24 * 30),),
        scan=scan_quotation_waiting,
        actions=[{"type": "notify", "owner": True, "roles": ["supervisor", "admin"]}],
    ),
)

_BY_KEY = {template.key: template for template in TEMPLATES}


def get(key: str) -> Template | None:
    return _BY_KEY.get(key)


def clean_params(template: Template, given: Any) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The template's parameters from ``given`` over its defaults, and the errors found."""
    errors: dict[str, list[str]] = {}
    if given is None:
        given = {}
    if not isinstance(given, dict):
        return template.defaults(), {"params": [gettext("An object of parameters is expected.")]}
    unknown = set(given) - {p.name for p in template.params}
    if unknown:
        errors["params"] = [gettext("Unknown parameters: %(names)s.") % {"names": ", ".join(sorted(map(str, unknown)))}]
    values = template.defaults()
    for param in template.params:
        if param.name not in given:
            continue
        raw = given[param.name]
        try:
            if param.kind is int:
                if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
                    raise ValueError
                value: Any = int(raw)
            elif param.kind is Decimal:
                if isinstance(raw, bool):
                    raise ValueError
                value = Decimal(str(raw))
                if not value.is_finite():
                    raise ValueError
            else:
                value = str(raw)
        except (ValueError, ArithmeticError, TypeError):
            errors.setdefault(f"params.{param.name}", []).append(gettext("Not a valid value."))
            continue
        if param.choices and value not in param.choices:
            errors.setdefault(f"params.{param.name}", []).append(
                gettext("Choose from: %(values)s.") % {"values": ", ".join(param.choices)}
            )
            continue
        if (param.minimum is not None and value < param.minimum) or (
            param.maximum is not None and value > param.maximum
        ):
            errors.setdefault(f"params.{param.name}", []).append(
                gettext("Between %(min)s and %(max)s.") % {"min": param.minimum, "max": param.maximum or "∞"}
            )
            continue
        values[param.name] = str(value) if param.kind is Decimal else value
    return values, errors


# --- records of rules on a schedule -----------------------------------------------------------------

RECORD_KINDS = ("orders", "customers", "quotations")


def quotation_record(quotation) -> dict[str, Any]:
    return {
        "id": quotation.pk,
        "number": quotation.number,
        "customer": {"id": quotation.customer_id, "name": quotation.customer.name},
        "owner": quotation.owner_id,
        "status": quotation.status,
        "amount": _money(quotation.amount),
        "discount_rate": str(quotation.discount_rate) if quotation.discount_rate is not None else None,
        "valid_until": quotation.valid_until.isoformat() if quotation.valid_until else None,
        "submitted_at": _iso(quotation.submitted_at),
    }


def scheduled_records(kind: str, *, slot_key: str) -> Iterator[Occurrence]:
    """Every open record of ``kind``, as an occurrence of this schedule slot."""
    if kind == "orders":
        for order in sales_selectors.open_orders().iterator(chunk_size=500):
            yield Occurrence(
                "order",
                str(order.pk),
                f"order:{order.pk}:slot:{slot_key}",
                order_record(order),
                order.number,
                f"/sales/orders/{order.pk}/",
                order.owner_id,
            )
    elif kind == "customers":
        for customer in customer_selectors.owned_customers().iterator(chunk_size=500):
            yield Occurrence(
                "customer",
                str(customer.pk),
                f"customer:{customer.pk}:slot:{slot_key}",
                customer_record(customer),
                customer.name,
                f"/customers/{customer.pk}/",
                customer.owner_id,
            )
    elif kind == "quotations":
        for quotation in sales_selectors.open_quotations().iterator(chunk_size=500):
            yield Occurrence(
                "quotation",
                str(quotation.pk),
                f"quotation:{quotation.pk}:slot:{slot_key}",
                quotation_record(quotation),
                quotation.number,
                f"/sales/quotations/{quotation.pk}/",
                quotation.owner_id,
            )
