"""The JSON API's shared parts: the OpenAPI registry and its human docs page.

Features declare their endpoints on :class:`flask_smorest.Blueprint` objects and
the app registers them here, so ``/api/v1/openapi.json`` always describes what
is really served. The docs page uses vendored Swagger UI assets (no CDN).
"""

from __future__ import annotations

from flask import Blueprint, Flask, render_template, url_for
from flask_smorest import Api

from allaboutme.web.access import public

API_PREFIX = "/api/v1"

docs = Blueprint("api_docs_page", __name__)


@docs.get(f"{API_PREFIX}/docs")
@public
def docs_page() -> str:
    return render_template("api_docs.html", spec_url=url_for("api-docs.openapi_json"))


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
    api = Api(app)
    app.register_blueprint(docs)
    return api
