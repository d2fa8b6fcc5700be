"""Voucher and invoice files: recognised by their content, limited in size, stored per store.

A file is accepted only when its first bytes are those of a JPEG, PNG, WebP image or a PDF
document (the name and the declared content type are not trusted), and when it is no larger than
``settings.VOUCHER_MAX_BYTES``. Files are stored in the default storage under the store's schema
name (``<schema>/vouchers/<uuid>.<ext>``, ``<schema>/invoices/<uuid>.<ext>``) and served only by
views that check who may see the record.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.db import connection
from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.platform.errors import NotFound, ValidationFailed
from tenant_apps.finance.error_codes import FinanceErrorCode

ORIGINAL_NAME_MAX = 200


class FileTooLarge(ValidationFailed):
    status = 413
    code = FinanceErrorCode.FILE_TOO_LARGE
    default_title = gettext_lazy("The file is too large.")


class InvalidFile(ValidationFailed):
    code = FinanceErrorCode.INVALID_FILE
    default_title = gettext_lazy("The file is not an image or a PDF document.")


@dataclass(frozen=True)
class CheckedFile:
    """An uploaded file that passed the checks, with what its content says it is."""

    file: IO[bytes]
    original_name: str
    content_type: str
    extension: str
    size: int


def max_bytes() -> int:
    return int(settings.VOUCHER_MAX_BYTES)


def sniff(head: bytes) -> tuple[str, str] | None:
    """``(content type, extension)`` of a JPEG, PNG, WebP or PDF from its first bytes, else None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf", "pdf"
    return None


def _size_of(file) -> int:
    size = getattr(file, "size", None)
    if size is not None:
        return int(size)
    position = file.tell()
    file.seek(0, 2)
    size = file.tell()
    file.seek(position)
    return size


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def check_file(file, *, field: str) -> CheckedFile:
    """Refuse ``file`` unless it is a small enough JPEG, PNG, WebP or PDF (nothing is stored)."""
    name = str(getattr(file, "name", "") or "file")[-ORIGINAL_NAME_MAX:]
    size = _size_of(file)
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
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    kind = sniff(head)
    if kind is None:
        message = _("%(name)s is not a JPEG, PNG or WebP image or a PDF document.") % {"name": name}
        raise InvalidFile(message, errors={field: [message]})
    content_type, extension = kind
    return CheckedFile(file=file, original_name=name, content_type=content_type, extension=extension, size=size)


def check_files(files, *, field: str) -> list[CheckedFile]:
    return [check_file(f, field=field) for f in files]


def stored_name(extension: str) -> str:
    return f"{uuid.uuid4().hex}.{extension}"


def store_prefix() -> str:
    """The per-store folder: the schema of the store being served (never user input)."""
    return connection.schema_name


def belongs_to_current_store(path: str) -> bool:
    return bool(path) and path.startswith(f"{store_prefix()}/")


def file_response(record, *, as_attachment: bool = False) -> FileResponse:
    """The stored file of ``record`` (a voucher or an invoice), inline, never cached or sniffed."""
    name = record.file.name
    if not belongs_to_current_store(name):
        raise NotFound(_("No such file."))
    try:
        handle = record.file.open("rb")
    except (FileNotFoundError, OSError):
        raise NotFound(_("No such file.")) from None
    filename = getattr(record, "original_name", "") or name.rsplit("/", 1)[-1]
    content_type = getattr(record, "content_type", "")
    if not content_type:
        content_type = (sniff(handle.read(16)) or ("application/octet-stream", ""))[0]
        handle.seek(0)
    response = FileResponse(handle, as_attachment=as_attachment, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
