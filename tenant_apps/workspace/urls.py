from django.urls import path

from tenant_apps.workspace import views

app_name = "workspace"
urlpatterns = [path("", views.home, name="home")]
