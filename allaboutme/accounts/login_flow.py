"""What logging in and out means for the browser: session, cookies, MFA state.

Shared by the JSON API and the HTML pages so both behave the same.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Response, after_this_request, current_app, request, session
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from allaboutme.accounts.authentication import LoginOutcome, authenticate, record_logout
from allaboutme.accounts.models import User
from allaboutme.accounts.session_store import IDLE_KEY, idle_timeout_for
from allaboutme.db import utcnow
from allaboutme.i18n import LOCALE_SESSION_KEY

DEVICE_COOKIE = "aam_device"
DEVICE_COOKIE_LIFETIME = timedelta(days=365)


def device_token() -> str | None:
    return request.cookies.get(DEVICE_COOKIE)


def mfa_required() -> bool:
    return bool(current_app.config["ALLABOUTME_SETTINGS"].mfa_enabled)


def log_in(username: str, secret: str, otp: str | None) -> User:
    """Check the login (bounded guessing, MFA) and start the browser's session."""
    outcome = authenticate(
        username,
        secret,
        otp=otp,
        device_token=device_token(),
        mfa_required=mfa_required(),
        now=utcnow(),
    )
    start_session(outcome)
    return outcome.user


def start_session(outcome: LoginOutcome) -> None:
    """Log the user in on a fresh session id and remember this browser.

    The language picked before logging in stays picked: a child who chose Arabic
    on the login page should not land on an English home screen.
    """
    chosen_locale = session.get(LOCALE_SESSION_KEY)
    session.clear()
    session.rotate()  # type: ignore[attr-defined]
    if chosen_locale:
        session[LOCALE_SESSION_KEY] = chosen_locale
    login_user(outcome.user)
    session["mfa"] = "enrol_required" if outcome.mfa == "enrol_required" else "ok"
    session[IDLE_KEY] = int(idle_timeout_for(outcome.user.role).total_seconds())
    if outcome.device_token:
        _remember_device(outcome.device_token)


def _remember_device(token: str) -> None:
    secure = current_app.config["SESSION_COOKIE_SECURE"]

    @after_this_request
    def set_cookie(response: Response) -> Response:
        response.set_cookie(
            DEVICE_COOKIE,
            token,
            max_age=int(DEVICE_COOKIE_LIFETIME.total_seconds()),
            httponly=True,
            samesite="Lax",
            secure=secure,
            path="/",
        )
        return response


def mark_mfa_complete() -> None:
    session["mfa"] = "ok"
    session.rotate()  # type: ignore[attr-defined]


def end_session() -> None:
    """Log out: the server forgets the session; the browser is told to clear its data."""
    record_logout(current_user, now=utcnow())
    logout_user()
    session.destroy()  # type: ignore[attr-defined]

    @after_this_request
    def clear_site_data(response: Response) -> Response:
        response.headers["Clear-Site-Data"] = '"cache", "storage"'
        return response


def session_payload(user: User) -> dict[str, Any]:
    return {
        "user": {
            "id": user.id,
            "role": user.role,
            "org_id": user.org_id,
            "display_name": user.display_name,
            "locale": user.locale,
        },
        "csrf_token": generate_csrf(),
        "mfa": session.get("mfa", "ok"),
    }
