"""JSON endpoints for the child's data rights (API.md "Data rights")."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_smorest import Blueprint

from allaboutme.db import utcnow
from allaboutme.rights import services
from allaboutme.rights.schemas import ExportSchema
from allaboutme.web.access import login_required
from allaboutme.web.transactions import transactional

blp = Blueprint("rights_api", __name__, url_prefix="/api/v1", description="The child's data rights")


@blp.route("/children/<string:child_id>/export", methods=["GET"])
@login_required("child", "la_admin")
@blp.response(200, ExportSchema)
@transactional
def export_child(child_id: str) -> dict[str, Any]:
    """Everything held about the child, decrypted (the child, or their authority's admin)."""
    return services.export_child(current_user, child_id, now=utcnow())


@blp.route("/children/<string:child_id>", methods=["DELETE"])
@login_required("la_admin")
@blp.response(204)
@transactional
def erase_child(child_id: str) -> None:
    """Erase the child: their key is destroyed, nothing of theirs can be read again."""
    services.erase_child(current_user, child_id, now=utcnow())
