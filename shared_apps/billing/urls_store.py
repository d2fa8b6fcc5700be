"""The billing page and API of a store host."""

from django.urls import path

from shared_apps.billing import api, views

app_name = "billing"
urlpatterns = [
    path("api/v1/billing", api.BillingView.as_view(), name="api"),
    path("api/v1/billing/checkout", api.CheckoutView.as_view(), name="api-checkout"),
    path("api/v1/billing/portal", api.PortalView.as_view(), name="api-portal"),
    path("billing/", views.billing_page, name="page"),
    path("billing/checkout/", views.checkout, name="checkout"),
    path("billing/portal/", views.portal, name="portal"),
]
