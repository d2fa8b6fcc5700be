"""Store-host API of finance (mounted under /api/v1/)."""

from django.urls import path

from tenant_apps.finance import api

urlpatterns = [
    path("orders/<int:order_id>/payments", api.OrderPaymentsView.as_view(), name="finance-order-payments"),
    path("payments", api.PaymentListView.as_view(), name="finance-payments"),
    path("payments/<int:pk>", api.PaymentDetailView.as_view(), name="finance-payment-detail"),
    path("payments/<int:pk>/confirm", api.PaymentConfirmView.as_view(), name="finance-payment-confirm"),
    path("payments/<int:pk>/reject", api.PaymentRejectView.as_view(), name="finance-payment-reject"),
    path("payments/<int:pk>/vouchers/<int:voucher_id>", api.VoucherFileView.as_view(), name="finance-payment-voucher"),
    path("invoices", api.InvoiceListView.as_view(), name="finance-invoices"),
    path("invoices/<int:pk>", api.InvoiceDetailView.as_view(), name="finance-invoice-detail"),
    path("invoices/<int:pk>/issue", api.InvoiceIssueView.as_view(), name="finance-invoice-issue"),
    path("invoices/<int:pk>/mail", api.InvoiceMailView.as_view(), name="finance-invoice-mail"),
    path("invoices/<int:pk>/cancel", api.InvoiceCancelView.as_view(), name="finance-invoice-cancel"),
    path("invoices/<int:pk>/file", api.InvoiceFileView.as_view(), name="finance-invoice-file"),
]
