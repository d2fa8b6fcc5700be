"""Session sign-in pages (on every host) and the access checks of server-rendered pages.

Page views of every module use ``store_page("<permission>")`` on a store host and ``hq_page``
on the public host: an anonymous visitor is sent to the sign-in page, a signed-in user without
the permission gets the 403 page. (Non-members never get this far on a store host: the
``StoreAccessMiddleware`` answers 404 for them.)
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shared_apps.accounts.forms import EmailAuthenticationForm
from shared_apps.platform.errors import DomainError, ErrorCode, NotFound
from shared_apps.platform.problems import problem_response, wants_json


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = False


class LogoutView(auth_views.LogoutView):
    next_page = "/login/"


def lockout_response(request, credentials, *args, **kwargs):
    """django-axes calls this when a login is locked out: 429, as a page or problem+json."""
    title = _("Too many failed sign-in attempts. Try again later.")
    if wants_json(request):
        return problem_response(status=429, code=ErrorCode.THROTTLED, title=title)
    return render(request, "accounts/locked_out.html", {"title": title}, status=429)


def forbidden_page(request, title: str | None = None):
    """The 403 page of the HTML side (the API answers problem+json through DRF)."""
    title = title or _("You do not have permission to open this page.")
    return render(request, "error.html", {"status": 403, "title": title}, status=403)


def store_page(permission: str):
    """Decorator of a store-host page view: signed in, a member (or HQ), holding ``permission``."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            access = getattr(request, "store_access", None)
            if access is None:
                raise Http404
            if not access.can(permission):
                return forbidden_page(request)
            return view(request, *args, **kwargs)

        wrapper.required_permission = permission
        return wrapper

    return decorator


def hq_page(view):
    """Decorator of an HQ console page: signed in with an HQ role, else 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_hq:
            return forbidden_page(request, _("The HQ console is for HQ staff only."))
        return view(request, *args, **kwargs)

    return wrapper


def invitations_page(request):
    """The signed-in user's open invitations into this store, each with an accept button."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if getattr(request, "tenant", None) is None or request.tenant.schema_name == settings.PUBLIC_SCHEMA_NAME:
        raise Http404
    from shared_apps.accounts.services import invitations_open_for

    invitations = invitations_open_for(user=request.user, store=request.tenant).order_by("-created_at")
    return render(request, "accounts/invitations.html", {"invitations": invitations})


@require_POST
def invitation_accept_page(request, invitation_id: int):
    if not request.user.is_authenticated:
        return redirect_to_login("/invitations/")
    if getattr(request, "tenant", None) is None or request.tenant.schema_name == settings.PUBLIC_SCHEMA_NAME:
        raise Http404
    from shared_apps.accounts.services import invitation_accept

    try:
        invitation_accept(invitation_id=invitation_id, user=request.user, store=request.tenant)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("invitations")
    return redirect("/")


def password_set_page(request, uidb64: str, token: str):
    """The page of a one-time link (an invitation without a password, or an admin's password
    reset): the user chooses a password, is signed in, and any open invitation into this store is
    accepted. A wrong or used link says so and reveals nothing."""
    from django.contrib.auth import login
    from django.contrib.auth.forms import SetPasswordForm

    from shared_apps.accounts.services import invitation_accept, invitations_open_for, one_time_link_user

    if getattr(request, "tenant", None) is None or request.tenant.schema_name == settings.PUBLIC_SCHEMA_NAME:
        raise Http404
    user = one_time_link_user(uidb64=uidb64, token=token)
    if user is None:
        return render(request, "accounts/password_set.html", {"invalid": True}, status=400)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        for invitation in invitations_open_for(user=user, store=request.tenant):
            try:
                invitation_accept(invitation_id=invitation.pk, user=user, store=request.tenant)
            except DomainError as exc:
                messages.error(request, exc.detail)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Your password is set."))
        return redirect("/")
    return render(
        request, "accounts/password_set.html", {"form": form, "person": user}, status=422 if form.errors else 200
    )
