"""WeChat screenshots: recognised by their content (JPEG, PNG or WebP), limited in size
(``settings.SCREENSHOT_MAX_BYTES``), stored per store under ``<schema>/screenshots/<uuid>.<ext>``
and served only by views that check who may see the contact record."""

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
from tenant_apps.enquiries.error_codes import EnquiryErrorCode

ORIGINAL_NAME_MAX = 200
MAX_SCREENSHOTS = 10


class FileTooLarge(ValidationFailed):
    status = 413
    code = EnquiryErrorCode.FILE_TOO_LARGE
    default_title = gettext_lazy("The file is too large.")


class InvalidFile(ValidationFailed):
    code = EnquiryErrorCode.INVALID_FILE
    default_title = gettext_lazy("The file is not an image.")


@dataclass(frozen=True)
class CheckedImage:
    file: IO[bytes]
    original_name: str
    content_type: str
    extension: str
    size: int


def sniff(head: bytes) -> tuple[str, str] | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
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


def check_image(file, *, field: str = "screenshots") -> CheckedImage:
    """Refuse ``file`` unless it is a small enough JPEG, PNG or WebP image (nothing is stored)."""
    name = str(getattr(file, "name", "") or "screenshot")[-ORIGINAL_NAME_MAX:]
    size = _size_of(file)
    limit = int(settings.SCREENSHOT_MAX_BYTES)
    if size > limit:
        message = _("%(name)s is larger than %(limit)d bytes.") % {"name": name, "limit": limit}
        raise FileTooLarge(message, errors={field: [message]}, extra={"max_bytes": limit})
    file.seek(0)
    kind = sniff(file.read(16))
    file.seek(0)
    if size == 0 or kind is None:
        message = _("%(name)s is not a JPEG, PNG or WebP image.") % {"name": name}
        raise InvalidFile(message, errors={field: [message]})
    content_type, extension = kind
    return CheckedImage(file=file, original_name=name, content_type=content_type, extension=extension, size=size)


def check_images(files, *, field: str = "screenshots") -> list[CheckedImage]:
    files = list(files)
    if len(files) > MAX_SCREENSHOTS:
        message = _("At most %(max)d screenshots per day.") % {"max": MAX_SCREENSHOTS}
        raise ValidationFailed(message, errors={field: [message]})
    return [check_image(f, field=field) for f in files]


def stored_name(extension: str) -> str:
    return f"{uuid.uuid4().hex}.{extension}"


def store_prefix() -> str:
    return connection.schema_name


def file_response(screenshot) -> FileResponse:
    name = screenshot.file.name
    if not name or not name.startswith(f"{store_prefix()}/"):
        raise NotFound(_("No such file."))
    try:
        handle = screenshot.file.open("rb")
    except (FileNotFoundError, OSError):
        raise NotFound(_("No such file.")) from None
    response = FileResponse(handle, filename=screenshot.original_name, content_type=screenshot.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
