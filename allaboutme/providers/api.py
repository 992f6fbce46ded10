"""JSON endpoints for providers on the placement framework (API.md)."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_smorest import Blueprint

from allaboutme.accounts.models import PROFESSIONAL_ROLES
from allaboutme.db import utcnow
from allaboutme.providers import services
from allaboutme.providers.models import ProviderProfile
from allaboutme.providers.schemas import (
    ProviderArgs,
    ProviderChangeArgs,
    ProviderListArgs,
    ProviderPageSchema,
    ProviderSchema,
)
from allaboutme.web.access import login_required
from allaboutme.web.transactions import transactional

blp = Blueprint(
    "providers_api", __name__, url_prefix="/api/v1", description="Providers on the framework"
)


@blp.route("/providers", methods=["POST"])
@login_required("framework_admin")
@blp.arguments(ProviderArgs)
@blp.response(201, ProviderSchema)
@transactional
def create_provider(args: dict[str, Any]) -> ProviderProfile:
    """Register a provider organisation on the framework."""
    return services.create_provider(current_user, now=utcnow(), **args)


@blp.route("/providers", methods=["GET"])
@login_required(*PROFESSIONAL_ROLES)
@blp.arguments(ProviderListArgs, location="query")
@blp.response(200, ProviderPageSchema)
def list_providers(args: dict[str, Any]) -> dict[str, Any]:
    """Providers by name; ``lot`` keeps those approved for a lot, ``q`` searches names."""
    items, next_cursor = services.list_providers(
        current_user,
        lot=args.get("lot"),
        q=args.get("q"),
        limit=args["limit"],
        cursor=args.get("cursor"),
    )
    return {"items": items, "next_cursor": next_cursor}


@blp.route("/providers/<string:provider_id>", methods=["GET"])
@login_required(*PROFESSIONAL_ROLES)
@blp.response(200, ProviderSchema)
def get_provider(provider_id: str) -> ProviderProfile:
    """One provider."""
    return services.get_provider(current_user, provider_id)


@blp.route("/providers/<string:provider_id>", methods=["PATCH"])
@login_required("framework_admin", "provider")
@blp.arguments(ProviderChangeArgs)
@blp.response(200, ProviderSchema)
@transactional
def update_provider(args: dict[str, Any], provider_id: str) -> ProviderProfile:
    """Change a provider; its own staff may send ``vacancies`` and nothing else."""
    return services.update_provider(current_user, provider_id, args, now=utcnow())
