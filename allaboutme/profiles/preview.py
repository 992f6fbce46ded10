""" "See it as they will": the child's own profile, cut to what one audience may see now.

A ``profiles`` page that asks ``consent`` for a hypothetical decision (what
this child's social worker, or staff of one home or agency, would be allowed
to read) and shows the child's current sections through it. The child reads
their own content, so nothing is audited.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from allaboutme.children import services as children
from allaboutme.consent import choices
from allaboutme.consent.services import Audience
from allaboutme.db import utcnow
from allaboutme.errors import NotFound
from allaboutme.profiles import catalogue, services
from allaboutme.web.access import login_required

bp = Blueprint("profiles_preview", __name__)

MAX_ID_LENGTH = 64


def _audience() -> Audience:
    kind = request.args.get("audience", "")
    org_id = request.args.get("org_id") or None
    if org_id is not None and len(org_id) > MAX_ID_LENGTH:
        raise NotFound()
    return Audience(kind, org_id if kind == "provider" else None)


@bp.get("/me/sharing/preview")
@login_required("child")
def preview() -> str:
    now = utcnow()
    child_id = current_user.child_id
    decision, org_name = choices.hypothetical_decision(current_user, child_id, _audience(), now=now)
    profile = services.read_profile(current_user, child_id, now=now)
    child = children.get_child(current_user, child_id)
    band = catalogue.age_band(children.age_on(child.date_of_birth, now.date()))
    return render_template(
        "profiles/preview.html",
        org_name=org_name,
        sections=catalogue.render_catalogue(band)["sections"],
        shown={key: content for key, content in profile.sections.items() if decision.allows(key)},
        allowed=decision.allowed,
    )
