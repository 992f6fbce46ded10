"""Translation helpers, locale choice and text direction.

Every string a person reads goes through ``_`` (now) or ``_l`` (lazy, for
module-level labels), re-exported here so features never import flask_babel
directly and the extraction keywords stay the same everywhere.
"""

from __future__ import annotations

from datetime import date, datetime

from babel import Locale
from babel.dates import format_skeleton, format_time
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    lazy_gettext,
    ngettext,
    to_user_timezone,
)
from flask_babel import gettext as _

from allaboutme.i18n.locales import (
    DEFAULT_LOCALE,
    LOCALE_SESSION_KEY,
    LOCALES,
    RTL_LOCALES,
    is_rtl,
    language_name,
    normalise_locale,
)

_l = lazy_gettext


def _formatting_locale() -> Locale:
    """The reader's locale for dates; plain English reads the British way here."""
    locale = get_locale() or Locale("en")
    return Locale("en", "GB") if str(locale) == "en" else locale


def format_day(value: date | datetime) -> str:
    """A day and month the reader's way ("25 November", "25 de noviembre", "25 نوفمبر")."""
    if isinstance(value, datetime):
        value = to_user_timezone(value)
    return format_skeleton("MMMMd", value, locale=_formatting_locale())


def format_moment(value: datetime) -> str:
    """A day, month and time the reader's way, in the reader's time zone."""
    locale = _formatting_locale()
    local = to_user_timezone(value)
    day = format_skeleton("MMMMd", local, locale=locale)
    time = format_time(local, "short", locale=locale)
    return str(locale.datetime_formats["medium"]).replace("{1}", day).replace("{0}", time)


__all__ = [
    "DEFAULT_LOCALE",
    "LOCALE_SESSION_KEY",
    "LOCALES",
    "RTL_LOCALES",
    "_",
    "_l",
    "format_date",
    "format_datetime",
    "format_day",
    "format_decimal",
    "format_moment",
    "is_rtl",
    "language_name",
    "ngettext",
    "normalise_locale",
]
