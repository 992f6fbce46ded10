"""Per-address rate limits (Flask-Limiter), shared between processes via Redis.

The memory store is per process: any deployment with more than one worker must
set ``ALLABOUTME_RATELIMIT_STORAGE_URL=redis://...``. Per-account guessing
limits live in the database (``accounts.authentication``), not here.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

log = logging.getLogger("allaboutme.limits")

LOGIN_LIMIT = "20 per minute;200 per hour"
# Flask config keys an app may set (tests and embedders; the defaults suit production).
LOGIN_LIMIT_KEY = "ALLABOUTME_LOGIN_LIMIT"
KEY_PREFIX_KEY = "ALLABOUTME_RATELIMIT_KEY_PREFIX"


def client_key() -> str:
    """The client's address, under this app's key prefix when it has one.

    Flask-Limiter keeps one extension object per process and keeps the first key
    prefix it is ever given, so the prefix is read from the app of each request:
    apps sharing one Redis (two deployments, or two tests) never count each
    other's requests.
    """
    prefix = current_app.config.get(KEY_PREFIX_KEY, "")
    address = get_remote_address()
    return f"{prefix}/{address}" if prefix else address


limiter = Limiter(key_func=client_key)


def login_limit() -> str:
    return current_app.config.get(LOGIN_LIMIT_KEY) or LOGIN_LIMIT


def init_app(app: Flask, *, storage_url: str, enabled: bool) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = storage_url
    app.config["RATELIMIT_ENABLED"] = enabled
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    app.config.setdefault("RATELIMIT_STRATEGY", "fixed-window")
    if not enabled:
        log.warning("rate limits are switched off (ALLABOUTME_RATELIMITS=off)")
    limiter.init_app(app)
