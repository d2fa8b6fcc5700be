"""Pages of sales."""

from django.urls import path

from tenant_apps.sales import views_import

app_name = "sales"
urlpatterns: list = [
    path("orders/import/", views_import.order_import, name="order-import"),
]
