"""The historical orders importer: orders moving in from another system, from CSV or XLSX.

Each row is one order line; the rows sharing an ``external_id`` are the lines of one order (the
order-level columns may be repeated on every line or given once; given twice they must agree).
Columns, by their English or Chinese names (外部单号, 客户手机, 客户微信, 客户名称, 省份, 渠道, 设备,
SKU/商品编码, 数量, 单价, 签约时间, 状态, 完成时间, 付款方式, 已收款, 评分, 账期/到期日, 负责人邮箱):

* the customer is found by dual verification (the normalised mobile number or the WeChat id of a
  live customer of the store); when none holds them a customer is created with the same checks
  as one typed in by hand (``customer_name`` is then required);
* products by SKU (inactive products are accepted: historical orders may name discontinued
  ones); the line keeps the file's unit price and the product's list price;
* the channel by code or name (the customer's channel when empty), the device (pc, mobile, app;
  unknown when empty), the payment mode (prepaid when empty);
* ``signed_at`` and ``completed_at`` as given (a date alone is local midnight; times without an
  offset are in the store's timezone); a credit order without a due date is due 30 days after
  it was signed;
* ``status`` (code or Chinese label; ``completed`` when empty and ``completed_at`` is given); it
  must agree with the money: a prepaid order past ``pending_collection`` and a completed order
  are fully collected, an order pending collection or awaiting payment is not, a cancelled order
  has collected nothing;
* ``collected`` > 0 becomes one confirmed collection (``finance.record_imported_collection``)
  confirmed at ``completed_at`` or else ``signed_at``; ``rating`` (1-5) only on completed orders;
* the owner is the member named by ``owner_email`` (a salesperson or supervisor), else the
  customer's owner, else the importing user.

Every row is checked and any refused row refuses its whole order, nothing of it is written, and
each row says why. An ``external_id`` already imported is reported ``skipped`` ("unchanged") and
nothing is touched: importing the same file twice changes nothing. The orders of a batch are
written together (orders, lines, one ``imported`` timeline entry each, the outbox facts) and
count in every figure like any other order.

The lines of one order may be anywhere in the file. The import machinery works in batches of
rows; an order whose lines fall in several batches is handed to the importer whole by
``prescan`` (called by the upload views before the job starts), so that it is still written
at once, in the batch of its first line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import IO, Any

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.models import Membership
from shared_apps.accounts.roles import StoreRole
from shared_apps.platform.dates import day_in_range
from shared_apps.platform.errors import DomainError, ValidationFailed
from shared_apps.platform.fields import parse_money, parse_quantity
from shared_apps.platform.spreadsheets import open_spreadsheet
from tenant_apps.customers.error_codes import DuplicateCustomer
from tenant_apps.customers.services import CREATED, customer_create_many, find_duplicate, normalize_mobile
from tenant_apps.imports import services as import_services
from tenant_apps.imports.registry import Column, Importer, Outcome, RowResult, resolve_mapping
from tenant_apps.outbox.services import emit_many
from tenant_apps.sales.inputs import MAX_UNIT_PRICE, parse_cost
from tenant_apps.sales.models import Order, OrderEvent, OrderLine, Product
from tenant_apps.sales.serializers import order_event_data_many
from tenant_apps.sales.services import discount_rate, order_cost
from tenant_apps.workspace.selectors import channel_list
from tenants.storetime import store_zone

KIND = "orders"
CREDIT_DAYS = 30
# Rows of orders spanning batches that ``prescan`` carries in the job's options at most.
MAX_SPANNING_ROWS = 20_000
MAX_LINES = 200
EXTERNAL_ID_MAX = 64

COLUMNS: tuple[Column, ...] = (
    Column(
        "external_id",
        gettext_lazy("External ID"),
        required=True,
        aliases=("外部单号", "外部订单号", "原订单号", "原单号", "订单号", "订单编号", "order id", "order number"),
    ),
    Column(
        "customer_mobile",
        gettext_lazy("Customer mobile"),
        aliases=("客户手机", "手机", "手机号", "手机号码", "联系电话", "电话", "mobile", "phone"),
    ),
    Column(
        "customer_wechat_id",
        gettext_lazy("Customer WeChat ID"),
        aliases=("客户微信", "微信", "微信号", "wechat", "wechat id"),
    ),
    Column(
        "customer_name",
        gettext_lazy("Customer name"),
        aliases=("客户名称", "客户", "客户姓名", "姓名", "联系人", "customer", "name"),
    ),
    Column("province", gettext_lazy("Province"), aliases=("省份", "省", "地区")),
    Column("channel", gettext_lazy("Channel"), aliases=("渠道", "平台", "店铺", "来源渠道", "platform")),
    Column("device", gettext_lazy("Device"), aliases=("设备", "下单设备", "终端", "下单终端")),
    Column("sku", gettext_lazy("SKU"), required=True, aliases=("商品编码", "产品编码", "货号", "商品SKU", "product")),
    Column("quantity", gettext_lazy("Quantity"), required=True, aliases=("数量", "件数", "qty")),
    Column("unit_price", gettext_lazy("Unit price"), required=True, aliases=("单价", "成交单价", "成交价", "price")),
    Column(
        "unit_cost",
        gettext_lazy("Unit cost"),
        aliases=("成本价", "成本单价", "单位成本", "进货价", "cost"),
        help_text=gettext_lazy("The line's cost price (0 or more); empty: unknown."),
    ),
    Column(
        "signed_at",
        gettext_lazy("Signed at"),
        required=True,
        aliases=("签约时间", "签约日期", "下单时间", "下单日期", "成交时间", "成交日期", "签单时间", "order date"),
    ),
    Column("status", gettext_lazy("Status"), aliases=("状态", "订单状态")),
    Column("completed_at", gettext_lazy("Completed at"), aliases=("完成时间", "完成日期", "完结时间")),
    Column("payment_mode", gettext_lazy("Payment mode"), aliases=("付款方式", "结算方式", "支付方式", "payment")),
    Column(
        "collected",
        gettext_lazy("Collected"),
        aliases=("已收款", "已收金额", "回款金额", "收款金额", "已付金额", "paid"),
    ),
    Column("rating", gettext_lazy("Rating"), aliases=("评分", "评价", "客户评分", "feedback")),
    Column(
        "due_date",
        gettext_lazy("Due date"),
        aliases=("到期日", "账期到期日", "应收日期", "付款期限"),
        help_text=gettext_lazy("Credit orders only; 30 days after signing when empty."),
    ),
    Column(
        "owner_email",
        gettext_lazy("Owner email"),
        aliases=("负责人邮箱", "销售邮箱", "归属人邮箱", "owner email"),
        help_text=gettext_lazy("The salesperson or supervisor who owns the order (and a new customer)."),
    ),
)
LINE_FIELDS = ("sku", "quantity", "unit_price", "unit_cost")
ORDER_FIELDS = tuple(c.field for c in COLUMNS if c.field not in LINE_FIELDS and c.field != "external_id")

S = Order.Status
STATUS_NAMES = {
    "待收款": S.PENDING_COLLECTION,
    "待付款": S.PENDING_COLLECTION,
    "待出库": S.PENDING_OUTBOUND,
    "待发货": S.PENDING_DELIVERY,
    "已出库": S.PENDING_DELIVERY,
    "待收货": S.PENDING_RECEIPT,
    "待签收": S.PENDING_RECEIPT,
    "已发货": S.PENDING_RECEIPT,
    "已收货待付款": S.AWAITING_PAYMENT,
    "待回款": S.AWAITING_PAYMENT,
    "已收货": S.AWAITING_PAYMENT,
    "已完成": S.COMPLETED,
    "完成": S.COMPLETED,
    "已完结": S.COMPLETED,
    "交易成功": S.COMPLETED,
    "已取消": S.CANCELLED,
    "取消": S.CANCELLED,
    "交易关闭": S.CANCELLED,
}
PAYMENT_MODE_NAMES = {
    "预付": Order.PaymentMode.PREPAID,
    "预付款": Order.PaymentMode.PREPAID,
    "款到发货": Order.PaymentMode.PREPAID,
    "先款后货": Order.PaymentMode.PREPAID,
    "现款": Order.PaymentMode.PREPAID,
    "账期": Order.PaymentMode.CREDIT,
    "赊销": Order.PaymentMode.CREDIT,
    "月结": Order.PaymentMode.CREDIT,
    "先货后款": Order.PaymentMode.CREDIT,
    "货到付款": Order.PaymentMode.CREDIT,
}
DEVICE_NAMES = {
    "电脑": Order.Device.PC,
    "pc端": Order.Device.PC,
    "电脑端": Order.Device.PC,
    "手机": Order.Device.MOBILE,
    "移动端": Order.Device.MOBILE,
    "手机端": Order.Device.MOBILE,
    "无线": Order.Device.MOBILE,
    "客户端": Order.Device.APP,
    "未知": Order.Device.UNKNOWN,
}
CHANNEL_NAMES = {
    "天猫": "tmall",
    "京东": "jd",
    "拼多多": "pdd",
    "抖音": "douyin",
    "淘宝": "taobao",
    "阿里巴巴": "alibaba",
    "线下": "offline",
    "其他": "other",
}
_DATE_TIME = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]+(\d{1,2})[:：](\d{1,2})(?:[:：](\d{1,2})(?:\.\d+)?)?)?$"
)
_RATING = re.compile(r"^\s*([1-5])(?:\.0+)?\s*(星|分|stars?)?\s*$", re.IGNORECASE)
OWNER_ROLES = (StoreRole.SALESPERSON, StoreRole.SUPERVISOR)


def _key(text: str) -> str:
    return re.sub(r"\s+", "", str(text or "")).casefold()


def parse_local_time(value: str, tz) -> datetime | None:
    """A time as people write it: ``2025-03-01``, ``2025/3/1 14:05``, ``2025年3月1日``, ISO 8601 with or
    without an offset. Without an offset it is read in ``tz``; a date alone is local midnight.
    None when it cannot be read."""
    text = str(value or "").strip()
    if not text:
        return None
    match = _DATE_TIME.match(text)
    parsed: datetime | None
    try:
        if match:
            year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
            parsed = datetime(year, month, day, hour, minute, second)
        else:
            parsed = parse_datetime(text)
    except ValueError:
        return None
    if parsed is None:
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, tz)
    return parsed


def _parse_date(value: str) -> date | None:
    match = _DATE_TIME.match(str(value or "").strip())
    if not match or match.group(4):
        return None
    try:
        day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None
    return day if day_in_range(day) else None


# --- batches ---------------------------------------------------------------------------------


def prescan(file: IO[bytes], *, name: str, mapping: dict[str, Any] | None = None) -> dict[str, list]:
    """The orders whose lines fall in more than one batch of the import: {external id: [[row
    number, {field: text}], ...]} with all their rows, to put in the job's options (``spanning``).

    Reads the file twice (which batches each external id is in, then the rows of those that
    span batches); a file that fits in one batch is not read. Raises ValidationFailed when too
    many rows would have to be carried (the lines of each order should then be kept together).
    The file is left at its start."""
    result: dict[str, list] = {}
    batch_rows = import_services.batch_rows()
    try:
        sheet = open_spreadsheet(file, name=name)
    except DomainError:
        return result  # import_start refuses the file and says why
    try:
        with sheet:
            try:
                resolved, _ignored = resolve_mapping(headers=sheet.headers, columns=COLUMNS, mapping=mapping or {})
            except DomainError:
                return result
            id_header = next((h for h, f in resolved.items() if f == "external_id"), None)
            if id_header is None:
                return result
            batches: dict[str, set[int]] = {}
            index = -1
            for index, (_number, row) in enumerate(sheet.rows()):
                external_id = row.get(id_header, "").strip()
                if external_id:
                    batches.setdefault(external_id, set()).add(index // batch_rows)
            spanning = {key for key, seen in batches.items() if len(seen) > 1}
            if index < batch_rows or not spanning:
                return result
            carried = 0
            for number, row in sheet.rows():
                external_id = row.get(id_header, "").strip()
                if external_id in spanning:
                    carried += 1
                    if carried > MAX_SPANNING_ROWS:
                        raise ValidationFailed(
                            _(
                                "The lines of too many orders are scattered through the file; sort it by "
                                "external ID so that the lines of each order are next to each other."
                            ),
                            code="invalid_file",
                            errors={"file": [_("Sort the rows by external ID.")]},
                        )
                    values = {f: row.get(h, "") for h, f in resolved.items()}
                    result.setdefault(external_id, []).append([number, values])
    finally:
        file.seek(0)
    return result


# --- the importer ----------------------------------------------------------------------------


@dataclass
class _Line:
    product: Product
    quantity: int
    unit_price: Decimal
    unit_cost: Decimal | None = None


@dataclass
class _Draft:
    """One order of the file while it is checked: its rows' errors, then its clean values."""

    external_id: str
    rows: list[dict[str, str]]
    row_errors: list[list[str]] = field(default_factory=list)
    order_errors: list[str] = field(default_factory=list)
    lines: list[_Line] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    mobile: str = ""
    wechat_id: str = ""
    customer_id: int | None = None
    customer_owner_id: int | None = None
    customer_channel_id: int | None = None
    customer_data: dict[str, Any] | None = None
    customer_note: str = ""
    order: Order | None = None
    results: list[RowResult] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.order_errors and not any(self.row_errors)


_Fail = Callable[[str, str], None]


@dataclass
class _Read:
    """An order's values as read from its cells, before they are checked against each other."""

    signed_at: datetime | None = None
    completed_at: datetime | None = None
    mode: str = ""
    status: str = ""
    device: str = ""
    channel_id: int | None = None
    owner_id: int | None = None
    rating: int | None = None
    due_date: date | None = None
    collected: Decimal | None = None


class OrderImporter(Importer):
    kind = KIND
    label = gettext_lazy("Historical orders")
    permission = "orders.import"
    columns = COLUMNS
    batch_rows = True

    def __init__(self, *, access, options: dict[str, Any]) -> None:
        super().__init__(access=access, options=options)
        self.tz = store_zone()
        self.now = timezone.now()
        channels: dict[str, int] = {}
        self._channel_codes: dict[int, str] = {}
        for channel in channel_list():
            channels[_key(channel.code)] = channel.pk
            channels.setdefault(_key(channel.name), channel.pk)
            self._channel_codes[channel.pk] = channel.code
        for name, code in CHANNEL_NAMES.items():
            pk = channels.get(code)
            if pk is not None:
                channels.setdefault(_key(name), pk)
        self._channels = channels
        self._owners: dict[str, int | None] = {}
        self._spanning: dict[str, list] = dict(options.get("spanning") or {})
        # External id → the results of all its rows (orders spanning batches, done with their first line).
        self._done: dict[str, list[RowResult]] = {}
        self._seen: dict[str, int] = {}
        # External ids of the orders this run created.
        self._created: set[str] = set()

    @classmethod
    def object_url(cls, object_id: int) -> str | None:
        from django.urls import NoReverseMatch, reverse

        try:
            return reverse("sales:order-detail", kwargs={"order_id": object_id})
        except NoReverseMatch:
            return None

    # --- entry points ----------------------------------------------------------------------

    def process_row(self, values: dict[str, str]) -> RowResult:
        return self.process_batch([values])[0]

    def process_batch(self, rows: list[dict[str, str]]) -> list[RowResult]:
        """The rows of one batch: grouped into orders, checked, and the new valid orders written
        together. Runs inside the batch's transaction."""
        # One order import at a time per store: the external id check and the numbers stay exact.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"sales-import:{connection.schema_name}"])
        results: list[RowResult | None] = [None] * len(rows)
        groups: dict[str, list[int]] = {}
        for index, values in enumerate(rows):
            external_id = (values.get("external_id") or "").strip()
            if not external_id:
                results[index] = RowResult(Outcome.INVALID, _("External ID: this field is required."))
            elif len(external_id) > EXTERNAL_ID_MAX:
                results[index] = RowResult(
                    Outcome.INVALID, _("External ID: at most %(max)d characters.") % {"max": EXTERNAL_ID_MAX}
                )
            else:
                groups.setdefault(external_id, []).append(index)

        drafts: list[_Draft] = []
        positions: dict[str, list[int]] = {}  # external id → position in its order of each row of the batch
        for external_id, indexes in groups.items():
            # Lines of an order spanning batches are numbered across the batches; others within the batch.
            seen = self._seen.get(external_id, 0) if external_id in self._spanning else 0
            self._seen[external_id] = seen + len(indexes)
            positions[external_id] = list(range(seen, seen + len(indexes)))
            if external_id in self._done:
                continue
            if external_id in self._spanning:
                full = [values for _number, values in self._spanning[external_id]]
            else:
                full = [rows[i] for i in indexes]
            drafts.append(_Draft(external_id=external_id, rows=full))

        self._process(drafts)
        for draft in drafts:
            if draft.external_id in self._spanning:
                self._done[draft.external_id] = draft.results
        by_id = {draft.external_id: draft.results for draft in drafts}
        for external_id, indexes in groups.items():
            order_results = by_id.get(external_id) or self._done[external_id]
            for index, position in zip(indexes, positions[external_id], strict=True):
                if position < len(order_results):
                    results[index] = order_results[position]
                else:  # a line the prescan did not see (the file changed): refused with its order
                    results[index] = RowResult(Outcome.INVALID, _("This line was not part of the order."))
        return results  # type: ignore[return-value]

    # --- checking ------------------------------------------------------------------------

    def _process(self, drafts: list[_Draft]) -> None:
        if not drafts:
            return
        existing = {
            o.external_id: o
            for o in Order.objects.filter(external_id__in=[d.external_id for d in drafts]).only(
                "id", "number", "external_id", "amount", "status"
            )
        }
        new: list[_Draft] = []
        for draft in drafts:
            order = existing.get(draft.external_id)
            if order is not None and draft.external_id in self._created:
                # More lines of an order written from an earlier part of the file (without prescan).
                message = _(
                    "This line belongs to order %(number)s, imported from an earlier part of the file; keep "
                    "the lines of an order together."
                ) % {"number": order.number}
                draft.results = [RowResult(Outcome.INVALID, message, order.pk) for _row in draft.rows]
            elif order is not None:
                message = _("Unchanged: order %(number)s was imported from external ID %(id)s before.") % {
                    "number": order.number,
                    "id": draft.external_id,
                }
                draft.results = [RowResult(Outcome.SKIPPED, message, order.pk) for _row in draft.rows]
            else:
                new.append(draft)
        skus = {(row.get("sku") or "").strip() for draft in new for row in draft.rows}
        products = {p.sku: p for p in Product.objects.filter(sku__in=skus - {""}).select_related("category")}
        for draft in new:
            self._check(draft, products)
        self._resolve_customers([d for d in new if d.valid])
        valid = [d for d in new if d.valid]
        if valid:
            self._write(valid)
        for draft in new:
            if draft.valid:
                message = _("Order %(number)s with %(lines)s line(s); %(customer)s") % {
                    "number": draft.order.number,
                    "lines": len(draft.lines),
                    "customer": draft.customer_note,
                }
                draft.results = [RowResult(Outcome.CREATED, message, draft.order.pk) for _row in draft.rows]
                self._created.add(draft.external_id)
            else:
                draft.results = self._refusals(draft)

    def _refusals(self, draft: _Draft) -> list[RowResult]:
        reasons = [" ".join(errors) for errors in draft.row_errors]
        order_reason = " ".join(draft.order_errors)
        first_bad = next((n for n, r in enumerate(reasons) if r), None)
        results = []
        for n, reason in enumerate(reasons):
            parts = []
            if order_reason and n == 0:
                parts.append(order_reason)
            if reason:
                parts.append(reason)
            if not parts:
                if order_reason:
                    parts.append(
                        _("Order %(id)s refused: %(reason)s") % {"id": draft.external_id, "reason": order_reason}
                    )
                else:
                    parts.append(
                        _("Order %(id)s refused: line %(line)s is invalid.")
                        % {"id": draft.external_id, "line": (first_bad or 0) + 1}
                    )
            results.append(RowResult(Outcome.INVALID, " ".join(parts)))
        return results

    def _label(self, name: str) -> str:
        return next((str(c.label) for c in COLUMNS if c.field == name), name)

    def _check(self, draft: _Draft, products: dict[str, Product]) -> None:
        draft.row_errors = [[] for _row in draft.rows]
        if len(draft.rows) > MAX_LINES:
            draft.order_errors.append(_("An order has at most %(max)d lines.") % {"max": MAX_LINES})
            return
        # Lines.
        for n, row in enumerate(draft.rows):
            errors: dict[str, list[str]] = {}
            sku = (row.get("sku") or "").strip()
            product = products.get(sku) if sku else None
            if not sku:
                errors["sku"] = [_("This field is required.")]
            elif product is None:
                errors["sku"] = [_("Unknown SKU %(sku)s.") % {"sku": sku}]
            quantity = parse_quantity((row.get("quantity") or "").strip(), field="quantity", errors=errors)
            unit_price = parse_money(
                (row.get("unit_price") or "").strip(), field="unit_price", errors=errors, maximum=MAX_UNIT_PRICE
            )
            raw_cost = (row.get("unit_cost") or "").strip()
            unit_cost = parse_cost(raw_cost, field="unit_cost", errors=errors) if raw_cost else None
            if errors:
                draft.row_errors[n].extend(f"{self._label(k)}: {' '.join(map(str, v))}" for k, v in errors.items())
            else:
                draft.lines.append(_Line(product, quantity, unit_price, unit_cost))  # type: ignore[arg-type]
        # Order-level values: given once or repeated identically.
        merged: dict[str, str] = {}
        for n, row in enumerate(draft.rows):
            for name in ORDER_FIELDS:
                value = (row.get(name) or "").strip()
                if not value:
                    continue
                if name not in merged:
                    merged[name] = value
                elif merged[name] != value:
                    draft.row_errors[n].append(
                        _("%(column)s: “%(value)s” differs from “%(first)s” on an earlier line of this order.")
                        % {"column": self._label(name), "value": value, "first": merged[name]}
                    )
        if any(draft.row_errors):
            return
        errors: dict[str, list[str]] = {}
        values = self._order_values(draft, merged, errors)
        if errors:
            draft.order_errors.extend(f"{self._label(k)}: {' '.join(map(str, v))}" for k, v in errors.items())
            return
        draft.values = values

    def _order_values(self, draft: _Draft, merged: dict[str, str], errors: dict[str, list[str]]) -> dict[str, Any]:
        def fail(name: str, message: str) -> None:
            errors.setdefault(name, []).append(message)

        values: dict[str, Any] = {}
        read = _Read()
        self._read_customer_ids(draft, merged, fail)
        self._read_times(read, merged, fail)
        self._read_codes(read, merged, fail)
        self._read_links(read, merged, fail)
        self._read_extras(read, merged, fail, errors)
        if errors:
            return values

        amount = sum((line.unit_price * line.quantity for line in draft.lines), Decimal("0.00"))
        list_amount = sum((line.product.list_price * line.quantity for line in draft.lines), Decimal("0.00"))
        self._check_together(read, amount, fail)
        if errors:
            return values
        signed_at, status = read.signed_at, read.status
        assert signed_at is not None
        prepaid = read.mode == Order.PaymentMode.PREPAID
        due_date = read.due_date
        if not prepaid and due_date is None:
            due_date = timezone.localtime(signed_at, self.tz).date() + timedelta(days=CREDIT_DAYS)
        values.update(
            status=status,
            payment_mode=read.mode,
            device=read.device,
            channel_id=read.channel_id,
            owner_id=read.owner_id,
            signed_at=signed_at,
            completed_at=read.completed_at,
            cancelled_at=signed_at if status == S.CANCELLED else None,
            due_date=due_date if not prepaid else None,
            amount=amount,
            list_amount=list_amount,
            collected=read.collected,
            rating=read.rating,
            customer_name=merged.get("customer_name", ""),
            province=merged.get("province", ""),
        )
        return values

    def _read_customer_ids(self, draft: _Draft, merged: dict[str, str], fail: _Fail) -> None:
        mobile = merged.get("customer_mobile", "")
        if mobile:
            try:
                draft.mobile = normalize_mobile(mobile)
            except ValidationFailed:
                fail("customer_mobile", _("Enter a valid mobile number, such as 13800138000."))
        draft.wechat_id = merged.get("customer_wechat_id", "")
        if not mobile and not draft.wechat_id:
            fail("customer_mobile", _("A customer mobile number or WeChat ID is required."))

    def _read_times(self, read: _Read, merged: dict[str, str], fail: _Fail) -> None:
        signed_at = parse_local_time(merged.get("signed_at", ""), self.tz)
        if signed_at is None:
            fail("signed_at", _("A date or time such as 2025-03-01 or 2025-03-01 14:30 is required."))
        elif signed_at > self.now:
            fail("signed_at", _("It is in the future."))
        completed_at = None
        if merged.get("completed_at"):
            completed_at = parse_local_time(merged["completed_at"], self.tz)
            if completed_at is None:
                fail("completed_at", _("A date or time such as 2025-03-01 or 2025-03-01 14:30."))
            elif completed_at > self.now:
                fail("completed_at", _("It is in the future."))
            elif signed_at is not None and completed_at < signed_at:
                fail("completed_at", _("It is before the order was signed."))
        read.signed_at, read.completed_at = signed_at, completed_at

    def _read_codes(self, read: _Read, merged: dict[str, str], fail: _Fail) -> None:
        mode_text = merged.get("payment_mode", "")
        mode = PAYMENT_MODE_NAMES.get(_key(mode_text), _key(mode_text)) if mode_text else Order.PaymentMode.PREPAID
        if mode not in Order.PaymentMode.values:
            fail("payment_mode", _("Unknown payment mode “%(value)s”: prepaid or credit.") % {"value": mode_text})
        status_text = merged.get("status", "")
        if status_text:
            status = STATUS_NAMES.get(_key(status_text), _key(status_text))
            if status not in S.values:
                fail(
                    "status",
                    _("Unknown status “%(value)s”: one of %(choices)s.")
                    % {"value": status_text, "choices": ", ".join(S.values)},
                )
        elif merged.get("completed_at"):
            status = S.COMPLETED
        else:
            status = ""
            fail("status", _("This field is required (or give the completion time of a completed order)."))
        device_text = merged.get("device", "")
        device = DEVICE_NAMES.get(_key(device_text), _key(device_text)) if device_text else Order.Device.UNKNOWN
        if device not in Order.Device.values:
            fail("device", _("Unknown device “%(value)s”: pc, mobile, app or unknown.") % {"value": device_text})
        read.mode, read.status, read.device = mode, status, device

    def _read_links(self, read: _Read, merged: dict[str, str], fail: _Fail) -> None:
        channel_text = merged.get("channel", "")
        channel_id = None
        if channel_text:
            channel_id = self._channels.get(_key(channel_text))
            if channel_id is None:
                fail("channel", _("Unknown channel: %(value)s.") % {"value": channel_text})
        owner_email = merged.get("owner_email", "")
        owner_id = None
        if owner_email:
            owner_id = self._owner_id(owner_email)
            if owner_id is None:
                fail(
                    "owner_email",
                    _("No salesperson or supervisor of this store has the email %(email)s.") % {"email": owner_email},
                )
        read.channel_id, read.owner_id = channel_id, owner_id

    def _read_extras(self, read: _Read, merged: dict[str, str], fail: _Fail, errors: dict[str, list[str]]) -> None:
        rating = None
        if merged.get("rating"):
            match = _RATING.match(merged["rating"])
            if match is None:
                fail("rating", _("A whole number from 1 to 5."))
            else:
                rating = int(match.group(1))
        due_date = None
        if merged.get("due_date"):
            due_date = _parse_date(merged["due_date"])
            if due_date is None:
                fail("due_date", _("A date such as 2025-03-31."))
        money_errors: dict[str, list[str]] = {}
        collected = Decimal("0.00")
        if merged.get("collected"):
            collected = parse_money(
                merged["collected"], field="collected", errors=money_errors, positive=False, maximum=MAX_UNIT_PRICE
            )
            if collected is not None and collected < 0:
                money_errors["collected"] = [_("Must not be negative.")]
        for name, messages in money_errors.items():
            errors.setdefault(name, []).extend(str(m) for m in messages)
        read.rating, read.due_date, read.collected = rating, due_date, collected

    def _check_together(self, read: _Read, amount: Decimal, fail: _Fail) -> None:
        """The collected amount, the status, the completion time and the rating against each other."""
        collected, status, completed_at = read.collected, read.status, read.completed_at
        assert collected is not None
        prepaid = read.mode == Order.PaymentMode.PREPAID
        full = collected == amount
        if collected > amount:
            fail(
                "collected",
                _("%(collected)s is more than the order amount %(amount)s.")
                % {"collected": collected, "amount": amount},
            )
        elif status == S.PENDING_COLLECTION and not prepaid:
            fail("status", _("Only a prepaid order can be pending collection."))
        elif status == S.AWAITING_PAYMENT and prepaid:
            fail("status", _("Only a credit order can be awaiting payment."))
        elif status == S.PENDING_COLLECTION and full:
            fail("collected", _("A fully collected order is no longer pending collection."))
        elif status == S.AWAITING_PAYMENT and full:
            fail("collected", _("A fully collected credit order is completed, not awaiting payment."))
        elif status == S.COMPLETED and not full:
            fail("collected", _("A completed order must be fully collected (%(amount)s).") % {"amount": amount})
        elif prepaid and status in (S.PENDING_OUTBOUND, S.PENDING_DELIVERY, S.PENDING_RECEIPT) and not full:
            fail("collected", _("A prepaid order leaves pending collection only once fully collected."))
        elif status == S.CANCELLED and collected:
            fail("collected", _("A cancelled order cannot have collections."))
        if status == S.COMPLETED and completed_at is None:
            fail("completed_at", _("A completed order needs its completion time."))
        elif status != S.COMPLETED and completed_at is not None:
            fail("completed_at", _("Only a completed order has a completion time."))
        if read.rating is not None and status != S.COMPLETED:
            fail("rating", _("Only a completed order can be rated."))

    def _owner_id(self, email: str) -> int | None:
        key = email.strip().casefold()
        if key not in self._owners:
            membership = (
                Membership.objects.filter(
                    store_id=self.access.store_id,
                    user__email__iexact=key,
                    role__in=OWNER_ROLES,
                    is_active=True,
                    user__is_active=True,
                )
                .only("user_id")
                .first()
            )
            self._owners[key] = membership.user_id if membership else None
        return self._owners[key]

    # --- customers --------------------------------------------------------------------------

    def _resolve_customers(self, drafts: list[_Draft]) -> None:
        """Match each order's customer by dual verification, or create the missing ones together."""
        to_create: dict[tuple[str, str], list[_Draft]] = {}
        for draft in drafts:
            found = find_duplicate(mobile_normalized=draft.mobile, wechat_id=draft.wechat_id)
            if found is not None:
                customer, _fields = found
                draft.customer_id = customer.pk
                draft.customer_owner_id = customer.owner_id
                draft.customer_channel_id = customer.channel_id
                draft.customer_note = _("customer %(name)s (#%(id)s) matched.") % {
                    "name": customer.name,
                    "id": customer.pk,
                }
                continue
            if not draft.values.get("customer_name"):
                draft.order_errors.append(
                    _(
                        "%(column)s: no customer of the store has this mobile number or WeChat ID; "
                        "give a name to create one."
                    )
                    % {"column": self._label("customer_name")}
                )
                continue
            key = (draft.mobile, draft.wechat_id)
            to_create.setdefault(key, []).append(draft)
        if not to_create:
            return
        rows = []
        for (mobile, wechat_id), group in to_create.items():
            first = group[0]
            data: dict[str, Any] = {"name": first.values["customer_name"], "province": first.values["province"]}
            if mobile:
                data["mobile"] = mobile
            if wechat_id:
                data["wechat_id"] = wechat_id
            if first.values["channel_id"] is not None:
                data["channel"] = self._channel_codes[first.values["channel_id"]]
            if first.values["owner_id"] is not None:
                data["owner"] = first.values["owner_id"]
            rows.append(data)
        outcomes = customer_create_many(rows=rows, access=self.access)
        for group, outcome in zip(to_create.values(), outcomes, strict=True):
            for draft in group:
                if outcome.outcome == CREATED or isinstance(outcome.error, DuplicateCustomer):
                    draft.customer_id = outcome.customer_id
                    draft.customer_note = (
                        _("new customer %(name)s (#%(id)s).")
                        if outcome.outcome == CREATED
                        else _("customer %(name)s (#%(id)s) matched.")
                    ) % {"name": draft.values["customer_name"], "id": outcome.customer_id}
                    if outcome.outcome == CREATED:
                        draft.customer_owner_id = draft.values["owner_id"] or (
                            None if self.access.role == StoreRole.ADMIN else self.user.pk
                        )
                        draft.customer_channel_id = draft.values["channel_id"]
                    else:
                        draft.customer_owner_id = outcome.error.existing.get("owner")  # type: ignore[union-attr]
                else:
                    assert outcome.error is not None
                    reason = _describe_customer_error(outcome.error)
                    draft.order_errors.append(_("Customer: %(reason)s") % {"reason": reason})

    # --- writing ------------------------------------------------------------------------------

    def _write(self, drafts: list[_Draft]) -> None:
        from tenant_apps.sales.panels import record_imported_collection

        numbers = _numbers([d.values["signed_at"] for d in drafts], tz=self.tz)
        orders = [self._new_order(draft, number) for draft, number in zip(drafts, numbers, strict=True)]
        Order.objects.bulk_create(orders)
        lines = []
        events = []
        for draft, order in zip(drafts, orders, strict=True):
            draft.order = order
            lines += _order_lines(order, draft.lines)
            events.append(
                OrderEvent(
                    order=order,
                    kind=OrderEvent.Kind.IMPORTED,
                    to_status=order.status,
                    actor_id=self.user.pk,
                    message=_("Imported from external ID %(id)s") % {"id": draft.external_id},
                    data={"external_id": draft.external_id},
                    at=order.signed_at,
                )
            )
        OrderLine.objects.bulk_create(lines)
        OrderEvent.objects.bulk_create(events)
        for draft, order in zip(drafts, orders, strict=True):
            collected = draft.values["collected"]
            if collected:
                record_imported_collection(
                    order=order,
                    amount=collected,
                    confirmed_at=order.completed_at or order.signed_at,
                    access=self.access,
                )
        # One row per order, as ``order_create`` writes it: the HQ fact and the public event together.
        emit_many(
            "order.created",
            entity="order",
            topic="order",
            data_by_id=order_event_data_many([order.pk for order in orders]),
        )

    def _new_order(self, draft: _Draft, number: str) -> Order:
        v = draft.values
        cost, lines_without_cost = order_cost((line.quantity, line.unit_cost) for line in draft.lines)
        return Order(
            cost=cost,
            lines_without_cost=lines_without_cost,
            number=number,
            external_id=draft.external_id,
            customer_id=draft.customer_id,
            channel_id=v["channel_id"] or draft.customer_channel_id,
            device=v["device"],
            owner_id=v["owner_id"] or draft.customer_owner_id or self.user.pk,
            payment_mode=v["payment_mode"],
            due_date=v["due_date"],
            status=v["status"],
            amount=v["amount"],
            list_amount=v["list_amount"],
            discount_rate=discount_rate(v["amount"], v["list_amount"]),
            signed_at=v["signed_at"],
            completed_at=v["completed_at"],
            cancelled_at=v["cancelled_at"],
            cancel_reason=_("Imported as cancelled") if v["cancelled_at"] else "",
            rating=v["rating"],
            feedback_at=v["completed_at"] if v["rating"] else None,
            created_by_id=self.user.pk,
        )


def _order_lines(order: Order, lines: list[_Line]) -> list[OrderLine]:
    rows = []
    for position, line in enumerate(lines):
        product = line.product
        rows.append(
            OrderLine(
                order=order,
                position=position,
                product=product,
                sku=product.sku,
                product_name=product.name,
                category_name=product.category.name if product.category_id else "",
                unit=product.unit,
                quantity=line.quantity,
                unit_price=line.unit_price,
                list_price=product.list_price,
                amount=(line.unit_price * line.quantity).quantize(Decimal("0.01")),
                unit_cost=line.unit_cost,
            )
        )
    return rows


def _describe_customer_error(error: DomainError) -> str:
    if not error.errors:
        return str(error.detail)
    return "; ".join(" ".join(str(m) for m in messages) for messages in error.errors.values())


def _numbers(times: list[datetime], *, tz) -> list[str]:
    """Order numbers ``SO<local date of signing>-<sequence of that day>`` for new orders signed at
    ``times``, serialised with the product's own numbering (same advisory lock per day)."""
    days = [timezone.localtime(at, tz).strftime("%Y%m%d") for at in times]
    next_of: dict[str, int] = {}
    for day in sorted(set(days)):
        stem = f"SO{day}-"
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"sales-number:{connection.schema_name}:{stem}"]
            )
        last = (
            Order.objects.filter(number__startswith=stem).order_by("-number").values_list("number", flat=True).first()
        )
        next_of[day] = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    numbers = []
    for day in days:
        numbers.append(f"SO{day}-{next_of[day]:06d}")
        next_of[day] += 1
    return numbers


def register() -> None:
    from tenant_apps.imports.registry import register_importer

    register_importer(KIND, OrderImporter)
