"""One renderer for every error: problem+json under /api, a friendly page elsewhere.

Nothing here ever shows ``str(exc)`` of an unexpected exception: a crash
answers 500 with the request id so support can find it in the log. A database
that fails under a request (unreachable, restarting, out of space, a connection
cut) answers 503 "try again", and the request's transaction has already been
rolled back by ``@transactional``, so trying again is safe.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from flask import (
    Flask,
    Response,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from allaboutme.crypto import CryptoError
from allaboutme.errors import AppError, RateLimited, ServiceUnavailable, ValidationFailed
from allaboutme.i18n import _, _l

log = logging.getLogger("allaboutme.errors")

PROBLEM_TYPE_BASE = "https://allaboutme.invalid/problems/"

_HTTP_TITLES = {
    400: _l("The request could not be understood."),
    401: _l("Please log in."),
    403: _l("You are not allowed to do that."),
    404: _l("We could not find that."),
    405: _l("That action is not possible here."),
    406: _l("That format is not available."),
    409: _l("Someone changed this at the same time. Please look again."),
    410: _l("This is no longer available."),
    413: _l("That is too big."),
    415: _l("That kind of file or content is not accepted."),
    422: _l("Some of what was sent needs changing."),
    428: _l("This change needs the version you last saw (If-Match)."),
    429: _l("Too many tries. Please wait a little and try again."),
    500: _l("Something went wrong on our side. It has been recorded."),
    503: _l("The service is busy. Please try again in a moment."),
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _translated_title(status: int) -> str:
    return str(_HTTP_TITLES.get(status, _HTTP_TITLES[500]))


def problem_response(
    status: int, code: str, title: str, detail: Any = None, **extra: Any
) -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": str(title),
        "status": status,
        "detail": str(detail) if detail is not None else str(title),
        "code": code,
        "request_id": g.get("request_id"),
    }
    body.update({key: value for key, value in extra.items() if value is not None})
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def page_response(status: int, title: str, detail: Any = None) -> Response:
    html = render_template(
        "errors/page.html",
        status=status,
        title=str(title),
        detail=detail,
        request_id=g.get("request_id"),
    )
    return Response(html, status=status, mimetype="text/html")


def render_error(status: int, code: str, title: Any, detail: Any = None, **extra: Any) -> Response:
    if wants_json():
        return problem_response(status, code, str(title), detail, **extra)
    return page_response(status, str(title), detail)


def _page_redirect(error: AppError) -> Response | None:
    """Pages send a logged-out or not-yet-enrolled person where they can go on."""
    endpoint = current_app.config.get("ALLABOUTME_PAGE_REDIRECTS", {}).get(error.code)
    if endpoint is None or wants_json():
        return None
    return redirect(url_for(endpoint))


def _handle_app_error(error: AppError) -> Response:
    redirected = _page_redirect(error)
    if redirected is not None:
        return redirected
    extra: dict[str, Any] = dict(error.extra)
    if isinstance(error, ValidationFailed):
        extra["errors"] = _stringify(error.errors)
    response = render_error(error.status, error.code, error.title, error.detail, **extra)
    if isinstance(error, RateLimited | ServiceUnavailable):
        response.headers["Retry-After"] = str(error.retry_after_seconds)
    return response


def _stringify(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _stringify(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_stringify(item) for item in value]
    return str(value)


def _webargs_messages(error: HTTPException) -> dict[str, Any] | None:
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if not isinstance(messages, dict):
        return None
    flat: dict[str, Any] = {}
    for location_messages in messages.values():
        if isinstance(location_messages, dict):
            flat.update(location_messages)
        else:
            flat["_schema"] = location_messages
    return _stringify(flat)


def _handle_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    code = (error.name or "error").lower().replace(" ", "_")
    messages = _webargs_messages(error)
    if status == 422 and messages is not None:
        return render_error(422, "validation_failed", _translated_title(422), errors=messages)
    if status == 400 and messages is not None:
        return render_error(400, "malformed_request", _("The request body is not valid JSON."))
    response = render_error(status, code, _translated_title(status))
    if status == 429:
        retry_after = (error.get_headers() and dict(error.get_headers()).get("Retry-After")) or "60"
        response.headers["Retry-After"] = str(retry_after)
    if status == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


DATABASE_RETRY_AFTER_SECONDS = 5


def _is_database_unavailable(error: BaseException) -> bool:
    """The database could not do its part, through no fault of the request or the code.

    Operational errors (server gone, restarting, disk full, lock timeouts,
    serialization failures), interface errors, a lost connection whatever the
    driver calls it, and a pool with no connection left to give.
    """
    if isinstance(error, OperationalError | InterfaceError | PoolTimeout):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def _database_facts(error: Exception) -> dict[str, Any]:
    """What a log may say about a database error: classes and codes, never SQL or values.

    ``str()`` of a SQLAlchemy error quotes the statement and its parameters
    (ciphertexts, identifiers), so it stays out of logs as well as answers.
    """
    driver_error = getattr(error, "orig", None)
    return {
        "error_class": type(error).__name__,
        "driver_error_class": type(driver_error).__name__ if driver_error else None,
        "sqlstate": getattr(driver_error, "sqlstate", None)
        or getattr(driver_error, "sqlite_errorname", None),
        "connection_invalidated": bool(getattr(error, "connection_invalidated", False)),
    }


def _handle_database_error(error: Exception) -> Response:
    if not _is_database_unavailable(error):
        # A bug, not an outage: where it happened (code lines only), to find it again.
        where = "".join(traceback.format_tb(error.__traceback__))
        log.error("database error", extra=_database_facts(error) | {"stack": where})
        return render_error(500, "internal_error", _translated_title(500))
    log.error("database unavailable", extra=_database_facts(error))
    response = _handle_app_error(ServiceUnavailable())
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response


def _handle_shared_store_unavailable(error: Exception) -> Response:
    """The shared store behind rate limits (Redis) is down: fail closed, but say "try again".

    Guessing limits must hold in every process, so requests that need them are
    refused rather than let through unlimited; a 503 tells clients it will pass.
    """
    log.error("shared store unavailable", extra={"error_class": type(error).__name__})
    response = _handle_app_error(ServiceUnavailable())
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response


def _handle_crypto_failure(error: CryptoError) -> Response:
    """A record that will not open is tampering or a lost key: alert, show nothing."""
    log.critical(
        "encrypted record failed to open",
        extra={"alert": "crypto_failure", "error_class": type(error).__name__},
    )
    return render_error(500, "internal_error", _translated_title(500))


def _handle_unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return _handle_http_exception(error)
    log.exception("unhandled error", extra={"error_class": type(error).__name__})
    return render_error(500, "internal_error", _translated_title(500))


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(AppError, _handle_app_error)
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(DBAPIError, _handle_database_error)
    app.register_error_handler(PoolTimeout, _handle_database_error)
    app.register_error_handler(RedisConnectionError, _handle_shared_store_unavailable)
    app.register_error_handler(RedisTimeoutError, _handle_shared_store_unavailable)
    app.register_error_handler(CryptoError, _handle_crypto_failure)
    app.register_error_handler(Exception, _handle_unexpected)
