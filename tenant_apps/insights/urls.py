"""Pages of customer intelligence (mounted under /insights/)."""

from django.urls import path

from tenant_apps.insights import views

app_name = "insights"
urlpatterns = [
    path("", views.at_risk, name="at-risk"),
    path("segments/", views.segments, name="segments"),
    path("score/", views.score, name="score"),
    path("customers/<int:customer_id>/follow-up/", views.follow_up, name="follow-up"),
    path("customers/<int:customer_id>/dismiss/", views.dismiss, name="dismiss"),
]
