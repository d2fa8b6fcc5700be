from django.urls import path

from tenant_apps.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.entry_list, name="list"),
    path("sign-ins/", views.sign_in_list, name="sign-ins"),
]
