"""The customers importer: one spreadsheet row → one customer, through ``customer_create``
(``customer_create_many`` for a batch of rows, with the same rules and outcomes).

Columns are recognised by their English or Chinese names (姓名, 公司, 手机, 微信, 旺旺, 渠道, 省份,
城市, 地址, 标签, 等级, 意向...) or mapped by the user. Each row is normalised (channel by code or
name, grade ``a`` / ``A级`` → ``A``, intention 高/中/低, tags split on commas, 、 or semicolons) and
created with the same checks as a customer typed in by hand, so dual verification holds: a row
whose mobile number or chat id belongs to an existing customer (or to a row above it in the same
file) is reported as a duplicate of that customer, naming its owner or the pool, and creates
nothing. A refused row gives its reasons.

Owner: the importing salesperson or supervisor owns the customers (an admin's go to the pool),
unless an ``owner_email`` column names a salesperson or supervisor of the store, which only a
supervisor (for their team) or an admin may do.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.accounts.models import Membership, User
from shared_apps.platform.errors import DomainError, ValidationFailed
from tenant_apps.customers.error_codes import DuplicateCustomer
from tenant_apps.customers.services import CREATED, customer_create, customer_create_many
from tenant_apps.imports.registry import Column, Importer, Outcome, RowResult
from tenant_apps.workspace.selectors import channel_list

KIND = "customers"

COLUMNS: tuple[Column, ...] = (
    Column(
        "name",
        gettext_lazy("Name"),
        required=True,
        aliases=(
            "姓名",
            "客户",
            "客户名",
            "客户名称",
            "客户姓名",
            "名称",
            "联系人",
            "customer",
            "customer name",
            "full name",
        ),
    ),
    Column(
        "company", gettext_lazy("Company"), aliases=("公司", "公司名称", "单位", "企业", "企业名称", "company name")
    ),
    Column(
        "mobile",
        gettext_lazy("Mobile"),
        aliases=(
            "手机",
            "手机号",
            "手机号码",
            "电话",
            "联系电话",
            "联系方式",
            "phone",
            "mobile phone",
            "tel",
            "telephone",
        ),
    ),
    Column("wechat_id", gettext_lazy("WeChat ID"), aliases=("微信", "微信号", "微信ID", "wechat", "weixin")),
    Column(
        "platform_chat_id",
        gettext_lazy("Platform chat ID"),
        aliases=("旺旺", "旺旺号", "旺旺ID", "平台聊天ID", "平台账号", "chat id", "wangwang"),
    ),
    Column("channel", gettext_lazy("Channel"), aliases=("渠道", "平台", "来源", "来源渠道", "店铺", "platform")),
    Column("province", gettext_lazy("Province"), aliases=("省份", "省", "所在省份", "地区")),
    Column("city", gettext_lazy("City"), aliases=("城市", "市", "所在城市")),
    Column("address", gettext_lazy("Address"), aliases=("地址", "详细地址", "收货地址", "联系地址")),
    Column("tags", gettext_lazy("Tags"), aliases=("标签", "客户标签", "tag")),
    Column("grade", gettext_lazy("Grade"), aliases=("等级", "客户等级", "级别", "客户级别")),
    Column(
        "intention_level", gettext_lazy("Purchase intention"), aliases=("意向", "购买意向", "意向等级", "intention")
    ),
    Column("intention_note", gettext_lazy("Intention note"), aliases=("意向备注", "意向说明", "备注", "note")),
    Column(
        "next_follow_up_at",
        gettext_lazy("Next follow-up"),
        aliases=("下次跟进", "下次跟进时间", "下次回访时间", "next follow up"),
    ),
    Column(
        "owner_email",
        gettext_lazy("Owner email"),
        aliases=("负责人邮箱", "归属人邮箱", "销售邮箱", "owner email", "email of owner"),
        help_text=gettext_lazy("Supervisors and admins only: the salesperson who will own the customer."),
    ),
)

# Platform names people write instead of channel codes.
CHANNEL_NAMES = {
    "天猫": "tmall",
    "京东": "jd",
    "拼多多": "pdd",
    "抖音": "douyin",
    "淘宝": "taobao",
    "阿里巴巴": "alibaba",
    "阿里巴巴国际站": "alibaba",
    "线下": "offline",
    "其他": "other",
    "其它": "other",
}
INTENTION_NAMES = {"高": "high", "中": "medium", "低": "low", "h": "high", "m": "medium", "l": "low"}
_TAG_SEPARATORS = re.compile(r"[,，;；、|]")
_GRADE = re.compile(r"^\s*([A-Da-d])\s*(级|类|類)?\s*$")


def _clean_key(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


class CustomerImporter(Importer):
    kind = KIND
    label = gettext_lazy("Customers")
    permission = "customers.import"
    columns = COLUMNS
    error_fields = {"owner": "owner_email"}
    # customer_create validates everything before it writes, and writes in its own transaction.
    atomic_rows = True
    # Batches go through customer_create_many: the same rules, a few queries per batch.
    batch_rows = True

    def __init__(self, *, access, options: dict[str, Any]) -> None:
        super().__init__(access=access, options=options)
        channels: dict[str, str] = {}
        for channel in channel_list():
            channels[_clean_key(channel.code)] = channel.code
            channels.setdefault(_clean_key(channel.name), channel.code)
        for name, code in CHANNEL_NAMES.items():
            if code in channels.values():
                channels.setdefault(_clean_key(name), code)
        self._channels = channels
        self._owners_by_email: dict[str, int | None] = {}
        self._user_names: dict[int, str] = {}

    # --- normalisation ------------------------------------------------------------------------

    def _channel(self, value: str) -> str:
        if not value:
            return ""
        # An unknown one is passed on as it is: customer_create reports it.
        return self._channels.get(_clean_key(value), value)

    @staticmethod
    def _grade(value: str) -> str:
        match = _GRADE.match(value or "")
        return match.group(1).upper() if match else value

    @staticmethod
    def _intention(value: str) -> str:
        key = (value or "").strip().casefold()
        key = key.removesuffix("意向").strip()
        return INTENTION_NAMES.get(key, key)

    @staticmethod
    def _tags(value: str) -> list[str]:
        return [name.strip() for name in _TAG_SEPARATORS.split(value or "") if name.strip()]

    def _owner_id(self, email: str) -> int | None:
        key = email.strip().casefold()
        if key not in self._owners_by_email:
            membership = (
                Membership.objects.filter(
                    store_id=self.access.store_id, user__email__iexact=key, is_active=True, user__is_active=True
                )
                .only("user_id")
                .first()
            )
            self._owners_by_email[key] = membership.user_id if membership else None
        return self._owners_by_email[key]

    def _load_user_names(self, user_ids: set[int]) -> None:
        missing = user_ids - self._user_names.keys()
        if missing:
            for user in User.objects.filter(pk__in=missing).only("name", "email"):
                self._user_names[user.pk] = user.name or user.email

    def _user_name(self, user_id: int) -> str:
        if user_id not in self._user_names:
            user = User.objects.filter(pk=user_id).only("name", "email").first()
            self._user_names[user_id] = (user.name or user.email) if user else f"#{user_id}"
        return self._user_names[user_id]

    # --- one row ------------------------------------------------------------------------------

    def data_for(self, values: dict[str, str]) -> dict[str, Any]:
        """The row as the data of ``customer_create`` (raises for an unknown owner email)."""
        data: dict[str, Any] = {}
        for field in ("name", "company", "mobile", "wechat_id", "platform_chat_id", "province", "city", "address"):
            if field in values:
                data[field] = values[field]
        if "intention_note" in values:
            data["intention_note"] = values["intention_note"]
        if values.get("channel"):
            data["channel"] = self._channel(values["channel"])
        if values.get("grade"):
            data["grade"] = self._grade(values["grade"])
        if values.get("intention_level"):
            data["intention_level"] = self._intention(values["intention_level"])
        if values.get("tags"):
            data["tags"] = self._tags(values["tags"])
        if values.get("next_follow_up_at"):
            data["next_follow_up_at"] = values["next_follow_up_at"]
        email = (values.get("owner_email") or "").strip()
        if email and email.casefold() != self.user.email.casefold():
            owner_id = self._owner_id(email)
            if owner_id is None:
                raise _invalid_owner(email)
            data["owner"] = owner_id
        return data

    def process_row(self, values: dict[str, str]) -> RowResult:
        try:
            customer = customer_create(data=self.data_for(values), access=self.access)
        except DuplicateCustomer as exc:
            message = self.describe_duplicate(exc)
            return RowResult(outcome=Outcome.DUPLICATE, message=message, object_id=exc.existing["id"])
        return RowResult(outcome=Outcome.CREATED, object_id=customer.pk)

    def process_batch(self, rows: list[dict[str, str]]) -> list[RowResult]:
        """The rows through ``customer_create_many``: the same outcomes and messages as ``process_row``."""
        results: list[RowResult | None] = [None] * len(rows)
        indexes: list[int] = []
        data: list[dict[str, Any]] = []
        for index, values in enumerate(rows):
            try:
                data.append(self.data_for(values))
            except DomainError as exc:
                results[index] = RowResult(outcome=Outcome.INVALID, message=self.describe_error(exc))
            else:
                indexes.append(index)
        outcomes = customer_create_many(rows=data, access=self.access)
        self._load_user_names(
            {o.error.existing["owner"] for o in outcomes if isinstance(o.error, DuplicateCustomer)} - {None}
        )
        for index, outcome in zip(indexes, outcomes, strict=True):
            if outcome.outcome == CREATED:
                results[index] = RowResult(outcome=Outcome.CREATED, object_id=outcome.customer_id)
            elif isinstance(outcome.error, DuplicateCustomer):
                message = self.describe_duplicate(outcome.error)
                results[index] = RowResult(outcome=Outcome.DUPLICATE, message=message, object_id=outcome.customer_id)
            else:
                results[index] = RowResult(outcome=Outcome.INVALID, message=self.describe_error(outcome.error))
        return results  # type: ignore[return-value]

    def describe_duplicate(self, exc: DuplicateCustomer) -> str:
        existing = exc.existing
        owner_id = existing.get("owner")
        holder = _("in the pool") if owner_id is None else _("owner %(name)s") % {"name": self._user_name(owner_id)}
        fields = ", ".join(str(self._label(name)) for name in exc.errors) or _("identifiers")
        return _("Duplicate of %(name)s (#%(id)s, %(holder)s): same %(fields)s.") % {
            "name": existing.get("name", ""),
            "id": existing.get("id"),
            "holder": holder,
            "fields": fields,
        }

    def _label(self, field: str) -> Any:
        return next((c.label for c in self.columns if c.field == field), field)


def _invalid_owner(email: str) -> ValidationFailed:
    message = _("No active member of this store has the email %(email)s.") % {"email": email}
    return ValidationFailed(_("Unknown owner."), errors={"owner_email": [message]})


def register() -> None:
    from tenant_apps.imports.registry import register_importer

    register_importer(KIND, CustomerImporter)
