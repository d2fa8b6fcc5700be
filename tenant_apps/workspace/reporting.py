"""Channels and the store's settings for reporting: the views this app publishes for other apps' SQL.

The Data Kanban's rollups and figures and the HQ feed read this app's rows in SQL only through
these views (an architecture test refuses raw SQL naming another app's table), so that the tables
stay this app's own: a migration that changes a column a view shows changes the view with it.

- ``workspace_reporting_channel``: the channels: id, platform.
- ``workspace_reporting_storesettings``: the settings the figures depend on: return_visit_window_days.
"""

from __future__ import annotations

VIEWS = (
    "workspace_reporting_channel",
    "workspace_reporting_storesettings",
)
