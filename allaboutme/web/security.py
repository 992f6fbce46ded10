"""Browser protections: CSP with a per-request nonce, security headers, CSRF.

CSRF applies to every unsafe request that rides on a session cookie (the
token comes from the session endpoints or the page's form); requests without a
cookie cannot ride on anyone's session. Cross-site unsafe requests are refused
outright using the browser's ``Sec-Fetch-Site`` header.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, g, request, session
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import BadRequest

from allaboutme.errors import Forbidden
from allaboutme.i18n import _
from allaboutme.web.problems import render_error

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_HEADER = "X-CSRF-Token"
SESSION_USER_KEY = "_user_id"  # where Flask-Login keeps the logged-in user

csrf = CSRFProtect()


def csp_nonce() -> str:
    nonce = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(16)
    return nonce


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            "font-src 'self'",
            "connect-src 'self'",
            "manifest-src 'self'",
            "worker-src 'self'",
            "form-action 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ]
    )


def _reject_cross_site() -> None:
    if request.method in UNSAFE_METHODS and request.headers.get("Sec-Fetch-Site") == "cross-site":
        raise Forbidden(code="cross_site_request")


def _check_csrf(app: Flask) -> None:
    """Pages always carry the form token; the API needs the header once logged in.

    An API call on an anonymous session (logging in, redeeming an invitation)
    has no session to ride on; SameSite cookies and the Sec-Fetch-Site check
    stop cross-site logins.
    """
    if request.method not in UNSAFE_METHODS or request.endpoint not in app.view_functions:
        return
    if not request.cookies.get(app.session_interface.get_cookie_name(app)):
        return
    if request.path.startswith("/api/") and SESSION_USER_KEY not in session:
        return
    if None in request.form:
        # A multipart part whose name could not be read (a line break inside it):
        # the body is malformed, and flask-wtf's token lookup would crash on it.
        raise BadRequest()
    csrf.protect()


def _add_headers(response: Response, *, hsts: bool) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce()))
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "geolocation=(), microphone=(), payment=(), usb=()"
    if hsts:
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    if "Cache-Control" not in headers and not request.path.startswith("/static/"):
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask, *, hsts: bool) -> None:
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_HEADERS", [CSRF_HEADER])
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.config.setdefault("WTF_CSRF_SSL_STRICT", False)
    csrf.init_app(app)
    app.before_request(_reject_cross_site)
    app.before_request(lambda: _check_csrf(app))
    app.after_request(lambda response: _add_headers(response, hsts=hsts))
    app.register_error_handler(CSRFError, _csrf_failed)


def _csrf_failed(error: CSRFError) -> Response:
    return render_error(
        403, "csrf_failed", _("This page has expired. Please go back, reload and try again.")
    )
