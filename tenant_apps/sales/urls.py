"""Pages of sales."""

from django.urls import path

from tenant_apps.sales import views, views_import

app_name = "sales"
urlpatterns = [
    path("products/", views.product_list, name="products"),
    path("products/new/", views.product_edit, name="product-create"),
    path("products/<int:product_id>/edit/", views.product_edit, name="product-edit"),
    path("categories/new/", views.category_create, name="category-create"),
    path("quotations/", views.quotation_list, name="quotations"),
    path("quotations/new/", views.quotation_create, name="quotation-create"),
    path("quotations/preview/", views.quotation_preview, name="quotation-preview"),
    path("quotations/<int:quotation_id>/", views.quotation_detail, name="quotation-detail"),
    path("quotations/<int:quotation_id>/edit/", views.quotation_create, name="quotation-edit"),
    path("quotations/<int:quotation_id>/pdf/", views.quotation_pdf, name="quotation-pdf"),
    path("quotations/<int:quotation_id>/order/", views.order_from_quotation, name="quotation-order"),
    path("quotations/<int:quotation_id>/<str:action>/", views.quotation_action, name="quotation-action"),
    path("orders/", views.order_list, name="orders"),
    path("orders/new/", views.order_create, name="order-create"),
    path("orders/board/", views.order_board, name="order-board"),
    path("orders/export/", views.order_export, name="order-export"),
    path("orders/bulk/", views.order_bulk, name="order-bulk"),
    path("orders/import/", views_import.order_import, name="order-import"),
    path("orders/<int:order_id>/", views.order_detail, name="order-detail"),
    path("orders/<int:order_id>/transition/", views.order_transition, name="order-transition"),
    path("orders/<int:order_id>/feedback/", views.order_feedback, name="order-feedback"),
    path("warehouse/", views.warehouse, name="warehouse"),
    path("deliveries/<int:delivery_id>/transition/", views.delivery_transition, name="delivery-transition"),
    path("deliveries/<int:delivery_id>/fail/", views.delivery_fail, name="delivery-fail"),
]
