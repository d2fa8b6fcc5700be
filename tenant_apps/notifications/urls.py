from django.urls import path

from tenant_apps.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("read/", views.mark_read, name="mark_read"),
    path("preferences/", views.preferences, name="preferences"),
]
