"""The HQ insights page: per store the segment mix, churn totals and benchmark percentiles with
anomaly flags, and the buyers of several stores (the same body as ``GET /api/v1/hq/insights``)."""

from __future__ import annotations

from django.shortcuts import render

from hq_insights import selectors
from shared_apps.accounts.views import hq_page
from shared_apps.platform.errors import ValidationFailed
from tenant_apps.insights.segments import SEGMENTS


@hq_page
def insights(request):
    filters = {key: request.GET.get(key, "") for key in ("subsidiary", "platform", "store")}
    status = 200
    try:
        body = selectors.insights_body(filters=filters)
    except ValidationFailed:
        body, status = selectors.insights_body(filters={}), 400
    return render(request, "hq_insights/insights.html", {"body": body, "segments": SEGMENTS}, status=status)
