"""Forms of the customer pages. They check shapes only; the services validate the content
(dual verification included) and their errors are put back on the form's fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shared_apps.accounts.access import StoreAccess, visible_owner_ids
from shared_apps.accounts.roles import Scope, StoreRole
from shared_apps.accounts.selectors import member_list
from shared_apps.platform.errors import DomainError
from tenant_apps.customers.models import FollowUp, Grade, Intention
from tenant_apps.customers.panels import list_filters
from tenant_apps.customers.regions import cities_of, regions
from tenant_apps.customers.selectors import FOLLOW_UP_DUE_VALUES, tag_list
from tenant_apps.workspace.selectors import channel_list

OWNER_ROLES = (StoreRole.SALESPERSON, StoreRole.SUPERVISOR)
DATETIME_LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def owner_choices(*, access: StoreAccess, store) -> list[tuple[str, str]]:
    """The salespeople and supervisors ``access`` may hand customers to (their team, or all)."""
    owners = visible_owner_ids(access)
    memberships = member_list(store=store).filter(is_active=True, role__in=OWNER_ROLES, user__is_active=True)
    if owners is not None:
        memberships = memberships.filter(user_id__in=owners)
    return [(str(m.user_id), m.user.display_name) for m in memberships]


def can_choose_owner(access: StoreAccess) -> bool:
    return not access.read_only and access.scope != Scope.OWN


def add_domain_errors(form: forms.Form, exc: DomainError, *, aliases: dict[str, str] | None = None) -> None:
    """Put a service's errors on the form: per field where the form has it, else on the form."""
    aliases = aliases or {}
    if not exc.errors:
        form.add_error(None, exc.detail)
        return
    for name, messages in exc.errors.items():
        field = aliases.get(name, name)
        for message in messages:
            form.add_error(field if field in form.fields else None, f"{message}")


class CustomerFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    grade = forms.ChoiceField(label=_("Grade"), required=False)
    tag = forms.ChoiceField(label=_("Tag"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    province = forms.CharField(label=_("Province"), required=False, max_length=40)
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    in_pool = forms.ChoiceField(
        label=_("Pool"),
        required=False,
        choices=[("", _("All")), ("false", _("Owned")), ("true", _("In the pool"))],
    )
    follow_up_due = forms.ChoiceField(label=_("Follow-up"), required=False)

    FILTERS = ("q", "grade", "tag", "channel", "province", "owner", "in_pool", "follow_up_due")

    def __init__(self, *args, access: StoreAccess, store, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = [("", _("All grades")), *Grade.choices]
        self.fields["tag"].choices = [("", _("All tags")), *((t.name, t.name) for t in tag_list())]
        self.fields["channel"].choices = [("", _("All channels")), *((c.code, c.label) for c in channel_list())]
        due_labels = {"due": _("Due"), "overdue": _("Overdue"), "today": _("Due today")}
        self.fields["follow_up_due"].choices = [
            ("", _("Any")),
            *((v, due_labels.get(v, v)) for v in FOLLOW_UP_DUE_VALUES),
        ]
        if can_choose_owner(access) or access.read_only:
            self.fields["owner"].choices = [
                ("", _("Everyone")),
                ("me", _("Me")),
                *owner_choices(access=access, store=store),
            ]
        else:
            del self.fields["owner"]
        self.extra_filters = [extra.key for extra in list_filters()]
        for extra in list_filters():
            self.fields[extra.key] = forms.ChoiceField(label=extra.label, required=False, choices=extra.choices())
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            field.widget.attrs.setdefault("class", css)
            field.widget.attrs.setdefault("id", f"id_{name}")

    def extra_fields(self) -> list:
        """The bound fields of the filters other modules add."""
        return [self[key] for key in self.extra_filters]

    def filters(self) -> dict[str, str]:
        """The filters to apply (only the valid, non-empty ones)."""
        if not self.is_valid():
            keys = (*self.FILTERS, *self.extra_filters)
            return {name: value for name, value in self.data.items() if name in self.fields and name in keys}
        return {name: str(value) for name, value in self.cleaned_data.items() if value not in (None, "")}


class CustomerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    mobile = forms.CharField(label=_("Mobile"), max_length=32, required=False)
    wechat_id = forms.CharField(label=_("WeChat ID"), max_length=64, required=False)
    platform_chat_id = forms.CharField(label=_("Platform chat ID"), max_length=64, required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    province = forms.CharField(label=_("Province"), max_length=40, required=False)
    city = forms.CharField(label=_("City"), max_length=60, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    tags = forms.MultipleChoiceField(label=_("Tags"), required=False, widget=forms.SelectMultiple(attrs={"size": 4}))
    grade = forms.ChoiceField(label=_("Grade"), choices=Grade.choices, initial=Grade.C)
    product_preferences = forms.CharField(
        label=_("Product preferences"),
        required=False,
        max_length=2000,
        help_text=_("Products or categories, separated by commas."),
    )
    intention_level = forms.ChoiceField(
        label=_("Purchase intention"), required=False, choices=[("", "—"), *Intention.choices]
    )
    intention_note = forms.CharField(label=_("Intention note"), max_length=300, required=False)
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    next_follow_up_at = forms.CharField(label=_("Next follow-up"), required=False, widget=DATETIME_LOCAL)

    def __init__(self, *args, access: StoreAccess, store, creating: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.creating = creating
        self.fields["channel"].choices = [("", "—"), *((c.code, c.label) for c in channel_list())]
        self.fields["tags"].choices = [(t.name, t.name) for t in tag_list()]
        if can_choose_owner(access):
            if not creating:
                empty_label = _("Keep the current owner")
            elif access.role == StoreRole.SUPERVISOR:
                empty_label = _("Me")
            else:
                empty_label = _("Nobody (shared pool)")
            self.fields["owner"].choices = [("", empty_label), *owner_choices(access=access, store=store)]
        else:
            del self.fields["owner"]
        if not creating:
            del self.fields["next_follow_up_at"]
        self._region_cascader()

    def _region_cascader(self) -> None:
        """Province and city as two linked lists (``regions``); a value outside the list (typed
        before it existed) stays offered, so editing never loses it."""
        listed = regions()
        self.region_data = {province: list(cities) for province, cities in listed}
        if not listed:
            return
        source = self.data if self.is_bound else self.initial
        province = str(source.get("province") or "")
        city = str(source.get("city") or "")
        provinces = [name for name, _cities in listed]
        choices = [("", "—"), *((name, name) for name in provinces)]
        if province and province not in provinces:
            choices.append((province, province))
        self.fields["province"].widget = forms.Select(choices=choices, attrs={"data-region-province": ""})
        cities = list(cities_of(province))
        city_choices = [("", "—"), *((name, name) for name in cities)]
        if city and city not in cities:
            city_choices.append((city, city))
        self.fields["city"].widget = forms.Select(choices=city_choices, attrs={"data-region-city": ""})

    def service_data(self) -> dict[str, Any]:
        """The cleaned form as the data of ``customer_create`` / ``customer_update``."""
        data = dict(self.cleaned_data)
        prefs = data.pop("product_preferences", "") or ""
        data["product_preferences"] = [p.strip() for p in prefs.replace("，", ",").split(",") if p.strip()]
        owner = data.pop("owner", "")
        if owner:
            data["owner"] = int(owner)
        if "next_follow_up_at" in data and not data["next_follow_up_at"]:
            data.pop("next_follow_up_at")
        return data

    @classmethod
    def initial_for(cls, customer) -> dict[str, Any]:
        return {
            "name": customer.name,
            "company": customer.company,
            "mobile": customer.mobile,
            "wechat_id": customer.wechat_id,
            "platform_chat_id": customer.platform_chat_id,
            "channel": customer.channel.code if customer.channel_id else "",
            "province": customer.province,
            "city": customer.city,
            "address": customer.address,
            "tags": [tag.name for tag in customer.tags.all()],
            "grade": customer.grade,
            "product_preferences": ", ".join(str(p) for p in customer.product_preferences or []),
            "intention_level": customer.intention_level,
            "intention_note": customer.intention_note,
        }


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FollowUpForm(forms.Form):
    kind = forms.ChoiceField(
        label=pgettext_lazy("follow-up", "Kind"), choices=FollowUp.Kind.choices, initial=FollowUp.Kind.CALL
    )
    content = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    outcome = forms.CharField(label=_("Outcome"), max_length=300, required=False)
    next_follow_up_at = forms.CharField(label=_("Next follow-up"), required=False, widget=DATETIME_LOCAL)
    # Rendered only: the view hands ``request.FILES.getlist("attachments")`` to the service, which checks them.
    attachments = forms.FileField(
        label=_("Attachments"),
        required=False,
        help_text=_("Up to 5 photos or PDF documents."),
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf"}),
    )


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_("CSV (UTF-8 or GBK) or XLSX; the first row names the columns."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
