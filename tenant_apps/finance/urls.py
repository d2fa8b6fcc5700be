"""Pages of finance."""

from django.urls import path

from tenant_apps.finance import views

app_name = "finance"
urlpatterns = [
    path("", views.centre, name="centre"),
    path("payments/<int:payment_id>/confirm/", views.payment_confirm, name="payment-confirm"),
    path("payments/<int:payment_id>/reject/", views.payment_reject, name="payment-reject"),
    path("payments/<int:payment_id>/vouchers/<int:voucher_id>/", views.voucher_file, name="voucher"),
    path("receivables/", views.receivables, name="receivables"),
    path("orders/<int:order_id>/payments/new/", views.order_payment_add, name="order-payment-add"),
    path("orders/<int:order_id>/invoices/new/", views.order_invoice_add, name="order-invoice-add"),
    path("invoices/", views.invoices, name="invoices"),
    path("invoices/<int:invoice_id>/", views.invoice_detail, name="invoice"),
    path("invoices/<int:invoice_id>/issue/", views.invoice_issue, name="invoice-issue"),
    path("invoices/<int:invoice_id>/mail/", views.invoice_mail, name="invoice-mail"),
    path("invoices/<int:invoice_id>/cancel/", views.invoice_cancel, name="invoice-cancel"),
    path("invoices/<int:invoice_id>/file/", views.invoice_file, name="invoice-file"),
]
