"""The sections of a child's profile, by key, with the short names a child reads.

Kept below ``consent`` and ``profiles`` so consent can name and check sections
without knowing anything of the profile's questions (the catalogue's own keys
are tested to be exactly these).
"""

from __future__ import annotations

from allaboutme.i18n import _l

SECTION_NAMES = {
    "about_me": _l("About me"),
    "people": _l("My people"),
    "heritage": _l("My heritage and culture"),
    "likes": _l("Things I like"),
    "worries": _l("Worries and feeling safe"),
    "support": _l("What helps me"),
    "school": _l("School and learning"),
    "aspirations": _l("Hopes and dreams"),
    "new_home": _l("My new home"),
}
SECTION_KEYS: tuple[str, ...] = tuple(SECTION_NAMES)


def section_name(key: str) -> str:
    return str(SECTION_NAMES[key])
