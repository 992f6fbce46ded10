"""JSON endpoints for children and their invitations (API.md)."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_smorest import Blueprint

from allaboutme.children import services
from allaboutme.children.schemas import (
    ChildArgs,
    ChildListArgs,
    ChildPageSchema,
    ChildSchema,
    InvitationSchema,
)
from allaboutme.db import utcnow
from allaboutme.web.access import login_required
from allaboutme.web.transactions import transactional

blp = Blueprint(
    "children_api", __name__, url_prefix="/api/v1", description="Children and invitations"
)


@blp.route("/children", methods=["POST"])
@login_required("social_worker")
@blp.arguments(ChildArgs)
@blp.response(201, ChildSchema)
@transactional
def create_child(args: dict[str, Any]) -> services.ChildSummary:
    """Register a child in your authority; you are allocated to them."""
    child = services.create_child(actor=current_user, now=utcnow(), **args)
    return services.ChildSummary(
        id=child.id,
        preferred_name=args["preferred_name"],
        date_of_birth=child.date_of_birth,
        locale=child.locale,
        has_login=False,
        created_at=child.created_at,
    )


@blp.route("/children", methods=["GET"])
@login_required("social_worker", "la_admin")
@blp.arguments(ChildListArgs, location="query")
@blp.response(200, ChildPageSchema)
def list_children(args: dict[str, Any]) -> dict[str, Any]:
    """Your authority's children (a social worker sees the children allocated to them)."""
    items, next_cursor = services.list_children(
        current_user, limit=args["limit"], cursor=args.get("cursor")
    )
    return {"items": items, "next_cursor": next_cursor}


@blp.route("/children/<string:child_id>/invites", methods=["POST"])
@login_required("social_worker")
@blp.response(201, InvitationSchema)
@transactional
def invite_child(child_id: str) -> Any:
    """A one-time code (72 hours) for the child to create their own login."""
    return services.invite_child(actor=current_user, child_id=child_id, now=utcnow())
