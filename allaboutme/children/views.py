"""Pages: a worker's caseload, adding and inviting a child."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from allaboutme.children import services
from allaboutme.children.schemas import ChildArgs
from allaboutme.db import utcnow
from allaboutme.errors import ValidationFailed
from allaboutme.i18n import _
from allaboutme.web.access import login_required
from allaboutme.web.forms import load_form
from allaboutme.web.qrcodes import qr_svg
from allaboutme.web.transactions import transactional

bp = Blueprint("children", __name__)

PAGE_SIZE = 50


@bp.get("/caseload")
@login_required("social_worker", "la_admin")
def caseload() -> str:
    return _render_caseload(errors={}, form={})


def _render_caseload(errors: dict[str, Any], form: Any, status: int = 200) -> Any:
    cursor = request.args.get("cursor") or None
    children, next_cursor = services.list_children(current_user, limit=PAGE_SIZE, cursor=cursor)
    return render_template(
        "children/caseload.html",
        children=children,
        next_cursor=next_cursor,
        errors=errors,
        form=form,
    ), status


@bp.post("/children")
@login_required("social_worker")
def add_child() -> Any:
    try:
        _add_child_from_form()
    except ValidationFailed as error:
        return _render_caseload(errors=error.errors, form=request.form, status=422)
    return redirect(url_for("children.caseload", added=1), code=303)


@transactional
def _add_child_from_form() -> None:
    args = load_form(ChildArgs())
    services.create_child(actor=current_user, now=utcnow(), **args)


@bp.post("/children/<string:child_id>/invite")
@login_required("social_worker")
def invite(child_id: str) -> Any:
    issued = _issue_invitation(child_id)
    child = services.get_allocated_child(current_user, child_id)
    join_url = url_for("accounts.join_page", code=issued.code, _external=True)
    return render_template(
        "children/invite.html",
        child_name=services.preferred_name(child),
        issued=issued,
        join_url=join_url,
        qr=qr_svg(join_url, title=_("QR code to join allaboutme")),
    )


@transactional
def _issue_invitation(child_id: str) -> Any:
    return services.invite_child(actor=current_user, child_id=child_id, now=utcnow())
