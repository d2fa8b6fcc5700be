"""Pages of enquiries."""

from django.urls import path

from tenant_apps.enquiries import views

app_name = "enquiries"
urlpatterns: list = [
    path("", views.stats, name="stats"),
    path("daily/", views.daily, name="daily"),
    path("contacts/", views.contacts, name="contacts"),
    path("screenshots/<int:screenshot_id>/", views.screenshot, name="screenshot"),
]
