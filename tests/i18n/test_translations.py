"""Simplified Chinese is complete and compiled; the pages follow the language switch.

English is the source language (the msgids), so it is complete by construction.
"""

import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings

from shared_apps.platform.management.commands.translations import _translations

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MAKEMESSAGES_IGNORE = [".venv", "node_modules", ".run", ".tools", "tests", "bench"]


@pytest.fixture(scope="module")
def catalogue():
    return polib.pofile(str(CATALOGUE))


def test_every_entry_is_translated(catalogue):
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    assert untranslated == []


def test_no_entry_is_fuzzy(catalogue):
    assert [entry.msgid for entry in catalogue.fuzzy_entries()] == []


def test_catalogue_is_not_empty(catalogue):
    assert len(catalogue.translated_entries()) > 100


def test_compiled_catalogue_matches_the_source(catalogue):
    compiled = polib.mofile(str(CATALOGUE.with_suffix(".mo")))
    assert _translations(compiled) == _translations(catalogue.translated_entries())


@pytest.mark.django_db
def test_login_page_is_chinese_by_default():
    html = Client(HTTP_HOST=settings.BASE_DOMAIN).get("/login/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "总部控制台" in html
    assert "登录" in html


@pytest.mark.django_db
def test_login_page_is_english_after_switching_language():
    client = Client(HTTP_HOST=settings.BASE_DOMAIN)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    html = client.get("/login/").content.decode()
    assert '<html lang="en">' in html
    assert "HQ console" in html
    assert "总部控制台" not in html


@pytest.mark.django_db
def test_switching_back_to_chinese(store_a):
    client = Client(HTTP_HOST=f"{store_a.subdomain}.{settings.BASE_DOMAIN}")
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/login/"})
    assert '<html lang="zh-hans">' in client.get("/login/").content.decode()


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) is not installed")
def test_makemessages_finds_no_new_strings(tmp_path, monkeypatch, catalogue):
    """makemessages, run over the sources into a copy of the catalogue, adds nothing untranslated.

    The sources are linked into a scratch folder so that makemessages writes to the copy, never
    to the project's own locale/ folder.
    """
    base = Path(settings.BASE_DIR)
    sources = tmp_path / "src"
    sources.mkdir()
    for child in base.iterdir():
        if child.name in MAKEMESSAGES_IGNORE or child.name in {"locale", ".git"}:
            continue
        (sources / child.name).symlink_to(child)
    copy = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    copy.parent.mkdir(parents=True)
    shutil.copy(CATALOGUE, copy)
    monkeypatch.chdir(sources)
    with override_settings(LOCALE_PATHS=[str(tmp_path / "locale")]):
        call_command(
            "makemessages", locale=["zh_Hans"], ignore_patterns=MAKEMESSAGES_IGNORE, symlinks=True, verbosity=0
        )
    assert polib.pofile(str(CATALOGUE)).percent_translated() == catalogue.percent_translated()
    merged = polib.pofile(str(copy))
    known = {(e.msgctxt, e.msgid) for e in catalogue if not e.obsolete}
    new = sorted(e.msgid for e in merged if not e.obsolete and (e.msgctxt, e.msgid) not in known)
    assert new == [], "run makemessages and translate: " + ", ".join(map(repr, new))
    assert [e.msgid for e in merged.untranslated_entries() + merged.fuzzy_entries()] == []
