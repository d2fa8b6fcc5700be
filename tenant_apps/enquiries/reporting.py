"""Daily enquiry figures and contact records for reporting: the views this app publishes for other apps' SQL.

The Data Kanban's rollups and figures and the HQ feed read this app's rows in SQL only through
these views (an architecture test refuses raw SQL naming another app's table), so that the tables
stay this app's own: a migration that changes a column a view shows changes the view with it.

- ``enquiries_reporting_dailyenquiry``: the daily figures per channel: id, date, channel_id, enquiries, new_enquiries.
- ``enquiries_reporting_contactrecord``: the contact records: id, date, user_id, wechat_added, phone_contacts.
"""

from __future__ import annotations

VIEWS = (
    "enquiries_reporting_dailyenquiry",
    "enquiries_reporting_contactrecord",
)
