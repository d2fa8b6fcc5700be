from django.urls import path
from rest_framework.routers import SimpleRouter

from tenant_apps.notifications.api import NotificationViewSet, PreferencesView, SmsSettingsView, SmsTemplateViewSet

router = SimpleRouter(trailing_slash=False)
router.register("notifications", NotificationViewSet, basename="notifications")
router.register("sms/templates", SmsTemplateViewSet, basename="sms-templates")

urlpatterns = [
    path("notifications/preferences", PreferencesView.as_view(), name="notification-preferences"),
    path("sms/settings", SmsSettingsView.as_view(), name="sms-settings"),
    *router.urls,
]
