"""Compile and check the translation catalogues without GNU gettext (polib, pure Python).

``manage.py translations --compile`` writes ``locale/<lang>/LC_MESSAGES/django.mo`` from each
``django.po``; ``manage.py translations --check`` exits non-zero when a catalogue has untranslated
or fuzzy entries, a translation whose placeholders differ from its source, or a ``.mo`` that does
not hold exactly the ``.po``'s translations. English is the source language (the msgids), so only
the other languages have catalogues.

New strings are collected with Django's ``makemessages`` (it needs GNU gettext's xgettext)::

    python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=node_modules --ignore=.run --ignore=.tools
"""

from __future__ import annotations

import re
from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

PYTHON_FORMAT = re.compile(r"%(?:\((?P<name>[^)]+)\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc%]")
BRACE_FORMAT = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)?(?:![rsa])?(?::[^{}]*)?\}(?!\})")


def catalogue_paths() -> list[Path]:
    paths: list[Path] = []
    for locale_dir in settings.LOCALE_PATHS:
        paths.extend(sorted(Path(locale_dir).glob("*/LC_MESSAGES/django.po")))
    return paths


def _key(entry) -> tuple[str, str, str]:
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


def _translations(entries) -> dict[tuple[str, str, str], tuple[str, ...]]:
    result = {}
    for entry in entries:
        if entry.msgid == "":
            continue
        if entry.msgid_plural:
            value = tuple(entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural, key=int))
        else:
            value = (entry.msgstr,)
        result[_key(entry)] = value
    return result


def _placeholders(text: str, flags: list[str]) -> list[str]:
    found: list[str] = []
    if "python-format" in flags:
        found += sorted(
            f"%({m.group('name')})" if m.group("name") else m.group(0) for m in PYTHON_FORMAT.finditer(text)
        )
    if "python-brace-format" in flags:
        found += sorted(f"{{{m.group(1) or ''}}}" for m in BRACE_FORMAT.finditer(text))
    return [p for p in found if p != "%%"]


def _placeholder_problems(entry) -> list[str]:
    flags = list(entry.flags)
    if not ({"python-format", "python-brace-format"} & set(flags)):
        return []
    if entry.msgid_plural:
        # A form may leave a placeholder out ("one item"), never bring an unknown one in.
        allowed = set(_placeholders(entry.msgid, flags)) | set(_placeholders(entry.msgid_plural, flags))
        return [
            f"plural form {index} has unknown placeholders {sorted(set(_placeholders(text, flags)) - allowed)}"
            for index, text in sorted(entry.msgstr_plural.items())
            if not set(_placeholders(text, flags)) <= allowed
        ]
    expected = _placeholders(entry.msgid, flags)
    got = _placeholders(entry.msgstr, flags)
    if expected != got:
        return [f"placeholders {got} differ from the source's {expected}"]
    return []


def check_catalogue(po_path: Path) -> list[str]:
    """Every problem of one catalogue and its compiled .mo, as readable lines."""
    problems: list[str] = []
    po = polib.pofile(str(po_path))
    for entry in po.untranslated_entries():
        problems.append(f"{po_path}:{entry.linenum}: untranslated: {entry.msgid!r}")
    for entry in po.fuzzy_entries():
        problems.append(f"{po_path}:{entry.linenum}: fuzzy: {entry.msgid!r}")
    for entry in po.translated_entries():
        for problem in _placeholder_problems(entry):
            problems.append(f"{po_path}:{entry.linenum}: {problem}: {entry.msgid!r}")
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        problems.append(f"{mo_path}: missing; run `manage.py translations --compile`")
        return problems
    mo = polib.mofile(str(mo_path))
    expected = _translations(po.translated_entries())
    compiled = _translations(mo)
    if expected != compiled:
        missing = len(expected.keys() - compiled.keys())
        extra = len(compiled.keys() - expected.keys())
        changed = sum(1 for k in expected.keys() & compiled.keys() if expected[k] != compiled[k])
        problems.append(
            f"{mo_path}: out of date with {po_path.name} ({missing} missing, {extra} extra, {changed} changed); "
            "run `manage.py translations --compile`"
        )
    elif po.metadata.get("Plural-Forms") != mo.metadata.get("Plural-Forms"):
        problems.append(f"{mo_path}: Plural-Forms differs from {po_path.name}; run `manage.py translations --compile`")
    return problems


def compile_catalogue(po_path: Path) -> Path:
    po = polib.pofile(str(po_path))
    mo_path = po_path.with_suffix(".mo")
    po.save_as_mofile(str(mo_path))
    return mo_path


class Command(BaseCommand):
    help = "Compile the .po catalogues to .mo (--compile) or check they are complete and compiled (--check)."

    def add_arguments(self, parser):
        parser.add_argument("--compile", action="store_true", help="write each django.mo from its django.po")
        parser.add_argument("--check", action="store_true", help="fail on untranslated, fuzzy or stale entries")

    def handle(self, *args, **options):
        if not options["compile"] and not options["check"]:
            raise CommandError("give --compile, --check or both")
        paths = catalogue_paths()
        if not paths:
            raise CommandError("no catalogue found under LOCALE_PATHS")
        if options["compile"]:
            for po_path in paths:
                mo_path = compile_catalogue(po_path)
                self.stdout.write(f"compiled {mo_path}")
        if options["check"]:
            problems = [problem for po_path in paths for problem in check_catalogue(po_path)]
            if problems:
                for problem in problems:
                    self.stderr.write(problem)
                raise CommandError(f"{len(problems)} translation problem(s)")
            total = sum(len(polib.pofile(str(p)).translated_entries()) for p in paths)
            self.stdout.write(f"translations complete: {len(paths)} catalogue(s), {total} entries")
