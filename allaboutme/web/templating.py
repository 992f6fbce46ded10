"""What every template may use: the CSP nonce, locale and direction, banners."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf

from allaboutme.i18n import LOCALES, _l, format_date, format_datetime, format_moment, is_rtl
from allaboutme.web.security import csp_nonce

ROLE_NAMES = {
    "child": _l("child"),
    "social_worker": _l("social worker"),
    "provider": _l("provider staff"),
    "la_admin": _l("local authority administrator"),
    "framework_admin": _l("framework administrator"),
}


def role_name(role: str) -> str:
    return str(ROLE_NAMES.get(role, role))


def _template_globals() -> dict[str, Any]:
    locale = str(get_locale() or "en")
    return {
        "csp_nonce": csp_nonce,
        "format_date": format_date,
        "role_name": role_name,
        "format_datetime": format_datetime,
        "format_moment": format_moment,
        "csrf_token": generate_csrf,
        "page_locale": locale,
        "page_dir": "rtl" if is_rtl(locale) else "ltr",
        "available_locales": LOCALES,
        "is_mfa_off": not current_app.config["ALLABOUTME_SETTINGS"].mfa_enabled,
    }


def init_app(app: Flask) -> None:
    app.context_processor(_template_globals)
