"""The client's address, the one function every rate limit, lock-out and log asks.

``X-Forwarded-For`` is believed only when the request comes from a configured proxy
(``TRUSTED_PROXIES``: networks such as the ingress's). The header is then read from the right:
each address appended by a trusted proxy is skipped, and the first one that is not a trusted proxy
is the client. Anything a client writes into the header itself lies to the left of that and is
never reached. Without trusted proxies, or from any other peer, the address is ``REMOTE_ADDR``.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def trusted_networks():
    return _networks(tuple(settings.TRUSTED_PROXIES))


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _is_trusted(address, networks) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    networks = trusted_networks()
    peer = _address(remote)
    if not networks or peer is None or not _is_trusted(peer, networks):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    client = remote
    for item in reversed([part for part in forwarded.split(",") if part.strip()]):
        address = _address(item)
        if address is None:
            break
        client = str(address)
        if not _is_trusted(address, networks):
            break
    return client
