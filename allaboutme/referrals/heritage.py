"""The child's heritage answers, in the shape matching compares with providers.

Pure. Children write their languages, faith and culture in their own words
("Arabic", "العربية", "I'm Muslim", "Eritrean and Tigrinya"); providers list
language codes and short tags. Language names (in English or in the language
itself) become codes; faith and culture become the known words found in the text.
Only answers the child shared with their social worker ever reach this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale, UnknownLocaleError

# Words a child may use for a faith, mapped to the tag providers use.
FAITH_WORDS = {
    "muslim": "muslim",
    "islam": "muslim",
    "islamic": "muslim",
    "christian": "christian",
    "christianity": "christian",
    "catholic": "christian",
    "orthodox": "christian",
    "church": "christian",
    "hindu": "hindu",
    "sikh": "sikh",
    "jewish": "jewish",
    "judaism": "jewish",
    "buddhist": "buddhist",
    "buddhism": "buddhist",
}
# Dari is written as Farsi in Afghanistan: both are read by a Farsi speaker.
EXTRA_LANGUAGE_NAMES = {"dari": "fa", "farsi": "fa", "kurdish": "ckb", "sorani": "ckb"}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_ENDONYM_CODES = ("ar", "fa", "ps", "ur", "ti", "ckb", "so", "sq", "vi", "pl", "ro", "pt", "es")


@dataclass(frozen=True)
class Heritage:
    languages: frozenset[str]
    faith: str | None
    cultures: frozenset[str]


@lru_cache(maxsize=1)
def _language_codes() -> Mapping[str, str]:
    """Language names in English and in the language itself, to their codes."""
    names = {name.casefold(): code for code, name in Locale("en").languages.items()}
    for code in _ENDONYM_CODES:
        try:
            names[Locale.parse(code).get_display_name(code).casefold()] = code
        except (UnknownLocaleError, ValueError):
            continue
    names.update(EXTRA_LANGUAGE_NAMES)
    return names


def language_code(name: str) -> str:
    """The code for a language name, or the name itself (cleaned) if it is unknown."""
    cleaned = " ".join(name.split()).casefold()
    return _language_codes().get(cleaned, cleaned)


def _words(text: str) -> list[str]:
    return [word.casefold() for word in _WORD.findall(text)]


def faith_tag(text: str) -> str | None:
    """The first faith word in the child's text, as a provider tag."""
    for word in _words(text):
        if word in FAITH_WORDS:
            return FAITH_WORDS[word]
    return None


def culture_words(text: str) -> frozenset[str]:
    """Every word of the child's culture answer; providers' tags are single words."""
    return frozenset(word for word in _words(text) if len(word) > 2)


def heritage_from_answers(answers: Mapping[str, object]) -> Heritage:
    """From the heritage section's answers (``languages``, ``beliefs``, ``culture``)."""
    languages = answers.get("languages") or []
    listed = languages if isinstance(languages, Iterable) and not isinstance(languages, str) else []
    faith = None
    if answers.get("faith") in (None, "yes"):
        faith = faith_tag(str(answers.get("beliefs") or ""))
    return Heritage(
        languages=frozenset(language_code(str(name)) for name in listed if str(name).strip()),
        faith=faith,
        cultures=culture_words(str(answers.get("culture") or "")),
    )
