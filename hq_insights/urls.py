"""HQ insights page (public host)."""

from django.urls import path

from hq_insights import views

app_name = "hq_insights"
urlpatterns = [path("insights/", views.insights, name="insights")]
