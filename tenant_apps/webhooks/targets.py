"""Where a webhook may be sent (server-side request forgery guard).

A URL's host is resolved once; unless ``WEBHOOK_ALLOW_PRIVATE_TARGETS`` is on, every address it
resolves to must be a public (globally routable) one: private, loopback, link-local (which holds
the cloud metadata address 169.254.169.254), shared (100.64/10), multicast, reserved and
unspecified addresses are refused, IPv4-mapped IPv6 addresses by their IPv4 address. The request
is then made to the checked address itself (the host name goes in the Host header and, for
HTTPS, in SNI and the certificate check), so a second lookup cannot hand out another address
(DNS rebinding). Redirects are never followed blindly: each hop is checked again
(``sending.send``).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class TargetRefused(Exception):
    """The URL may not be called (its message says why)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # the name in the URL (Host header, SNI)
    port: int
    address: str  # the checked address connected to
    path: str  # path and query

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def parse(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of an http(s) URL, or TargetRefused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused(_("Not a valid URL.")) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused(_("Use an http:// or https:// URL with a host name."))
    if parts.username or parts.password:
        raise TargetRefused(_("A URL with a user name or password is not accepted."))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname.lower(), port or (443 if parts.scheme == "https" else 80), path


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def allow_private() -> bool:
    return bool(settings.WEBHOOK_ALLOW_PRIVATE_TARGETS)


def check_literal(url: str) -> None:
    """The checks that need no DNS (when endpoints are saved): scheme, host, and a literal address
    or ``localhost`` that is not public."""
    _scheme, host, _port, _path = parse(url)
    if allow_private():
        return
    if host == "localhost" or host.endswith(".localhost"):
        raise TargetRefused(_("Private, loopback and link-local addresses are not accepted."))
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return
    if not is_public(str(literal)):
        raise TargetRefused(_("Private, loopback and link-local addresses are not accepted."))


def resolve(url: str) -> Target:
    """The address to connect to for ``url``, after DNS, checked."""
    scheme, host, port, path = parse(url)
    bare = host.strip("[]")
    try:
        infos = socket.getaddrinfo(bare, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetRefused(_("The host name could not be resolved.")) from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise TargetRefused(_("The host name could not be resolved."))
    if not allow_private():
        refused = [address for address in addresses if not is_public(address)]
        if refused:
            raise TargetRefused(
                _("%(host)s resolves to a private, loopback or link-local address (%(address)s).")
                % {"host": host, "address": refused[0]}
            )
    return Target(scheme=scheme, host=bare, port=port, address=addresses[0], path=path)
