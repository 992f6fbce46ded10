"""Translations stay in step with the code: no drift from messages.pot, no gaps."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from allaboutme.i18n import LOCALES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = sorted(code for code in LOCALES if code != "en")


def _extracted_ids() -> set[str]:
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    method_map = [("allaboutme/**.py", "python"), ("templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _catalogue(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def test_messages_pot_matches_the_code():
    template_ids = {
        message.id for message in _catalogue(ROOT / "translations/messages.pot") if message.id
    }
    template_ids = {m if isinstance(m, str) else m[0] for m in template_ids}
    extracted = _extracted_ids()
    missing, stale = sorted(extracted - template_ids), sorted(template_ids - extracted)
    assert (missing, stale) == ([], []), "run `make i18n-update` and translate the new strings"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_string_is_translated(locale):
    catalogue = _catalogue(ROOT / f"translations/{locale}/LC_MESSAGES/messages.po")
    untranslated = [
        message.id
        for message in catalogue
        if message.id
        and (not message.string or (isinstance(message.string, tuple) and not all(message.string)))
    ]
    assert untranslated == []
    header = (ROOT / f"translations/{locale}/LC_MESSAGES/messages.po").read_text(encoding="utf-8")
    assert "needs review by a native speaker" in header


@pytest.mark.parametrize("locale", TRANSLATED)
def test_placeholders_survive_translation(locale):
    catalogue = _catalogue(ROOT / f"translations/{locale}/LC_MESSAGES/messages.po")
    problems = [(message.id, error) for message in catalogue for error in message.check(catalogue)]
    assert problems == []
