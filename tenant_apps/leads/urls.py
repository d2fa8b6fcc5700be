"""Pages of leads."""

from django.urls import path

from tenant_apps.leads import views

app_name = "leads"
urlpatterns = [
    path("", views.lead_list, name="list"),
    path("new/", views.lead_create, name="create"),
    path("rules/", views.distribution_rules, name="rules"),
    path("<int:lead_id>/", views.lead_detail, name="detail"),
]
