"""Host names: which host is HQ, which is a store, and the URLs printed to people."""

from __future__ import annotations

from django.conf import settings


def base_host() -> str:
    return settings.BASE_DOMAIN


def store_host(subdomain: str) -> str:
    return f"{subdomain}.{settings.BASE_DOMAIN}"


def _origin(host: str) -> str:
    port = f":{settings.SITE_PORT}" if settings.SITE_PORT else ""
    return f"{settings.SITE_SCHEME}://{host}{port}"


def hq_url() -> str:
    return _origin(base_host()) + "/"


def store_url(subdomain: str) -> str:
    return _origin(store_host(subdomain)) + "/"


def schema_name_for(subdomain: str) -> str:
    return "s_" + subdomain.replace("-", "_")
