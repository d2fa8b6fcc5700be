"""After-sales cases for reporting: the view this app publishes for other apps' SQL.

Customer intelligence reads the cases of a customer's orders in SQL only through this view (an
architecture test refuses raw SQL naming another app's table).

- ``aftersales_reporting_case``: the cases: id, order_id, type, status, created_at.
"""

from __future__ import annotations

VIEWS = ("aftersales_reporting_case",)
