"""Store-host API of enquiries (mounted under /api/v1/)."""

from django.urls import path

from tenant_apps.enquiries import api

urlpatterns: list = [
    path("enquiries/daily", api.DailyEnquiryListView.as_view(), name="enquiry-daily"),
    path("enquiries/contacts", api.ContactListView.as_view(), name="enquiry-contacts"),
    path("enquiries/screenshots/<int:pk>", api.ScreenshotFileView.as_view(), name="enquiry-screenshot"),
    path("enquiries/stats", api.EnquiryStatsView.as_view(), name="enquiry-stats"),
]
