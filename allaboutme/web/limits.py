"""Per-address rate limits (Flask-Limiter), shared between processes via Redis.

The memory store is per process: any deployment with more than one worker must
set ``ALLABOUTME_RATELIMIT_STORAGE_URL=redis://...``. Per-account guessing
limits live in the database (``accounts.authentication``), not here.
"""

from __future__ import annotations

import logging

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

log = logging.getLogger("allaboutme.limits")

limiter = Limiter(key_func=get_remote_address)

LOGIN_LIMIT = "20 per minute;200 per hour"


def login_limit() -> str:
    return LOGIN_LIMIT


def init_app(app: Flask, *, storage_url: str, enabled: bool) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = storage_url
    app.config["RATELIMIT_ENABLED"] = enabled
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    app.config.setdefault("RATELIMIT_STRATEGY", "fixed-window")
    if not enabled:
        log.warning("rate limits are switched off (ALLABOUTME_RATELIMITS=off)")
    limiter.init_app(app)
