"""The page of the historical orders import: upload a CSV or XLSX, then its per-row result (small
files) or the progress page of the background job (large files)."""

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from shared_apps.accounts.views import store_page
from shared_apps.platform.errors import DomainError
from shared_apps.platform.spreadsheets import check_upload_size
from tenant_apps.imports import selectors as import_selectors
from tenant_apps.imports.views import job_context
from tenant_apps.sales import importing
from tenant_apps.sales.api_import import start_order_import


class OrderImportForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_("CSV (UTF-8 or GBK) or XLSX; the first row names the columns, one order line per row."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )


def _redirect(request, url: str):
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@store_page("orders.import")
@require_http_methods(["GET", "POST"])
def order_import(request):
    """Upload a file; columns are matched by their names (English or Chinese)."""
    access = request.store_access
    context: dict = {
        "form": OrderImportForm(),
        "columns": importing.COLUMNS,
        "recent_imports": import_selectors.import_list_for_user(access=access, kind=importing.KIND)[:10],
        "partial": "sales/_import_upload.html",
    }
    status = 200
    if request.method == "POST":
        form = OrderImportForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                check_upload_size(upload.size)
                job = start_order_import(file=upload, mapping={}, access=access)
            except DomainError as exc:
                form.add_error("file", exc.detail)
                status = exc.status
            else:
                if job.row_results is None:
                    return _redirect(request, reverse("imports:detail", args=[job.pk]))
                context.update(job_context(job, rows=job.row_results))
                context["partial"] = "sales/_import_done.html"
        else:
            status = 400
    if request.htmx:
        # Form errors are shown in the swapped partial, so htmx swaps it whatever the status.
        return render(request, context["partial"], context, status=200 if status >= 400 else status)
    return render(request, "sales/import.html", context, status=status)
