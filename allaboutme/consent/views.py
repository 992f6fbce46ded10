"""Pages: "Who can see my profile", "Who has looked at my profile", and the worker's view.

The child's pages are always the logged-in child's own (no child id in the
address) and work without JavaScript: each audience is a plain form of yes/no
choices of equal weight, none chosen until the child chooses. Saving goes
through the same services as the JSON API, so every choice is audited and
receipted; after a save the page shows the receipts (post, redirect, get).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user
from marshmallow import fields, validate
from werkzeug.wrappers import Response

from allaboutme.children.sections import SECTION_KEYS, SECTION_NAMES
from allaboutme.consent import access_log, choices
from allaboutme.consent.policy import AUDIENCE_KINDS, PURPOSES
from allaboutme.consent.services import Audience
from allaboutme.db import utcnow
from allaboutme.errors import ValidationFailed
from allaboutme.i18n import _l
from allaboutme.web.access import login_required
from allaboutme.web.fields import Args, Text
from allaboutme.web.forms import load_form
from allaboutme.web.transactions import transactional

bp = Blueprint("consent", __name__)

PAGE_SIZE = 50
MAX_CURSOR_LENGTH = 20
SHARE_PREFIX = "share_"
NEW_PROVIDER = "new"

PURPOSE_CHOICES = {
    "support": _l("To help me day to day"),
    "placement": _l("To help find me a new home"),
    "review": _l("For my care reviews"),
}

SharingArgs = Args.from_dict(
    {
        "audience": fields.String(required=True, validate=validate.OneOf(AUDIENCE_KINDS)),
        "org_id": Text(max_length=64, load_default=None),
        "purpose": fields.String(load_default=None, validate=validate.OneOf(PURPOSES)),
        "until": fields.Date(load_default=None),
        "helped": fields.Boolean(load_default=False),
        **{
            SHARE_PREFIX + key: fields.String(validate=validate.OneOf(("yes", "no")))
            for key in SECTION_KEYS
        },
    },
    name="SharingArgs",
)


def _cursor() -> str | None:
    cursor = request.args.get("cursor") or None
    return cursor if cursor and len(cursor) <= MAX_CURSOR_LENGTH else None


# -- the child: who can see my profile ---------------------------------------------------


@bp.get("/me/sharing")
@login_required("child")
def sharing() -> str:
    return _render_sharing()


@bp.post("/me/sharing")
@login_required("child")
def save_sharing() -> Response | tuple[str, int]:
    try:
        grant_ids = _save_from_form()
    except ValidationFailed as error:
        return _render_sharing(errors=error.errors, status=422)
    if not grant_ids:
        return redirect(url_for("consent.sharing", nothing=1, _anchor="receipts"), code=303)
    return redirect(url_for("consent.sharing", receipt=grant_ids, _anchor="receipts"), code=303)


@transactional
def _save_from_form() -> list[str]:
    args = load_form(SharingArgs())
    is_provider = args["audience"] == "provider"
    audience = Audience(args["audience"], args["org_id"] if is_provider else None)
    chosen = choices.Choices(
        audience=audience,
        sections=[key for key in SECTION_KEYS if args.get(SHARE_PREFIX + key) == "yes"],
        purpose=args["purpose"],
        until=args["until"],
        has_help=args["helped"],
    )
    grants = choices.save_choices(
        current_user, current_user.child_id, chosen, locale=current_user.locale, now=utcnow()
    )
    return [grant.id for grant in grants]


@bp.post("/me/sharing/grants/<string:grant_id>/stop")
@login_required("child")
def stop_sharing(grant_id: str) -> Response:
    _stop(grant_id)
    return redirect(url_for("consent.sharing", receipt=grant_id, _anchor="receipts"), code=303)


@transactional
def _stop(grant_id: str) -> None:
    choices.stop_sharing(current_user, current_user.child_id, grant_id, now=utcnow())


def _render_sharing(*, errors: dict[str, list[Any]] | None = None, status: int = 200) -> Any:
    now = utcnow()
    child_id = current_user.child_id
    overview = choices.sharing_overview(current_user, child_id, now=now)
    shown_orgs = [share.audience.org_id for share in overview if share.audience.org_id]
    page = render_template(
        "consent/sharing.html",
        overview=overview,
        providers=choices.provider_organisations(current_user, exclude=shown_orgs),
        receipts=choices.describe_grants(
            current_user, child_id, request.args.getlist("receipt"), now=now
        ),
        is_nothing_shared=bool(request.args.get("nothing")),
        forms=_form_states(overview, errors),
        section_names=SECTION_NAMES,
        purposes=PURPOSE_CHOICES,
        today=choices.local_day(now),
    )
    return page if status == 200 else (page, status)


def _form_states(
    overview: list[choices.AudienceShare], errors: dict[str, list[Any]] | None
) -> dict[str, dict[str, Any]]:
    """What each audience's form shows: the stored choices, or what was just sent back."""
    states = {share.key: _stored_state(share) for share in overview}
    states[NEW_PROVIDER] = {
        "answers": {},
        "purpose": None,
        "until": "",
        "helped": False,
        "org_id": None,
        "errors": {},
    }
    if errors is not None:
        key = _submitted_key(states)
        states[key] = _submitted_state(errors)
    return states


def _stored_state(share: choices.AudienceShare) -> dict[str, Any]:
    newest = share.newest
    answers = {key: ("yes" if key in share.shared else "no") for key in SECTION_KEYS}
    until = choices.local_day(newest.expires_at) if newest else None
    return {
        "answers": answers if newest else {},
        "purpose": newest.purpose if newest else None,
        "until": until.isoformat() if until else "",
        "helped": False,
        "org_id": share.audience.org_id,
        "errors": {},
    }


def _submitted_key(states: dict[str, dict[str, Any]]) -> str:
    if request.form.get("audience") != "provider":
        return "social_worker"
    key = f"provider:{request.form.get('org_id', '')}"
    return key if key in states else NEW_PROVIDER


def _submitted_state(errors: dict[str, list[Any]]) -> dict[str, Any]:
    renamed = {"expires_at": "until", "audience": "org_id"}
    return {
        "answers": {key: request.form.get(SHARE_PREFIX + key) for key in SECTION_KEYS},
        "purpose": request.form.get("purpose"),
        "until": request.form.get("until", ""),
        "helped": bool(request.form.get("helped")),
        "org_id": request.form.get("org_id"),
        "errors": {renamed.get(name, name): messages for name, messages in errors.items()},
    }


# -- the child: who has looked at my profile ---------------------------------------------


@bp.get("/me/looked")
@login_required("child")
def looked() -> str:
    items, next_cursor = access_log.access_log(
        current_user, current_user.child_id, limit=PAGE_SIZE, cursor=_cursor()
    )
    return render_template(
        "consent/looked.html",
        items=items,
        next_cursor=next_cursor,
        is_first_page=_cursor() is None,
        section_names=SECTION_NAMES,
    )


# -- the allocated social worker: read-only ----------------------------------------------


@bp.get("/children/<string:child_id>/sharing")
@login_required("social_worker")
def worker_sharing(child_id: str) -> str:
    case = choices.case_sharing(
        current_user, child_id, limit=PAGE_SIZE, cursor=_cursor(), now=utcnow()
    )
    return render_template(
        "consent/worker.html",
        case=case,
        child_id=child_id,
        section_names=SECTION_NAMES,
        purposes=PURPOSE_CHOICES,
    )
