"""Session sign-in pages, on every host."""

from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.utils.translation import gettext as _

from shared_apps.accounts.forms import EmailAuthenticationForm
from shared_apps.platform.errors import ErrorCode
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
