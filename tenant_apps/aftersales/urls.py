"""Pages of aftersales."""

from django.urls import path

from tenant_apps.aftersales import views

app_name = "aftersales"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("<int:case_id>/", views.case_detail, name="detail"),
    path("<int:case_id>/<slug:step>/", views.case_step, name="step"),
    path("apply/<int:order_id>/", views.case_apply, name="apply"),
]
