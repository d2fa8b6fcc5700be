"""Pages of kanban."""

from django.urls import path

from tenant_apps.kanban import views_kanban

app_name = "kanban"
urlpatterns: list = [
    path("", views_kanban.dashboard, name="dashboard"),
]
