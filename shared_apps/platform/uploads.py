"""Uploaded files of every module (vouchers, invoices, screenshots): what a file is by its content,
its size, where it is stored and how it is served.

A file's kind comes from its first bytes, never from its name or declared content type. Files live
in the default storage under the schema of the store being served (``<schema>/<folder>/<uuid>.<ext>``)
and are served only by views that have already checked who may see the record they belong to.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import IO

from django.db import connection
from django.http import FileResponse
from django.utils.translation import gettext as _

from shared_apps.platform.errors import NotFound

ORIGINAL_NAME_MAX = 200
HEAD_BYTES = 16


@dataclass(frozen=True)
class CheckedFile:
    """An uploaded file that passed its module's checks, with what its content says it is."""

    file: IO[bytes]
    original_name: str
    content_type: str
    extension: str
    size: int


def sniff(head: bytes, *, pdf: bool = True) -> tuple[str, str] | None:
    """``(content type, extension)`` of a JPEG, PNG or WebP image (or, with ``pdf``, a PDF) from its
    first bytes; None for anything else."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    if pdf and head.startswith(b"%PDF-"):
        return "application/pdf", "pdf"
    return None


def size_of(file) -> int:
    size = getattr(file, "size", None)
    if size is not None:
        return int(size)
    position = file.tell()
    file.seek(0, 2)
    size = file.tell()
    file.seek(position)
    return size


def original_name(file, default: str) -> str:
    return str(getattr(file, "name", "") or default)[-ORIGINAL_NAME_MAX:]


def read_head(file) -> bytes:
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    return head


def stored_name(extension: str) -> str:
    return f"{uuid.uuid4().hex}.{extension}"


def store_prefix() -> str:
    """The per-store folder: the schema of the store being served (never user input)."""
    return connection.schema_name


def belongs_to_current_store(path: str) -> bool:
    return bool(path) and path.startswith(f"{store_prefix()}/")


def file_response(record, *, as_attachment: bool = False) -> FileResponse:
    """The stored file of ``record`` (its ``file`` field), never cached or sniffed by the browser."""
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
        content_type = (sniff(handle.read(HEAD_BYTES)) or ("application/octet-stream", ""))[0]
        handle.seek(0)
    response = FileResponse(handle, as_attachment=as_attachment, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
