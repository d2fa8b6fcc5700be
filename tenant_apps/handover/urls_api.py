from django.urls import path

from tenant_apps.handover import api

urlpatterns = [
    path("customers/transfer", api.CustomerTransferView.as_view(), name="customer-transfer"),
    path("handovers/<int:pk>", api.HandoverDetailView.as_view(), name="handover-detail"),
]
