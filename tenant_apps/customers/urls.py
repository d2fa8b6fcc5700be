from django.urls import path

from tenant_apps.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("import/", views.customer_import, name="import"),
    path("export/", views.customer_export, name="export"),
    path("bulk/", views.customer_bulk, name="bulk"),
    path("<int:customer_id>/", views.customer_detail, name="detail"),
    path("<int:customer_id>/edit/", views.customer_edit, name="edit"),
    path("<int:customer_id>/follow-ups/", views.follow_up_add, name="follow-up-add"),
    path(
        "<int:customer_id>/attachments/<int:attachment_id>/",
        views.follow_up_attachment,
        name="follow-up-attachment",
    ),
]
