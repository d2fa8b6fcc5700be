"""HQ insights API (mounted under /api/v1/hq/ on the public host)."""

from django.urls import path

from hq_insights import api

urlpatterns = [path("insights", api.HQInsightsView.as_view(), name="hq-insights")]
