from django.urls import path

from tenant_apps.imports import api

urlpatterns = [
    path("imports/<int:pk>", api.ImportDetailView.as_view(), name="import-detail"),
    path("imports/<int:pk>/report", api.ImportReportView.as_view(), name="import-report"),
]
