"""Store-host API of sales (mounted under /api/v1/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from tenant_apps.sales import api, api_import

router = SimpleRouter(trailing_slash=False)
router.register("categories", api.CategoryViewSet, basename="category")
router.register("products", api.ProductViewSet, basename="product")
router.register("quotations", api.QuotationViewSet, basename="quotation")
router.register("orders", api.OrderViewSet, basename="order")
router.register("deliveries", api.DeliveryViewSet, basename="delivery")

urlpatterns = [
    path("orders/import", api_import.OrderImportView.as_view(), name="order-import"),
    path("couriers", api.CourierListView.as_view(), name="courier-list"),
    *router.urls,
]
