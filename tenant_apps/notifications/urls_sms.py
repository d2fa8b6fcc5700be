from django.urls import path

from tenant_apps.notifications import views

app_name = "sms"
urlpatterns = [
    path("", views.sms_templates_page, name="templates"),
    path("<int:template_id>/", views.sms_template_page, name="template"),
]
