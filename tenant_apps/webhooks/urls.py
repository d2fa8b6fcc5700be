from django.urls import path

from tenant_apps.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.endpoints_page, name="endpoints"),
    path("<int:endpoint_id>/", views.endpoint_page, name="endpoint"),
]
