"""Voucher and invoice files: recognised by their content, limited in size, stored per store.

A file is accepted only when its first bytes are those of a JPEG, PNG, WebP image or a PDF
document (the name and the declared content type are not trusted), and when it is no larger than
``settings.VOUCHER_MAX_BYTES``. Files are stored in the default storage under the store's schema
name (``<schema>/vouchers/<uuid>.<ext>``, ``<schema>/invoices/<uuid>.<ext>``) and served only by
views that check who may see the record (``shared_apps.platform.uploads``).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.platform import uploads
from shared_apps.platform.errors import ValidationFailed
from shared_apps.platform.uploads import CheckedFile, file_response, save_checked_file
from tenant_apps.finance.error_codes import FinanceErrorCode
from tenant_apps.finance.models import PaymentVoucher

__all__ = [
    "CheckedFile",
    "FileTooLarge",
    "InvalidFile",
    "check_file",
    "check_files",
    "file_response",
    "save_checked_file",
]


class FileTooLarge(ValidationFailed):
    status = 413
    code = FinanceErrorCode.FILE_TOO_LARGE
    default_title = gettext_lazy("The file is too large.")


class InvalidFile(ValidationFailed):
    code = FinanceErrorCode.INVALID_FILE
    default_title = gettext_lazy("The file is not an image or a PDF document.")


def max_bytes() -> int:
    return PaymentVoucher.max_bytes()


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def check_file(file, *, field: str) -> CheckedFile:
    """Refuse ``file`` unless it is a small enough JPEG, PNG, WebP or PDF (nothing is stored)."""
    name = uploads.original_name(file, "file")
    size = uploads.size_of(file)
    limit = max_bytes()
    if size > limit:
        message = _("%(name)s is %(size)s MB; the limit is %(limit)s MB.") % {
            "name": name,
            "size": _megabytes(size),
            "limit": _megabytes(limit),
        }
        raise FileTooLarge(message, errors={field: [message]}, extra={"max_bytes": limit})
    if size == 0:
        message = _("%(name)s is empty.") % {"name": name}
        raise InvalidFile(message, errors={field: [message]})
    kind = PaymentVoucher.kind_of(file)
    if kind is None:
        message = _("%(name)s is not a JPEG, PNG or WebP image or a PDF document.") % {"name": name}
        raise InvalidFile(message, errors={field: [message]})
    content_type, extension = kind
    return CheckedFile(file=file, original_name=name, content_type=content_type, extension=extension, size=size)


def check_files(files, *, field: str) -> list[CheckedFile]:
    return [check_file(f, field=field) for f in files]
