"""Rate limits and lock-outs keyed by the client's address (``shared_apps.platform.clientip``).

Lock-out, against both password spraying and locking a victim out:
- django-axes locks a user name *from one client address* after ``AXES_FAILURE_LIMIT`` failures
  (``AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]``): someone failing from elsewhere
  never locks the real user out;
- ``LOGIN_IP_FAILURE_LIMIT`` failures from one client address over every user name within the
  cool-off refuse further sign-ins from that address (``IpFailureLimitBackend``): spraying one
  password over many accounts stops there.
Both see the real client behind the configured proxies, never a forged ``X-Forwarded-For``.
"""

from __future__ import annotations

from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle

from shared_apps.platform.clientip import client_ip


def failures_from(address: str) -> int:
    if not address:
        return 0
    since = timezone.now() - timedelta(hours=float(settings.AXES_COOLOFF_TIME))
    total = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return total or 0


class IpFailureLimitBackend(AxesStandaloneBackend):
    """django-axes' check, then the per-address limit over every user name."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        super().authenticate(request, username=username, password=password, **kwargs)
        if request is not None and failures_from(client_ip(request)) >= settings.LOGIN_IP_FAILURE_LIMIT:
            request.axes_locked_out = True
            raise AxesBackendPermissionDenied("too many failed sign-ins from this address")
        return None


class AtomicRateThrottle(SimpleRateThrottle):
    """DRF's rates (``"20/min"``) counted atomically in the shared cache, in fixed windows.

    DRF's ``SimpleRateThrottle`` reads the caller's history and then writes it back, so requests
    arriving together all read the same history and all pass. Here a caller's window opens with
    its first request and lasts the rate's period; the window's start is recorded once
    (``cache.add``) and each request takes its number in the window from one atomic increment of
    the window's own counter (``cache.add`` + ``cache.incr``: Redis ``SET NX`` / ``INCR``, an
    upsert and a row lock in the database cache, a lock in memory). Exactly ``num_requests``
    requests of a window pass, however many arrive at once; a refused one waits until the window
    ends (``wait``, sent as ``Retry-After``)."""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        started = f"{self.key}:window"
        self.cache.add(started, self.now, self.duration)
        start = self.cache.get(started, self.now)
        self.window_ends = start + self.duration
        # The counter is the window's own (named after its start), never one of an earlier window.
        if self._count(f"{self.key}:{start!r}") > self.num_requests:
            return self.throttle_failure()
        return True

    def _count(self, counter: str) -> int:
        """This request's number in the window; a counter evicted between ``add`` and ``incr`` is
        made again."""
        for _attempt in range(2):
            self.cache.add(counter, 0, self.duration)
            try:
                return self.cache.incr(counter)
            except ValueError:
                continue
        return 1  # a cache that keeps nothing cannot count: the request goes through

    def wait(self):
        return min(max(self.window_ends - self.now, 1.0), float(self.duration))


class ClientAddressThrottle(AtomicRateThrottle):
    """A throttle per client address, as ``client_ip`` finds it (never a forged header)."""

    def get_ident(self, request):
        return client_ip(request._request if hasattr(request, "_request") else request)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class CallerRateThrottle(AtomicRateThrottle):
    """A rate per API key (scope ``api_key``) or per bearer token (scope ``api_token``).

    Requests with neither (sessions, anonymous) are not limited here. The rates are settings
    (``API_KEY_THROTTLE_RATE``, ``API_TOKEN_THROTTLE_RATE``); over the rate the API answers 429
    ``throttled`` with ``Retry-After``.
    """

    def allow_request(self, request, view):
        django_request = getattr(request, "_request", request)
        if getattr(django_request, "api_key", None) is not None:
            self.scope, self.ident = "api_key", f"key:{django_request.api_key.pk}"
        elif getattr(django_request, "api_token", None) is not None:
            self.scope, self.ident = "api_token", f"token:{django_request.api_token.pk}"
        else:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def __init__(self):  # the scope is known per request, in allow_request
        pass

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.ident}
