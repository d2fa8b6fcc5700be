"""WeChat screenshots: recognised by their content (JPEG, PNG or WebP), limited in size
(``settings.SCREENSHOT_MAX_BYTES``), stored per store under ``<schema>/screenshots/<uuid>.<ext>``
and served only by views that check who may see the contact record."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shared_apps.platform import uploads
from shared_apps.platform.errors import ValidationFailed
from shared_apps.platform.uploads import CheckedFile, file_response
from tenant_apps.enquiries.error_codes import EnquiryErrorCode
from tenant_apps.enquiries.models import Screenshot

__all__ = ["FileTooLarge", "InvalidFile", "check_image", "check_images", "file_response"]

MAX_SCREENSHOTS = 10


class FileTooLarge(ValidationFailed):
    status = 413
    code = EnquiryErrorCode.FILE_TOO_LARGE
    default_title = gettext_lazy("The file is too large.")


class InvalidFile(ValidationFailed):
    code = EnquiryErrorCode.INVALID_FILE
    default_title = gettext_lazy("The file is not an image.")


def check_image(file, *, field: str = "screenshots") -> CheckedFile:
    """Refuse ``file`` unless it is a small enough JPEG, PNG or WebP image (nothing is stored)."""
    name = uploads.original_name(file, "screenshot")
    size = uploads.size_of(file)
    limit = Screenshot.max_bytes()
    if size > limit:
        message = _("%(name)s is larger than %(limit)d bytes.") % {"name": name, "limit": limit}
        raise FileTooLarge(message, errors={field: [message]}, extra={"max_bytes": limit})
    kind = Screenshot.kind_of(file)
    if size == 0 or kind is None:
        message = _("%(name)s is not a JPEG, PNG or WebP image.") % {"name": name}
        raise InvalidFile(message, errors={field: [message]})
    content_type, extension = kind
    return CheckedFile(file=file, original_name=name, content_type=content_type, extension=extension, size=size)


def check_images(files, *, field: str = "screenshots") -> list[CheckedFile]:
    files = list(files)
    if len(files) > MAX_SCREENSHOTS:
        message = _("At most %(max)d screenshots per day.") % {"max": MAX_SCREENSHOTS}
        raise ValidationFailed(message, errors={field: [message]})
    return [check_image(f, field=field) for f in files]
