"""Store-host API of kanban (mounted under /api/v1/)."""

from django.urls import path

from tenant_apps.kanban import api_kanban

urlpatterns: list = [
    path("kanban", api_kanban.KanbanView.as_view(), name="kanban"),
]
