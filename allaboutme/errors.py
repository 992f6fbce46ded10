"""The errors services raise, each with a stable code, an HTTP status and a title.

Services never build HTTP responses; they raise one of these and the edge
(``allaboutme.web.problems``) renders it as problem+json or a friendly page.
Titles are lazy translations so they render in the reader's language.
"""

from __future__ import annotations

from typing import Any

from allaboutme.i18n import _l


class AppError(Exception):
    """Base of every expected failure; safe to show to the caller."""

    status: int = 400
    code: str = "bad_request"
    title: Any = _l("The request could not be understood.")

    def __init__(self, detail: Any = None, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(code or self.code)
        self.detail = detail
        if code:
            self.code = code
        self.extra = extra


class NotAuthenticated(AppError):
    status = 401
    code = "not_authenticated"
    title = _l("Please log in.")


class InvalidCredentials(AppError):
    status = 401
    code = "invalid_credentials"
    title = _l("That username and password do not match.")


class Forbidden(AppError):
    status = 403
    code = "forbidden"
    title = _l("You are not allowed to do that.")


class NotFound(AppError):
    status = 404
    code = "not_found"
    title = _l("We could not find that.")


class Conflict(AppError):
    status = 409
    code = "conflict"
    title = _l("Someone changed this at the same time. Please look again.")


class Gone(AppError):
    status = 410
    code = "gone"
    title = _l("This is no longer available.")


class TooLarge(AppError):
    status = 413
    code = "too_large"
    title = _l("That is too big.")


class UnsupportedMediaType(AppError):
    status = 415
    code = "unsupported_media_type"
    title = _l("That kind of file or content is not accepted.")


class ValidationFailed(AppError):
    """422 with per-field messages: ``errors={"field": ["message", ...]}``."""

    status = 422
    code = "validation_failed"
    title = _l("Some of what was sent needs changing.")

    def __init__(self, errors: dict[str, list[Any]], detail: Any = None, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.errors = errors


class RateLimited(AppError):
    status = 429
    code = "rate_limited"
    title = _l("Too many tries. Please wait a little and try again.")

    def __init__(self, retry_after_seconds: int, detail: Any = None) -> None:
        super().__init__(detail)
        self.retry_after_seconds = max(1, int(retry_after_seconds))


class ServiceUnavailable(AppError):
    """503: something the request needs is busy or down; ``Retry-After`` says when to return."""

    status = 503
    code = "service_unavailable"
    title = _l("The service is busy. Please try again in a moment.")

    def __init__(self, detail: Any = None, *, retry_after_seconds: int = 5) -> None:
        super().__init__(detail)
        self.retry_after_seconds = max(1, int(retry_after_seconds))


def field_error(field: str, message: Any) -> ValidationFailed:
    """Shorthand for a validation failure on one field."""
    return ValidationFailed({field: [message]})
