"""Organisations, users, roles, sessions, MFA, child logins and invitations."""

from __future__ import annotations

from flask import Flask
from flask_login import LoginManager

from allaboutme import db
from allaboutme.accounts.models import User
from allaboutme.accounts.services import get_user
from allaboutme.accounts.session_store import DatabaseSessionStore
from allaboutme.web.sessions import ServerSessionInterface

login_manager = LoginManager()
login_manager.session_protection = None  # the session itself is server-side and rotated
login_manager.login_view = "accounts.login_page"


# Roles whose work is inside one local authority: the database scopes them to it.
AUTHORITY_ROLES = frozenset({"child", "social_worker", "la_admin"})


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    user = get_user(user_id)
    if user is None or not user.is_active:
        return None
    if user.role in AUTHORITY_ROLES:
        db.scope_to_tenant(user.org_id)
    return user


def init_app(app: Flask, *, secure_cookies: bool) -> None:
    """Install the server-side session store and the user loader into the edge."""
    cookie_name = "__Host-aam_session" if secure_cookies else "aam_session"
    app.session_interface = ServerSessionInterface(DatabaseSessionStore(), cookie_name)
    app.config["SESSION_COOKIE_SECURE"] = secure_cookies
    login_manager.init_app(app)
    app.config["ALLABOUTME_PAGE_REDIRECTS"] = {
        "not_authenticated": "accounts.login_page",
        "mfa_enrolment_required": "accounts.mfa_page",
    }
