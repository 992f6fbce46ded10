"""JSON endpoints: the child's grants and the "who has looked" log (API.md "Consent")."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_smorest import Blueprint

from allaboutme.children import services as children
from allaboutme.consent import access_log, services
from allaboutme.consent.schemas import (
    AccessLogArgs,
    AccessPageSchema,
    ConsentArgs,
    GrantPageSchema,
    GrantSchema,
)
from allaboutme.db import utcnow
from allaboutme.web.access import login_required
from allaboutme.web.transactions import transactional

blp = Blueprint("consent_api", __name__, url_prefix="/api/v1", description="The child's consent")


@blp.route("/children/<string:child_id>/consents", methods=["POST"])
@login_required("child")
@blp.arguments(ConsentArgs)
@blp.response(201, GrantSchema)
@transactional
def grant_consent(args: dict[str, Any], child_id: str) -> dict[str, Any]:
    """The child lets someone see some sections of their profile; returns a receipt."""
    now = utcnow()
    audience = args["audience"]
    grant = services.grant_consent(
        current_user,
        child_id,
        audience=services.Audience(audience["kind"], audience.get("org_id")),
        sections=args["sections"],
        purpose=args["purpose"],
        expires_at=args.get("expires_at"),
        has_help=args["helped"],
        locale=current_user.locale,
        now=now,
    )
    return services.describe_grant(grant, children.get_child(current_user, child_id), now=now)


@blp.route("/children/<string:child_id>/consents", methods=["GET"])
@login_required("child", "social_worker")
@blp.response(200, GrantPageSchema)
def list_consents(child_id: str) -> dict[str, Any]:
    """Every grant, active and past, newest first."""
    now = utcnow()
    grants = services.list_grants(current_user, child_id)
    child = children.get_child(current_user, child_id)
    items = [services.describe_grant(grant, child, now=now) for grant in grants]
    return {"items": items, "next_cursor": None}


@blp.route("/children/<string:child_id>/consents/<string:grant_id>", methods=["DELETE"])
@login_required("child")
@blp.response(204)
@transactional
def revoke_consent(child_id: str, grant_id: str) -> None:
    """Take a grant back; it stops working on the next request everywhere."""
    services.revoke_consent(current_user, child_id, grant_id, now=utcnow())


@blp.route("/children/<string:child_id>/access-log", methods=["GET"])
@login_required("child", "social_worker")
@blp.arguments(AccessLogArgs, location="query")
@blp.response(200, AccessPageSchema)
def read_access_log(args: dict[str, Any], child_id: str) -> dict[str, Any]:
    """Who has read the child's profile, newest first."""
    items, next_cursor = access_log.access_log(
        current_user, child_id, limit=args["limit"], cursor=args.get("cursor")
    )
    return {"items": items, "next_cursor": next_cursor}
