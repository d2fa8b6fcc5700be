"""Attachments of follow-ups: recognised by their content (JPEG, PNG, WebP or PDF), limited in size
(``settings.VOUCHER_MAX_BYTES``, the limit of every uploaded document) and in number, stored per store
under ``<schema>/follow-ups/<uuid>.<ext>`` and served only by a view that checks who may see the
customer (``shared_apps.platform.uploads``)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.platform import uploads
from shared_apps.platform.errors import ValidationFailed
from shared_apps.platform.uploads import CheckedFile
from tenant_apps.customers.error_codes import CustomerErrorCode
from tenant_apps.customers.models import FollowUpAttachment

MAX_ATTACHMENTS = 5
FIELD = "attachments"


class FileTooLarge(ValidationFailed):
    status = 413
    code = CustomerErrorCode.FILE_TOO_LARGE
    default_title = gettext_lazy("The file is too large.")


class InvalidFile(ValidationFailed):
    code = CustomerErrorCode.INVALID_FILE
    default_title = gettext_lazy("The file is not an image or a PDF document.")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def check_attachment(file) -> CheckedFile:
    """Refuse ``file`` unless it is a small enough JPEG, PNG, WebP or PDF (nothing is stored)."""
    name = uploads.original_name(file, "attachment")
    size = uploads.size_of(file)
    limit = FollowUpAttachment.max_bytes()
    if size > limit:
        message = _("%(name)s is %(size)s MB; the limit is %(limit)s MB.") % {
            "name": name,
            "size": _megabytes(size),
            "limit": _megabytes(limit),
        }
        raise FileTooLarge(message, errors={FIELD: [message]}, extra={"max_bytes": limit})
    kind = FollowUpAttachment.kind_of(file) if size else None
    if kind is None:
        message = _("%(name)s is not a JPEG, PNG or WebP image or a PDF document.") % {"name": name}
        raise InvalidFile(message, errors={FIELD: [message]})
    content_type, extension = kind
    return CheckedFile(file=file, original_name=name, content_type=content_type, extension=extension, size=size)


def check_attachments(files) -> list[CheckedFile]:
    files = [f for f in (files or []) if f]
    if len(files) > MAX_ATTACHMENTS:
        message = _("At most %(max)d files per follow-up.") % {"max": MAX_ATTACHMENTS}
        raise ValidationFailed(message, errors={FIELD: [message]})
    return [check_attachment(f) for f in files]
