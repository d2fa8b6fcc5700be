from django.urls import path

from tenant_apps.workspace import views

app_name = "workspace"
urlpatterns = [
    path("", views.home, name="home"),
    path("team/", views.members, name="members"),
    path("team/api-keys/", views.api_keys_page, name="api_keys"),
    path("channels/", views.channels, name="channels"),
    path("settings/", views.store_settings, name="settings"),
]
