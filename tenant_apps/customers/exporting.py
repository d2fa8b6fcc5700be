"""Export of a filtered customer list to CSV or XLSX.

The rows are exactly those of the list (``customer_list`` with the same filters and the caller's
visibility: a salesperson's export holds their own customers and the pool's, nothing else). The
column headers are the importer's, so an exported file can be imported again (into another
store, say); the columns an import does not know (id, owner name, dates) are ignored there. Text
cells are neutralised against formula injection by the spreadsheet writer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess
from shared_apps.platform.spreadsheets import spreadsheet_response
from tenant_apps.customers.importing import COLUMNS
from tenant_apps.customers.models import Customer
from tenant_apps.customers.panels import export_extensions
from tenant_apps.customers.selectors import customer_list
from tenants.storetime import store_zone

CHUNK_SIZE = 1000


def _label(field: str) -> str:
    return str(next(column.label for column in COLUMNS if column.field == field))


def _owner_name(customer: Customer) -> str:
    owner = customer.owner if customer.owner_id else None
    return (owner.name or owner.email) if owner is not None else ""


def _owner_email(customer: Customer) -> str:
    owner = customer.owner if customer.owner_id else None
    return owner.email if owner is not None else ""


def export_columns() -> list[tuple[str, Any]]:
    """(header, value of a customer) of each exported column, headers in the active language,
    times in the store's time zone."""
    tz = store_zone()
    yes, no = _("Yes"), _("No")

    def local(value):
        return timezone.localtime(value, tz).replace(tzinfo=None) if value is not None else None

    return [
        (_("ID"), lambda c: c.pk),
        (_label("name"), lambda c: c.name),
        (_label("company"), lambda c: c.company),
        (_label("mobile"), lambda c: c.mobile),
        (_label("wechat_id"), lambda c: c.wechat_id),
        (_label("platform_chat_id"), lambda c: c.platform_chat_id),
        (_label("channel"), lambda c: c.channel.code if c.channel_id else ""),
        (_label("province"), lambda c: c.province),
        (_label("city"), lambda c: c.city),
        (_label("address"), lambda c: c.address),
        (_label("tags"), lambda c: ", ".join(tag.name for tag in c.tags.all())),
        (_label("grade"), lambda c: c.grade),
        (_label("intention_level"), lambda c: c.get_intention_level_display() if c.intention_level else ""),
        (_label("intention_note"), lambda c: c.intention_note),
        (_("Owner name"), _owner_name),
        (_label("owner_email"), _owner_email),
        (_("In the pool"), lambda c: yes if c.owner_id is None else no),
        (_label("next_follow_up_at"), lambda c: local(c.next_follow_up_at)),
        (_("Last follow-up"), lambda c: local(c.last_follow_up_at)),
        (_("Created at"), lambda c: local(c.created_at)),
    ]


def customer_rows(customers, columns) -> Iterator[list[Any]]:
    for customer in customers.iterator(chunk_size=CHUNK_SIZE):
        yield [value(customer) for _header, value in columns]


def customers_export_response(*, access: StoreAccess, filters: dict[str, Any], fmt: str):
    """The download of the customers ``access`` sees through ``filters``, as ``fmt`` (csv / xlsx).

    Bad filter values raise ValidationFailed before anything is written.
    """
    customers = customer_list(access=access, filters=filters)
    columns = export_columns()
    for extension in export_extensions():
        customers = extension.prepare(customers)
        columns += extension.columns()
    stamp = timezone.localtime(timezone.now(), store_zone()).strftime("%Y%m%d-%H%M")
    return spreadsheet_response(
        fmt=fmt,
        filename_stem=f"customers-{stamp}",
        header=[header for header, _value in columns],
        rows=customer_rows(customers, columns),
        title=_("Customers"),
    )
