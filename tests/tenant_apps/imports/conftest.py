"""Fixtures of the imports tests: uploads kept in a temporary media folder, a small importer of
tags (through the customers' tag service) whose rows can be told to fail after writing."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shared_apps.platform.errors import ValidationFailed
from tenant_apps.imports.registry import Column, Importer, RowResult, register_importer, unregister_importer


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    return tmp_path


class TagImporter(Importer):
    """One tag per row; a row whose ``fail`` column is set writes its tag, then fails."""

    kind = "test_tags"
    label = "Tags"
    permission = "tags.manage"
    columns = (
        Column("name", "Name", required=True, aliases=("标签名",)),
        Column("fail", "Fail"),
    )

    def process_row(self, values):
        from tenant_apps.customers.services import tag_create

        tag = tag_create(name=values["name"], access=self.access)
        if values.get("fail"):
            raise ValidationFailed("refused", errors={"fail": ["told to fail"]})
        return RowResult(outcome="created", object_id=tag.pk)


@pytest.fixture
def tag_importer():
    register_importer(TagImporter.kind, TagImporter)
    yield TagImporter
    unregister_importer(TagImporter.kind)


def csv_upload(text: str, name: str = "upload.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def csv_stream(text: str) -> io.BytesIO:
    stream = io.BytesIO(text.encode("utf-8"))
    stream.name = "upload.csv"
    return stream
