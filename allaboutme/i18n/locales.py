"""The locales the service speaks, their own names and their writing direction.

Names are written in the language itself so a child can find theirs without
reading English.
"""

from __future__ import annotations

DEFAULT_LOCALE = "en"
# Where a language picked with ``?locale=`` is kept for the rest of the visit.
LOCALE_SESSION_KEY = "locale"

# code -> the language's own name (endonym)
LOCALES: dict[str, str] = {
    "en": "English",
    "cy": "Cymraeg",
    "ar": "العربية",
    "fa": "فارسی / دری",
    "ps": "پښتو",
    "ur": "اردو",
    "ti": "ትግርኛ",
    "ckb": "کوردیی ناوەندی",
    "so": "Soomaali",
    "sq": "Shqip",
    "vi": "Tiếng Việt",
    "pl": "Polski",
    "ro": "Română",
    "pt": "Português",
    "es": "Español",
    "fr": "Français",
}

RTL_LOCALES = frozenset({"ar", "fa", "ps", "ur", "ckb", "he"})


def normalise_locale(value: str | None) -> str | None:
    """Map ``pt-BR``/``pt_br`` style tags to a supported code, or None."""
    if not value:
        return None
    tag = value.strip().replace("-", "_")
    if tag in LOCALES:
        return tag
    base = tag.split("_", 1)[0].lower()
    return base if base in LOCALES else None


def is_rtl(locale: str) -> bool:
    return locale.split("_", 1)[0] in RTL_LOCALES


def language_name(locale: str) -> str:
    return LOCALES.get(locale, locale)
