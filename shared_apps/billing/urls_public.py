"""Onboarding and Stripe endpoints of the public host (mounted under /api/v1/)."""

from django.urls import path

from shared_apps.billing import api

app_name = "billing_public"
urlpatterns = [
    path("signup", api.SignupView.as_view(), name="signup"),
    path("signup/<uuid:pk>", api.SignupStatusView.as_view(), name="signup-detail"),
    path("billing/webhook", api.WebhookView.as_view(), name="webhook"),
]
