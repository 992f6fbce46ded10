"""The JSON API's shared parts: the OpenAPI registry and its human docs page.

Features declare their endpoints on :class:`flask_smorest.Blueprint` objects and
the app registers them here, so ``/api/v1/openapi.json`` always describes what
is really served. The docs page uses vendored Swagger UI assets (no CDN).
"""

from __future__ import annotations

import http
import re
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Flask, render_template, request, url_for
from flask_smorest import Api
from marshmallow import INCLUDE, Schema, fields

from allaboutme.errors import ValidationFailed
from allaboutme.i18n import _l
from allaboutme.web.access import public

API_PREFIX = "/api/v1"
PROBLEM_CONTENT_TYPE = "application/problem+json"
# NUL, which PostgreSQL text cannot hold, and lone surrogates, which are not UTF-8 at all.
UNSTORABLE_TEXT = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_TEXT_MESSAGE = _l("This contains a character that cannot be stored. Please remove it.")


class ProblemSchema(Schema):
    """What ``allaboutme.web.problems`` answers for every error (RFC 9457 problem details).

    Extension members (``errors`` for a validation failure, and any a feature adds)
    are allowed: a client reads ``code`` and ignores what it does not know.
    """

    class Meta:
        unknown = INCLUDE

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    code = fields.String(required=True)
    request_id = fields.String(allow_none=True)
    errors = fields.Dict(
        keys=fields.String(), metadata={"description": "Messages for each field that was wrong"}
    )


class ProblemApi(Api):
    """flask-smorest's Api, with errors documented as the problem+json really served.

    flask-smorest documents its own error shape as ``application/json``; the
    document must describe what a client receives, so the shared error responses
    (``default`` and one per status) are registered with the problem schema.
    """

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["content"] = {PROBLEM_CONTENT_TYPE: {"schema": self.ERROR_SCHEMA}}
            self.spec.components.response(status.name, response, lazy=True)
        self.spec.components.response(
            self.DEFAULT_ERROR_RESPONSE_NAME,
            {
                "description": "An error, as problem details",
                "content": {PROBLEM_CONTENT_TYPE: {"schema": self.ERROR_SCHEMA}},
            },
            lazy=True,
        )


docs = Blueprint("api_docs_page", __name__)


@docs.get(f"{API_PREFIX}/docs")
@public
def docs_page() -> str:
    return render_template("api_docs.html", spec_url=url_for("api-docs.openapi_json"))


def reject_unstorable_text() -> None:
    """Refuse, as a validation failure, text that no database could store.

    No person types a NUL or half a surrogate pair, but a client can send them in
    any path, query, form or JSON field. Found here, they never reach a query that
    would fail (PostgreSQL refuses NUL, every UTF-8 encoder a lone surrogate) as a
    server error.
    """
    if not request.path.startswith(API_PREFIX + "/"):
        return
    bad = sorted({name for name, value in _named_inputs() if _has_unstorable_text(name, value)})
    if bad:
        raise ValidationFailed({name: [UNSTORABLE_TEXT_MESSAGE] for name in bad})


def _named_inputs() -> Iterator[tuple[str, Any]]:
    """Each value the request carries, with the name a client would recognise."""
    yield from (request.view_args or {}).items()
    yield from request.args.items(multi=True)
    # A multipart part whose name could not be read has None for a name.
    yield from ((name or "", value) for name, value in request.form.items(multi=True))
    body = request.get_json(silent=True) if request.is_json else None
    if isinstance(body, dict):
        yield from body.items()
    elif body is not None:
        yield "_schema", body


def _has_unstorable_text(name: str, value: Any) -> bool:
    return any(UNSTORABLE_TEXT.search(text) for text in (name, *_texts_in(value)))


def _texts_in(value: Any) -> Iterator[str]:
    """Every string in a decoded JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _texts_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts_in(item)


def init_app(app: Flask) -> Api:
    """A fresh OpenAPI registry per app; features' blueprints are registered on it."""
    app.config.update(
        API_TITLE="allaboutme",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {
                "description": (
                    "A child in care's own All About Me profile: encrypted, shared only "
                    "with consent, carried into placement referrals."
                )
            },
            "components": {
                "securitySchemes": {
                    "session": {"type": "apiKey", "in": "cookie", "name": "aam_session"},
                    "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
                }
            },
        },
    )
    api = ProblemApi(app)
    app.register_blueprint(docs)
    app.before_request(reject_unstorable_text)
    return api
