"""No user-visible text in a template escapes translation.

Every template of the project is read and reduced to what a person would read: template comments,
``{% translate %}`` / ``{% blocktranslate %}`` and every other tag or variable, ``<script>`` and
``<style>`` bodies and HTML markup are taken out; what stays between tags, and the values of the
attributes people read (``placeholder``, ``title``, ``aria-label``, ``alt``), must then hold no word:
no run of two or more Latin letters and no Chinese character. A few words are the same in every
language (format names, the currency sign); they are allowed by name below. The catalogue must
also translate every msgid into Simplified Chinese (``test_translations.py`` checks it is complete;
here it is checked against the strings the templates use).
"""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)
SKIP_PARTS = {".venv", "node_modules", ".run", ".tools", "tests", "bench", ".git"}
# Words that read the same in both languages (names of formats and products, units of the API).
ALLOWED_WORDS = {
    "CSV",
    "Excel",
    "XLSX",
    "PDF",
    "API",
    "ID",
    "SKU",
    "HQ",
    "OK",
    "Store CRM",
    "RFM",
    "AUC",
    "Swagger UI",
    "HTTP",
}
VISIBLE_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
# Pieces that are examples of data rather than text: host names, and key or code shapes.
NON_TEXT = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,}$|^\S*_\S*$|^https?://\S+$")

COMMENT = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.S)
BLOCK_TRANSLATE = re.compile(r"{%\s*blocktrans(?:late)?\b.*?%}.*?{%\s*endblocktrans(?:late)?\s*%}", re.S)
TAG_OR_VARIABLE = re.compile(r"{%.*?%}|{{.*?}}", re.S)
SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
ATTRIBUTE = re.compile(r"\s(" + "|".join(VISIBLE_ATTRIBUTES) + r')\s*=\s*"([^"]*)"', re.I)
MARKUP = re.compile(r"<[^>]*>", re.S)
WORD = re.compile(r"[A-Za-z]{2,}|[\u4e00-\u9fff]")


def templates() -> list[Path]:
    found = []
    for path in BASE.rglob("*.html"):
        relative = path.relative_to(BASE)
        if SKIP_PARTS & set(relative.parts) or "templates" not in relative.parts:
            continue
        found.append(path)
    return sorted(found)


def _without_allowed(text: str) -> str:
    for word in sorted(ALLOWED_WORDS, key=len, reverse=True):
        text = re.sub(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", " ", text)
    return text


def untranslated_text(source: str) -> list[str]:
    """The pieces of ``source`` a person would read that are not wrapped in a translation tag."""
    text = COMMENT.sub(" ", source)
    text = BLOCK_TRANSLATE.sub(" ", text)
    text = SCRIPT_OR_STYLE.sub(" ", text)
    text = HTML_COMMENT.sub(" ", text)
    text = TAG_OR_VARIABLE.sub(" ", text)
    found = []
    pieces = [value for _name, value in ATTRIBUTE.findall(text)] + MARKUP.split(text)
    for piece in pieces:
        piece = " ".join(piece.split())
        if piece and WORD.search(_without_allowed(piece)) and not all(NON_TEXT.match(w) for w in piece.split()):
            found.append(piece)
    return found


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<p>{% translate 'Hello' %}</p>", []),
        ("<p>Hello</p>", ["Hello"]),
        ("<p>你好</p>", ["你好"]),
        ('<input placeholder="Name">', ["Name"]),
        ("<input placeholder=\"{% translate 'Name' %}\">", []),
        ("{% blocktranslate %}Hi {{ name }}{% endblocktranslate %}", []),
        ("{# note #}<b>{{ value }}</b> · — <i>CSV</i>", []),
        ("<script>let a = 'text';</script>", []),
        ('<input placeholder="shop.example.com"> <code>crmk_</code>', []),
        ("<p>Sign in at shop.example.com</p>", ["Sign in at shop.example.com"]),
    ],
)
def test_the_heuristic(source, expected):
    assert untranslated_text(source) == expected


def test_every_template_text_is_translatable():
    problems = {}
    for path in templates():
        found = untranslated_text(path.read_text(encoding="utf-8"))
        if found:
            problems[str(path.relative_to(BASE))] = found
    assert problems == {}


def test_every_template_string_has_a_chinese_translation():
    catalogue = polib.pofile(str(BASE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    translated = {entry.msgid for entry in catalogue if entry.msgstr or any(entry.msgstr_plural.values())}
    single = re.compile(r"""{%\s*(?:translate|trans)\s+(["'])(.+?)\1""")
    missing = set()
    for path in templates():
        for _quote, msgid in single.findall(path.read_text(encoding="utf-8")):
            if msgid not in translated:
                missing.add(msgid)
    assert sorted(missing) == []
