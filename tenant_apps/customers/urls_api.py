"""Store-host API of customers (mounted under /api/v1/). The fixed paths under ``customers/``
come before the router's ``customers/<id>``."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from tenant_apps.customers import api, api_io

router = SimpleRouter(trailing_slash=False)
router.register("customers", api.CustomerViewSet, basename="customer")
router.register("tags", api.TagViewSet, basename="tag")

urlpatterns = [
    path("customers/import", api_io.ImportView.as_view(), name="customer-import"),
    path("customers/export", api_io.ExportView.as_view(), name="customer-export"),
    path("customers/merge", api.CustomerMergeView.as_view(), name="customer-merge"),
    path("customers/<int:pk>/follow-ups", api.CustomerFollowUpsView.as_view(), name="customer-follow-ups"),
    path("customers/<int:pk>/personal-data", api.CustomerPersonalDataView.as_view(), name="customer-personal-data"),
    path("customers/<int:pk>/erase", api.CustomerEraseView.as_view(), name="customer-erase"),
    *router.urls,
]
