"""Translation helpers, locale choice and text direction.

Every string a person reads goes through ``_`` (now) or ``_l`` (lazy, for
module-level labels), re-exported here so features never import flask_babel
directly and the extraction keywords stay the same everywhere.
"""

from __future__ import annotations

from flask_babel import format_date, format_datetime, format_decimal, lazy_gettext, ngettext
from flask_babel import gettext as _

from allaboutme.i18n.locales import (
    DEFAULT_LOCALE,
    LOCALES,
    RTL_LOCALES,
    is_rtl,
    language_name,
    normalise_locale,
)

_l = lazy_gettext

__all__ = [
    "DEFAULT_LOCALE",
    "LOCALES",
    "RTL_LOCALES",
    "_",
    "_l",
    "format_date",
    "format_datetime",
    "format_decimal",
    "is_rtl",
    "language_name",
    "ngettext",
    "normalise_locale",
]
