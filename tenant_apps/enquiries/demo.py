"""Demo enquiry records: 60 days of daily enquiries per channel and contacts per salesperson."""

from __future__ import annotations

from datetime import timedelta

from shared_apps.accounts.roles import StoreRole
from tenant_apps.enquiries.models import ContactRecord, DailyEnquiry
from tenant_apps.outbox.services import publish_many
from tenant_apps.workspace.demo import DemoContext, register_seeder
from tenant_apps.workspace.selectors import channel_list
from tenants.storetime import store_zone

DAYS = 60


@register_seeder("enquiries", order=45)
def seed_enquiries(ctx: DemoContext) -> str | None:
    today = ctx.now.astimezone(store_zone()).date()
    channels = list(channel_list())
    salespeople = list(ctx.users(StoreRole.SALESPERSON))
    daily, contacts = [], []
    for offset in range(DAYS):
        day = today - timedelta(days=offset)
        for channel in channels:
            total = ctx.rng.randint(8, 40)
            daily.append(
                DailyEnquiry(date=day, channel=channel, enquiries=total, new_enquiries=ctx.rng.randint(2, total))
            )
        for user in salespeople:
            contacts.append(
                ContactRecord(
                    date=day, user=user, wechat_added=ctx.rng.randint(0, 8), phone_contacts=ctx.rng.randint(0, 12)
                )
            )
    DailyEnquiry.objects.bulk_create(daily)
    ContactRecord.objects.bulk_create(contacts)
    publish_many(topic="enquiry", entity_ids=[record.pk for record in daily])
    return f"{len(daily)} daily enquiry records, {len(contacts)} contact records"
