"""Store-host API of customer intelligence (mounted under /api/v1/)."""

from django.urls import path

from tenant_apps.insights import api

urlpatterns = [
    path("insights/rfm", api.RFMView.as_view(), name="insights-rfm"),
    path("insights/churn", api.ChurnView.as_view(), name="insights-churn"),
    path("insights/churn/<int:customer_id>/dismiss", api.DismissView.as_view(), name="insights-dismiss"),
    path("insights/churn/<int:customer_id>/follow-up", api.FollowUpView.as_view(), name="insights-follow-up"),
    path("insights/score", api.ScoreView.as_view(), name="insights-score"),
    path("insights/settings", api.SettingsView.as_view(), name="insights-settings"),
]
