"""``manage.py translations``: compile with polib, check completeness and staleness."""

import io

import polib
import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

HEADER = (
    'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
)


@pytest.fixture
def locale_dir(tmp_path):
    def write(body: str):
        po_path = tmp_path / "zh_Hans" / "LC_MESSAGES" / "django.po"
        po_path.parent.mkdir(parents=True, exist_ok=True)
        po_path.write_text(HEADER + body, encoding="utf-8")
        return po_path

    with override_settings(LOCALE_PATHS=[str(tmp_path)]):
        yield write


def run(*args):
    call_command("translations", *args, stdout=io.StringIO(), stderr=io.StringIO())


def test_compile_writes_a_mo_that_check_accepts(locale_dir):
    po_path = locale_dir('msgid "Home"\nmsgstr "首页"\n')
    run("--compile")
    assert polib.mofile(str(po_path.with_suffix(".mo"))).find("Home").msgstr == "首页"
    run("--check")


def test_check_fails_on_an_untranslated_entry(locale_dir):
    locale_dir('msgid "Home"\nmsgstr ""\n')
    run("--compile")
    with pytest.raises(CommandError):
        run("--check")


def test_check_fails_on_a_fuzzy_entry(locale_dir):
    locale_dir('#, fuzzy\nmsgid "Home"\nmsgstr "首页"\n')
    run("--compile")
    with pytest.raises(CommandError):
        run("--check")


def test_check_fails_when_the_mo_is_missing(locale_dir):
    locale_dir('msgid "Home"\nmsgstr "首页"\n')
    with pytest.raises(CommandError):
        run("--check")


def test_check_fails_when_the_mo_is_older_than_the_po(locale_dir):
    po_path = locale_dir('msgid "Home"\nmsgstr "首页"\n')
    run("--compile")
    po_path.write_text(HEADER + 'msgid "Home"\nmsgstr "主页"\n', encoding="utf-8")
    with pytest.raises(CommandError):
        run("--check")


def test_check_fails_when_a_placeholder_is_lost(locale_dir):
    locale_dir('#, python-format\nmsgid "Welcome, %(name)s"\nmsgstr "欢迎"\n')
    run("--compile")
    with pytest.raises(CommandError):
        run("--check")


def test_plural_entry_with_one_chinese_form_is_accepted(locale_dir):
    locale_dir('#, python-format\nmsgid "%(n)s store"\nmsgid_plural "%(n)s stores"\nmsgstr[0] "%(n)s 个店铺"\n')
    run("--compile")
    run("--check")


def test_command_needs_an_action(locale_dir):
    locale_dir('msgid "Home"\nmsgstr "首页"\n')
    with pytest.raises(CommandError):
        run()
