"""Pages for an authority administrator: browse the authority's audit trail, review overrides.

Only the administrator's own authority's chain (``chain == org_id``) is shown,
and only identifiers: times, actions, outcomes, roles, ids and section keys,
never a child's content or name.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from allaboutme.audit import queries
from allaboutme.web.access import login_required

bp = Blueprint("audit", __name__, url_prefix="/admin")

PAGE_SIZE = 50
MAX_FILTER_LENGTH = 64


def _text_arg(name: str) -> str | None:
    value = (request.args.get(name) or "").strip()
    return value[:MAX_FILTER_LENGTH] or None


def _before() -> int | None:
    before = request.args.get("before", type=int)
    return before if before is not None and before > 0 else None


@bp.get("/audit")
@login_required("la_admin")
def events() -> str:
    where = queries.EventFilter(action=_text_arg("action"), child_id=_text_arg("child_id"))
    rows, next_before = queries.chain_events(
        current_user.org_id, where=where, limit=PAGE_SIZE, before=_before()
    )
    return render_template(
        "audit/events.html",
        events=rows,
        next_before=next_before,
        where=where,
        actions=queries.chain_actions(current_user.org_id),
        is_first_page=_before() is None,
    )


@bp.get("/safeguarding")
@login_required("la_admin")
def safeguarding() -> str:
    rows, next_before = queries.safeguarding_reads(
        current_user.org_id, limit=PAGE_SIZE, before=_before()
    )
    return render_template(
        "audit/safeguarding.html",
        events=rows,
        next_before=next_before,
        is_first_page=_before() is None,
    )
