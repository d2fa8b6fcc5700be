"""Password reset by email (Django's views and one-time tokens) on every host.

The link is valid for ``PASSWORD_RESET_TIMEOUT`` seconds and only once: Django's token is keyed
by the password hash and the last sign-in, so setting the password ends it. The request page
answers the same for every address (nobody learns which addresses have accounts), is limited per
client address and per email (``PASSWORD_RESET_THROTTLE_RATE``) and refused from an address that
the sign-in page has locked out (``LOGIN_IP_FAILURE_LIMIT``); both answer 429.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework.throttling import SimpleRateThrottle

from shared_apps.accounts.throttling import failures_from
from shared_apps.platform.clientip import client_ip


def _over_rate(key: str) -> bool:
    """Count one request under ``key``; True when it goes over ``PASSWORD_RESET_THROTTLE_RATE``."""
    limit, window = SimpleRateThrottle.parse_rate(None, settings.PASSWORD_RESET_THROTTLE_RATE)
    cache_key = f"password-reset:{hashlib.sha256(key.encode()).hexdigest()}"
    cache.add(cache_key, 0, timeout=window)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window)
        count = 1
    return count > limit


def _refused(request):
    title = _("Too many password reset requests. Try again later.")
    return render(request, "accounts/locked_out.html", {"title": title}, status=429)


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = "/password-reset/sent/"

    def post(self, request, *args, **kwargs):
        address = client_ip(request)
        if address and failures_from(address) >= settings.LOGIN_IP_FAILURE_LIMIT:
            return _refused(request)
        email = (request.POST.get("email") or "").strip().lower()
        over_ip = _over_rate(f"ip:{address}")
        over_email = bool(email) and _over_rate(f"email:{email}")
        if over_ip or over_email:
            return _refused(request)
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = "/password-reset/done/"


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
