"""Two-step imports from the pages: the upload is staged, then started with the column mapping the user confirmed."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import IO, Any

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils.translation import gettext as _

from shared_apps.accounts.access import StoreAccess
from shared_apps.platform.errors import PermissionDenied, ValidationFailed
from shared_apps.platform.spreadsheets import open_spreadsheet
from tenant_apps.imports.models import ImportJob
from tenant_apps.imports.registry import auto_mapping, get_importer
from tenant_apps.imports.services.running import import_start

STAGING_DIR = "staging"
PREVIEW_ROWS = 3


@dataclass(frozen=True)
class StagedImport:
    """An uploaded file waiting for its column mapping: ``key`` names it in the confirm step."""

    key: str
    kind: str
    original_name: str
    headers: list[str]
    samples: list[list[str]]  # the first rows' cells, in header order
    suggested: dict[str, str]  # {header: field} matched automatically
    total_rows: int


def _staging_path(*, key: str) -> str:
    return f"stores/{connection.schema_name}/imports/{STAGING_DIR}/{key}"


def _parse_staging_key(key: str, *, access: StoreAccess) -> str:
    """``<user id>-<kind>-<32 hex>.<csv|xlsx>``: only its uploader may confirm it."""
    match = re.fullmatch(r"(\d+)-([a-z_]{1,40})-([0-9a-f]{32})\.(csv|xlsx)", key or "")
    if match is None or int(match.group(1)) != access.user.pk:
        raise _staging_missing()
    return match.group(2)


def _staging_missing() -> ValidationFailed:
    return ValidationFailed(
        _("The uploaded file was not found; upload it again."), errors={"file": [_("Upload the file again.")]}
    )


def import_stage(*, kind: str, file: IO[bytes], access: StoreAccess) -> StagedImport:
    """Check an upload (size, readable, rows) and keep it for the mapping step; nothing else is stored."""
    importer_class = get_importer(kind)
    if not access.can(importer_class.permission) or access.read_only:
        raise PermissionDenied(_("You may not import these records."))
    name = str(getattr(file, "name", "") or "import").rsplit("/", 1)[-1][:200]
    with open_spreadsheet(file, name=name) as sheet:
        total = sheet.count_rows()
        samples = []
        for _number, row in sheet.rows():
            samples.append([row.get(h, "") for h in sheet.headers])
            if len(samples) >= PREVIEW_ROWS:
                break
        headers = sheet.headers
        suffix = sheet.format
    if total == 0:
        raise ValidationFailed(
            _("The file has a header but no rows to import."), code="invalid_file", errors={"file": [_("No rows.")]}
        )
    key = f"{access.user.pk}-{kind}-{uuid.uuid4().hex}.{suffix}"
    file.seek(0)
    default_storage.save(_staging_path(key=key), File(file, name=key))
    default_storage.save(_staging_path(key=key) + ".name", ContentFile(name.encode("utf-8")))
    return StagedImport(
        key=key,
        kind=kind,
        original_name=name,
        headers=headers,
        samples=samples,
        suggested=auto_mapping(headers, importer_class.columns),
        total_rows=total,
    )


def staged_import_get(*, key: str, access: StoreAccess) -> StagedImport:
    """The caller's staged upload ``key`` again (to show the mapping form once more after an error)."""
    kind = _parse_staging_key(key, access=access)
    importer_class = get_importer(kind)
    path = _staging_path(key=key)
    if not default_storage.exists(path):
        raise _staging_missing()
    with default_storage.open(path, "rb") as source, open_spreadsheet(source, name=key) as sheet:
        samples = []
        for _number, row in sheet.rows():
            samples.append([row.get(h, "") for h in sheet.headers])
            if len(samples) >= PREVIEW_ROWS:
                break
        headers = sheet.headers
        total = sheet.count_rows()
    return StagedImport(
        key=key,
        kind=kind,
        original_name=_staged_name(key),
        headers=headers,
        samples=samples,
        suggested=auto_mapping(headers, importer_class.columns),
        total_rows=total,
    )


def _staged_name(key: str) -> str:
    try:
        with default_storage.open(_staging_path(key=key) + ".name", "rb") as f:
            return f.read().decode("utf-8")[:200] or key
    except (OSError, UnicodeDecodeError):
        return key


def import_start_staged(
    *, key: str, mapping: dict[str, Any], access: StoreAccess, options: dict[str, Any] | None = None
) -> ImportJob:
    """Start the import of a staged upload with the mapping the user confirmed; the staged copy is removed."""
    kind = _parse_staging_key(key, access=access)
    path = _staging_path(key=key)
    if not default_storage.exists(path):
        raise _staging_missing()
    with default_storage.open(path, "rb") as source:
        upload = File(source, name=_staged_name(key))
        options = {**(options or {}), "mapping": mapping}
        job = import_start(kind=kind, file=upload, options=options, access=access)
    staging_discard(key=key, access=access)
    return job


def staging_discard(*, key: str, access: StoreAccess) -> None:
    _parse_staging_key(key, access=access)
    path = _staging_path(key=key)
    for name in (path, path + ".name"):
        if default_storage.exists(name):
            default_storage.delete(name)
