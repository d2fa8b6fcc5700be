"""Pages of the HQ console (public host): the list of stores, filtered with htmx."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from hq_reports.page_selectors import console_store_counts, console_store_list, console_subsidiary_choices
from shared_apps.accounts.views import hq_page
from tenants.models import Store

STORES_PER_PAGE = 50


class StoreFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    subsidiary = forms.ModelChoiceField(
        label=_("Subsidiary"),
        queryset=None,
        required=False,
        empty_label=_("All subsidiaries"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subsidiary"].queryset = console_subsidiary_choices()
        self.fields["status"].choices = [("", _("All statuses")), *Store.Status.choices]


@hq_page
def console(request):
    form = StoreFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    subsidiary = filters.get("subsidiary")
    stores = console_store_list(
        subsidiary_id=subsidiary.pk if subsidiary else None,
        status=filters.get("status") or None,
        q=filters.get("q") or "",
    )
    page = Paginator(stores, STORES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "stores": page.object_list,
        "filter_query": query.urlencode(),
        "is_filtered": any(filters.get(name) for name in ("q", "subsidiary", "status")),
    }
    if request.htmx and request.htmx.target == "store-table":
        return render(request, "hq/_store_table.html", context)
    context["counts"] = console_store_counts()
    return render(request, "hq/console.html", context)
