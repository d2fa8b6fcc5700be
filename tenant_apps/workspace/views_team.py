"""The team pages of a store admin, with the rules of ``/api/v1/members``: invite someone by email
(a new address gets a one-time link to choose a password), change a member's role and supervisor
(their team), deactivate a member and hand their customers over in one step, and send a member a
one-time link to choose a new password."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from shared_apps.accounts import services as account_services
from shared_apps.accounts.roles import StoreRole
from shared_apps.accounts.selectors import member_get, member_list
from shared_apps.accounts.views import forbidden_page, store_page
from shared_apps.platform.errors import DomainError, NotFound
from tenant_apps.customers.selectors import owned_customer_count
from tenant_apps.handover import services as handover_services

SELECT = {"class": "form-select"}


def _supervisor_choices(request, *, exclude_user_id=None) -> list[tuple[str, str]]:
    return [("", _("None"))] + [
        (str(m.user_id), m.user.display_name)
        for m in member_list(store=request.tenant)
        if m.role == StoreRole.SUPERVISOR and m.is_active and m.user_id != exclude_user_id
    ]


class InviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"))
    name = forms.CharField(label=gettext_lazy("Name"), max_length=150, required=False)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=StoreRole.choices, widget=forms.Select(attrs=SELECT))
    supervisor = forms.ChoiceField(label=gettext_lazy("Supervisor"), required=False, widget=forms.Select(attrs=SELECT))

    def __init__(self, *args, supervisors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].choices = supervisors


class MemberForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=StoreRole.choices, widget=forms.Select(attrs=SELECT))
    supervisor = forms.ChoiceField(
        label=gettext_lazy("Supervisor (team)"), required=False, widget=forms.Select(attrs=SELECT)
    )

    def __init__(self, *args, supervisors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].choices = supervisors


class LeaveForm(forms.Form):
    to_owner = forms.ChoiceField(
        label=gettext_lazy("Hand their customers over to"), required=False, widget=forms.Select(attrs=SELECT)
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500, required=False)

    def __init__(self, *args, takers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_owner"].choices = [("", _("The shared pool")), *list(takers)]


def _add_errors(form, exc: DomainError) -> None:
    for field, errors in (exc.errors or {}).items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
    if not exc.errors:
        form.add_error(None, exc.detail)


@require_http_methods(["GET", "POST"])
@store_page("members.manage")
def member_invite(request):
    form = InviteForm(request.POST or None, supervisors=_supervisor_choices(request))
    status = 200
    if request.method == "POST":
        if not request.tenant.is_writable:
            return forbidden_page(request, _("This store is read-only."))
        if form.is_valid():
            data = form.cleaned_data
            try:
                account_services.member_invite(
                    store=request.tenant,
                    email=data["email"],
                    name=data["name"],
                    role=data["role"],
                    supervisor_id=data["supervisor"] or None,
                    invited_by=request.user,
                    link=True,
                )
            except DomainError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("%(email)s was invited: the invitation email carries the link.") % {"email": data["email"]},
                )
                if "again" in request.POST:
                    return redirect("workspace:member-invite")
                return redirect("workspace:members")
        status = 422
    return render(request, "workspace/member_invite.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@store_page("members.manage")
def member_detail(request, membership_id: int):
    try:
        membership = member_get(store=request.tenant, member_id=membership_id)
    except NotFound:
        raise Http404 from None
    supervisors = _supervisor_choices(request, exclude_user_id=membership.user_id)
    takers = [
        (str(m.user_id), m.user.display_name)
        for m in member_list(store=request.tenant)
        if m.role in handover_services.OWNER_ROLES and m.is_active and m.user.is_active and m.pk != membership.pk
    ]
    initial = {"role": membership.role, "supervisor": str(membership.supervisor_id or "")}
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = MemberForm(request.POST if action == "change" else None, initial=initial, supervisors=supervisors)
    leave_form = LeaveForm(request.POST if action == "leave" else None, takers=takers)
    status = 200
    if action:
        if not request.tenant.is_writable:
            return forbidden_page(request, _("This store is read-only."))
        try:
            if action == "change" and form.is_valid():
                account_services.member_change(
                    membership=membership,
                    role=form.cleaned_data["role"],
                    supervisor_id=form.cleaned_data["supervisor"] or None,
                )
                messages.success(request, _("The membership was changed."))
                return redirect("workspace:member", membership_id=membership.pk)
            if action == "leave" and leave_form.is_valid():
                handover = handover_services.member_leave(
                    access=request.store_access,
                    membership=membership,
                    to_owner=leave_form.cleaned_data["to_owner"] or None,
                    reason=leave_form.cleaned_data["reason"],
                )
                messages.success(request, _("%(name)s was deactivated.") % {"name": membership.user.display_name})
                if handover is not None:
                    return redirect("handover:detail", handover_id=handover.pk)
                return redirect("workspace:members")
            if action == "reactivate":
                account_services.member_change(membership=membership, is_active=True)
                messages.success(request, _("%(name)s is active again.") % {"name": membership.user.display_name})
                return redirect("workspace:member", membership_id=membership.pk)
            if action == "reset":
                account_services.password_reset_send(membership=membership)
                messages.success(
                    request,
                    _("A link to choose a new password was sent to %(email)s.") % {"email": membership.user.email},
                )
                return redirect("workspace:member", membership_id=membership.pk)
        except DomainError as exc:
            _add_errors(leave_form if action == "leave" else form, exc)
        status = 422
    context = {
        "membership": membership,
        "form": form,
        "leave_form": leave_form,
        "owned": owned_customer_count(owner_id=membership.user_id),
        "is_self": membership.user_id == request.user.pk,
    }
    return render(request, "workspace/member_detail.html", context, status=status)
