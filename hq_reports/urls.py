from django.urls import path

from hq_reports import views, views_dashboard

app_name = "hq"
urlpatterns = [path("", views.console, name="console")]

urlpatterns += [
    path("dashboard/", views_dashboard.dashboard, name="dashboard"),
    path("dashboard/stores/<int:store_id>/", views_dashboard.store_dashboard, name="dashboard-store"),
]
