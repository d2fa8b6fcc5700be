"""Uploaded files of every module (vouchers, invoices, screenshots): what a file is by its content,
its size, where it is stored and how it is served.

A file's kind comes from its first bytes, never from its name or declared content type. Files live
in the default storage under the schema of the store being served (``<schema>/<folder>/<uuid>.<ext>``)
and are served only by views that have already checked who may see the record they belong to.

A module's uploaded files are rows of a subclass of ``StoredUpload`` (a voucher, a screenshot, a
follow-up's attachment), which names its folder, what it accepts and its size limit; a module's
``files.check_*`` refuses what its model does not accept, with the module's own error codes, and
its service stores what passed with ``Model.upload(checked, <parent>=..., uploaded_by=...)``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import IO, Any, ClassVar, Self

from django.conf import settings
from django.core.files import File
from django.db import connection, models
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


def save_checked_file(record, checked: CheckedFile, *, field: str = "file") -> None:
    """Store ``checked`` as ``record``'s file (``field``) under the current store's prefix and a new
    name; the record itself is not saved."""
    record.store_prefix = store_prefix()
    record.stored_name = stored_name(checked.extension)
    content = checked.file if isinstance(checked.file, File) else File(checked.file, name=checked.original_name)
    content.seek(0)
    getattr(record, field).save(record.stored_name, content, save=False)


def upload_path(instance: StoredUpload, filename: str) -> str:
    # ``store_prefix`` and ``stored_name`` are set by ``save_checked_file``: files live under a
    # per-store prefix, in the model's folder.
    return f"{instance.store_prefix}/{instance.upload_folder}/{instance.stored_name}"


class StoredUpload(models.Model):
    """An uploaded file kept as a row of its record (a payment's voucher, a contact record's
    screenshot): the stored file, its name as uploaded, the content type and size its content gave,
    who uploaded it and when.

    A subclass names its folder under the store's prefix (``upload_folder``), whether it accepts PDF
    documents besides JPEG, PNG and WebP images (``accepts_pdf``) and the setting holding its size
    limit (``max_bytes_setting``); a subclass with no uploader sets ``uploaded_by = None``."""

    upload_folder: ClassVar[str]
    accepts_pdf: ClassVar[bool] = True
    max_bytes_setting: ClassVar[str] = "VOUCHER_MAX_BYTES"

    file = models.FileField(upload_to=upload_path, max_length=300)
    original_name = models.CharField(max_length=ORIGINAL_NAME_MAX)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    # Set by ``save_checked_file`` before the file is saved (see ``upload_path``).
    store_prefix = ""
    stored_name = ""

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    @classmethod
    def max_bytes(cls) -> int:
        """The largest file the model takes, in bytes (from its setting)."""
        return int(getattr(settings, cls.max_bytes_setting))

    @classmethod
    def kind_of(cls, file) -> tuple[str, str] | None:
        """``(content type, extension)`` of ``file`` by its first bytes, if the model accepts it."""
        return sniff(read_head(file), pdf=cls.accepts_pdf)

    @classmethod
    def upload(cls, checked: CheckedFile, **fields: Any) -> Self:
        """Store ``checked`` (a file its module's checks passed) and save its row, with ``fields``
        (the record it belongs to, the uploader), in the caller's transaction."""
        upload = cls(
            original_name=checked.original_name, content_type=checked.content_type, size=checked.size, **fields
        )
        save_checked_file(upload, checked)
        upload.save()
        return upload
