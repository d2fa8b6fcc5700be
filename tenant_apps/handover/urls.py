from django.urls import path

from tenant_apps.handover import views

app_name = "handover"
urlpatterns = [
    path("new/", views.handover_new, name="new"),
    path("<int:handover_id>/", views.handover_detail, name="detail"),
]
