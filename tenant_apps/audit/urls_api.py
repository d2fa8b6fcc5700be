from django.urls import path

from tenant_apps.audit import api

urlpatterns = [
    path("audit", api.AuditListView.as_view(), name="audit"),
    path("audit/logins", api.SignInListView.as_view(), name="audit-logins"),
]
