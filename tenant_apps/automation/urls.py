from django.urls import path

from tenant_apps.automation import views

app_name = "automation"
urlpatterns = [
    path("", views.rules, name="rules"),
    path("templates/<slug:key>/", views.template_save, name="template-save"),
    path("<int:rule_id>/toggle/", views.rule_toggle, name="rule-toggle"),
    path("<int:rule_id>/runs/", views.rule_runs, name="rule-runs"),
]
