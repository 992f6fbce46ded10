"""Structured logs with a request id and no personal content.

Log lines carry identifiers, paths, statuses and timings, never request bodies,
query strings or headers, so nothing a child wrote and no secret can reach a log.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from typing import Any

from flask import Flask, Response, g, request

access_log = logging.getLogger("allaboutme.access")

_RESERVED = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line; extras passed with ``extra=`` become fields."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "at": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = current_request_id()
        if request_id:
            payload["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                payload[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            payload["exception"] = record.exc_info[0].__name__
            payload["traceback"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str, ensure_ascii=False)


def current_request_id() -> str | None:
    """The id of the request being served, or None outside a request."""
    try:
        return g.get("request_id")
    except RuntimeError:
        return None


def configure_logging(level: int = logging.INFO) -> None:
    """Send the service's logs to stderr as JSON (idempotent)."""
    logger = logging.getLogger("allaboutme")
    if any(getattr(handler, "_allaboutme", False) for handler in logger.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    handler._allaboutme = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = True


def _start_request() -> None:
    supplied = request.headers.get("X-Request-Id", "")
    is_safe = 8 <= len(supplied) <= 64 and supplied.replace("-", "").isalnum()
    g.request_id = supplied if is_safe else secrets.token_hex(8)
    g.request_started = time.perf_counter()


def _finish_request(response: Response) -> Response:
    response.headers["X-Request-Id"] = g.get("request_id", "")
    elapsed_ms = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
    access_log.info(
        "request",
        extra={
            "method": request.method,
            "route": request.url_rule.rule if request.url_rule else None,
            "status": response.status_code,
            "duration_ms": round(elapsed_ms, 2),
        },
    )
    return response


def init_app(app: Flask) -> None:
    configure_logging()
    app.before_request(_start_request)
    app.after_request(_finish_request)
