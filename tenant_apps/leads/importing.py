"""The leads importer: one spreadsheet row → one lead, through ``lead_create`` (the same checks,
dual verification against the customers and distribution as a lead typed in by hand).

Columns are recognised by their English or Chinese names (姓名, 手机, 微信, 旺旺, 渠道, 留言, 来源,
询盘时间...) or mapped by the user."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from tenant_apps.customers.importing import CHANNEL_NAMES, _clean_key
from tenant_apps.imports.registry import Column, Importer, Outcome, RowResult
from tenant_apps.leads.services import lead_create, lead_url
from tenant_apps.workspace.selectors import channel_list

KIND = "leads"

COLUMNS: tuple[Column, ...] = (
    Column("name", gettext_lazy("Name"), aliases=("姓名", "客户", "客户名称", "联系人", "称呼", "customer")),
    Column(
        "mobile", gettext_lazy("Mobile"), aliases=("手机", "手机号", "手机号码", "电话", "联系电话", "phone", "tel")
    ),
    Column("wechat_id", gettext_lazy("WeChat ID"), aliases=("微信", "微信号", "wechat", "weixin")),
    Column("platform_chat_id", gettext_lazy("Platform chat ID"), aliases=("旺旺", "旺旺号", "平台聊天ID", "chat id")),
    Column("channel", gettext_lazy("Channel"), aliases=("渠道", "平台", "店铺", "platform")),
    Column(
        "message", gettext_lazy("Message"), aliases=("留言", "询盘内容", "内容", "咨询内容", "需求", "message text")
    ),
    Column("source", gettext_lazy("Source"), aliases=("来源", "线索来源", "广告", "campaign")),
    Column("grade", gettext_lazy("Grade"), aliases=("等级", "客户等级")),
    Column("province", gettext_lazy("Province"), aliases=("省份", "省", "地区", "region")),
    Column("received_at", gettext_lazy("Received at"), aliases=("询盘时间", "时间", "接收时间", "received")),
)


class LeadImporter(Importer):
    kind = KIND
    label = gettext_lazy("Leads")
    permission = "leads.create"
    columns = COLUMNS
    atomic_rows = True

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

    @classmethod
    def object_url(cls, object_id: int) -> str | None:
        return lead_url(object_id)

    def process_row(self, values: dict[str, str]) -> RowResult:
        data: dict[str, Any] = {key: value for key, value in values.items() if key != "channel"}
        if values.get("channel"):
            data["channel"] = self._channels.get(_clean_key(values["channel"]), values["channel"])
        if not data.get("received_at"):
            data.pop("received_at", None)
        lead = lead_create(data=data, access=self.access)
        return RowResult(outcome=Outcome.CREATED, object_id=lead.pk)
