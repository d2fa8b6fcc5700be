"""Subdomain rules: lower-case letters, digits and inner hyphens, 3-40 characters, not reserved."""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.translation import gettext as _

from shared_apps.platform.errors import ErrorCode, ValidationFailed

SUBDOMAIN_RE = re.compile(r"^[a-z](?:[a-z0-9-]{1,38})[a-z0-9]$")


def validate_subdomain(value: str) -> str:
    """Return the subdomain if it is well-formed and not reserved; raise ValidationFailed otherwise."""
    if not isinstance(value, str) or not SUBDOMAIN_RE.fullmatch(value) or "--" in value:
        raise ValidationFailed(
            _("A subdomain has 3 to 40 lower-case letters, digits or inner hyphens and starts with a letter."),
            code=ErrorCode.SUBDOMAIN_INVALID,
            errors={"subdomain": [_("Use 3-40 characters: a-z, 0-9 and '-', starting with a letter.")]},
        )
    if value in settings.RESERVED_SUBDOMAINS or value.startswith(("tpl", "spare")):
        raise ValidationFailed(
            _("The subdomain '%(subdomain)s' is reserved.") % {"subdomain": value},
            code=ErrorCode.SUBDOMAIN_RESERVED,
            errors={"subdomain": [_("This subdomain is reserved.")]},
        )
    return value
