"""Domain errors. Services raise these; the API turns them into problem+json, pages into form errors.

Each error has a stable machine ``code`` (api.md) and an HTTP status. Codes are kept in
``ErrorCode`` so that clients can rely on them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _


class ErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    NOT_AUTHENTICATED = "not_authenticated"
    AUTHENTICATION_FAILED = "authentication_failed"
    TOKEN_INVALID = "token_invalid"
    TOKEN_EXPIRED = "token_expired"
    TOKEN_REVOKED = "token_revoked"
    VALIDATION_ERROR = "validation_error"
    CONFLICT = "conflict"
    INVALID_TRANSITION = "invalid_transition"
    APPROVAL_REQUIRED = "approval_required"
    THROTTLED = "throttled"
    LOCKED_OUT = "locked_out"
    TENANT_READ_ONLY = "tenant_read_only"
    STORE_SUSPENDED = "store_suspended"
    SUBDOMAIN_TAKEN = "subdomain_taken"
    SUBDOMAIN_INVALID = "subdomain_invalid"
    SUBDOMAIN_RESERVED = "subdomain_reserved"
    PROVISIONING_FAILED = "provisioning_failed"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    NOT_ACCEPTABLE = "not_acceptable"
    PARSE_ERROR = "parse_error"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    SERVER_ERROR = "server_error"
    SERVICE_UNAVAILABLE = "service_unavailable"


class DomainError(Exception):
    """Base of every error a user can cause. Never a 500."""

    status = 400
    code: str = ErrorCode.VALIDATION_ERROR
    default_title = _("The request could not be processed.")

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        errors: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.detail = str(detail) if detail is not None else str(self.default_title)
        if code is not None:
            self.code = code
        self.errors = errors or {}
        self.extra = extra or {}
        super().__init__(self.detail)

    @property
    def title(self) -> str:
        return str(self.default_title)


class ValidationFailed(DomainError):
    status = 400
    code = ErrorCode.VALIDATION_ERROR
    default_title = _("Invalid input.")


class NotFound(DomainError):
    status = 404
    code = ErrorCode.NOT_FOUND
    default_title = _("Not found.")


class PermissionDenied(DomainError):
    status = 403
    code = ErrorCode.PERMISSION_DENIED
    default_title = _("You do not have permission to perform this action.")


class Conflict(DomainError):
    status = 409
    code = ErrorCode.CONFLICT
    default_title = _("The request conflicts with the current state.")


class InvalidTransition(Conflict):
    code = ErrorCode.INVALID_TRANSITION
    default_title = _("This transition is not allowed.")


class ApprovalRequired(Conflict):
    code = ErrorCode.APPROVAL_REQUIRED
    default_title = _("Approval is required first.")


class TenantReadOnly(DomainError):
    status = 423
    code = ErrorCode.TENANT_READ_ONLY
    default_title = _("This store is read-only.")


class StoreSuspended(DomainError):
    status = 403
    code = ErrorCode.STORE_SUSPENDED
    default_title = _("This store is suspended.")
