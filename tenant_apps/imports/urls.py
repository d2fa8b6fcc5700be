from django.urls import path

from tenant_apps.imports import views

app_name = "imports"
urlpatterns = [
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/report/", views.report, name="report"),
]
