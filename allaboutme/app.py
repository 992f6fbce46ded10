"""The application factory: settings, extensions, blueprints, error handlers, CLI.

Nothing here touches the database or the network at import time, and
``create_app`` never migrates: ``flask --app allaboutme db upgrade`` does.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, has_request_context, request, session
from flask_babel import Babel
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from allaboutme import accounts, cli, db, encryption
from allaboutme.accounts import api as accounts_api
from allaboutme.accounts import views as accounts_views
from allaboutme.audit import views as audit_views
from allaboutme.children import api as children_api
from allaboutme.children import views as children_views
from allaboutme.config import PROJECT_ROOT, Settings, load_settings
from allaboutme.consent import api as consent_api
from allaboutme.consent import views as consent_views
from allaboutme.i18n import DEFAULT_LOCALE, LOCALE_SESSION_KEY, LOCALES, normalise_locale
from allaboutme.media import api as media_api
from allaboutme.media import pool as image_pool
from allaboutme.profiles import api as profiles_api
from allaboutme.profiles import preview
from allaboutme.profiles import views as profiles_views
from allaboutme.providers import api as providers_api
from allaboutme.providers import views as providers_views
from allaboutme.pwa import views as pwa_views
from allaboutme.referrals import api as referrals_api
from allaboutme.referrals import views as referrals_views
from allaboutme.rights import api as rights_api
from allaboutme.web import api as web_api
from allaboutme.web import health, limits, logs, problems, security, templating

API_BLUEPRINTS = (
    accounts_api.blp,
    children_api.blp,
    consent_api.blp,
    profiles_api.blp,
    media_api.blp,
    providers_api.blp,
    rights_api.blp,
    referrals_api.blp,
)
PAGE_BLUEPRINTS = (
    accounts_views.bp,
    children_views.bp,
    profiles_views.bp,
    consent_views.bp,
    audit_views.bp,
    preview.bp,
    pwa_views.bp,
    referrals_views.bp,
    providers_views.bp,
    health.bp,
)

SHELL_VERSION = "2"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; ``config`` overrides settings (tests pass a ``Settings``)."""
    overrides = dict(config or {})
    settings: Settings = overrides.pop("ALLABOUTME_SETTINGS", None) or load_settings()
    app = Flask(
        "allaboutme",
        instance_path=str(settings.instance_path),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        ALLABOUTME_SETTINGS=settings,
        SHELL_VERSION=SHELL_VERSION,
        MAX_CONTENT_LENGTH=12 * 1024 * 1024,
        BABEL_TRANSLATION_DIRECTORIES=str(PROJECT_ROOT / "translations"),
        BABEL_DEFAULT_LOCALE=DEFAULT_LOCALE,
        BABEL_DEFAULT_TIMEZONE="Europe/London",
        JSON_SORT_KEYS=False,
    )
    app.config.update(overrides)
    _trust_reverse_proxies(app, settings.trusted_proxies)
    _init_extensions(app, settings)
    _register_blueprints(app)
    app.before_request(remember_chosen_locale)
    problems.register_error_handlers(app)
    cli.register(app)
    return app


def _trust_reverse_proxies(app: Flask, hops: int) -> None:
    """Take the client's address and scheme from the proxies in front, if any.

    Behind a reverse proxy every request arrives from the proxy's address, so
    per-address rate limits would count all clients as one. Only the last
    ``hops`` entries of X-Forwarded-For are believed; with none configured the
    headers are ignored, so a client talking to gunicorn directly cannot forge them.
    """
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def _init_extensions(app: Flask, settings: Settings) -> None:
    db.init_app(app, settings.database_url)
    encryption.init_app(app, settings)
    image_pool.init_app(app, settings.image_work)
    Babel(app, locale_selector=select_locale)
    logs.init_app(app)
    accounts.init_app(app, secure_cookies=settings.secure_cookies)
    security.init_app(app, hsts=settings.secure_cookies)
    limits.init_app(
        app, storage_url=settings.ratelimit_storage_url, enabled=settings.ratelimits_enabled
    )
    templating.init_app(app)


def _register_blueprints(app: Flask) -> None:
    api = web_api.init_app(app)
    for blueprint in API_BLUEPRINTS:
        api.register_blueprint(blueprint)
    for page_blueprint in PAGE_BLUEPRINTS:
        app.register_blueprint(page_blueprint)


def remember_chosen_locale() -> None:
    """A language picked with ``?locale=`` stays picked for the rest of the session."""
    asked = normalise_locale(request.args.get("locale"))
    if asked and session.get(LOCALE_SESSION_KEY) != asked:
        session[LOCALE_SESSION_KEY] = asked


def select_locale() -> str:
    """``?locale=``, else the user's saved locale, else the browser's languages."""
    if not has_request_context():
        return DEFAULT_LOCALE
    asked = normalise_locale(request.args.get("locale"))
    if asked:
        return asked
    remembered = normalise_locale(session.get(LOCALE_SESSION_KEY))
    if remembered:
        return remembered
    if current_user and current_user.is_authenticated:
        saved = normalise_locale(current_user.locale)
        if saved:
            return saved
    return request.accept_languages.best_match(list(LOCALES)) or DEFAULT_LOCALE
