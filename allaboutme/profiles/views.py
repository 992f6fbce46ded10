"""Pages: the child's profile home, one page per section, and their history.

Every page is the logged-in child's own: there is no child id in the address.
The section page works without JavaScript (a form that posts back here);
``static/js/editor.js`` adds autosave through the JSON API on top of it.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from allaboutme.children import services as children
from allaboutme.children.models import Child
from allaboutme.db import utcnow
from allaboutme.errors import Conflict, NotFound, ValidationFailed
from allaboutme.i18n import DEFAULT_LOCALE
from allaboutme.profiles import catalogue, forms, services
from allaboutme.web.access import login_required
from allaboutme.web.transactions import transactional

bp = Blueprint("profiles", __name__)

HISTORY_PAGE_SIZE = 30


def _own_child() -> Child:
    return children.get_child(current_user, current_user.child_id)


def _worded_sections(child: Child) -> dict[str, dict[str, Any]]:
    """The catalogue in the page's language, worded for the child's age band."""
    band = catalogue.age_band(children.age_on(child.date_of_birth, utcnow().date()))
    return {section["key"]: section for section in catalogue.render_catalogue(band)["sections"]}


def _answers(profile: services.ProfileView, key: str) -> dict[str, object]:
    content = profile.sections.get(key)
    return dict(content.answers) if content else {}


@bp.get("/me")
@login_required("child")
def home() -> str:
    child = _own_child()
    profile = services.read_profile(current_user, child.id, now=utcnow())
    cards = [
        {
            **worded,
            "answered": forms.answered_count(catalogue.get_section(key), _answers(profile, key)),
            "total": len(worded["questions"]),
        }
        for key, worded in _worded_sections(child).items()
    ]
    return render_template("profiles/home.html", name=children.preferred_name(child), cards=cards)


@bp.get("/me/sections/<string:key>")
@login_required("child")
def section_page(key: str) -> str:
    section = services.known_section(key)
    profile = services.read_profile(current_user, current_user.child_id, now=utcnow())
    saved = profile.sections.get(key)
    return _render_section(
        section,
        profile,
        values=forms.field_values(section, saved.answers if saved else {}),
        language=saved.language if saved else None,
        has_help=saved.has_help if saved else False,
    )


@bp.post("/me/sections/<string:key>")
@login_required("child")
def save_section(key: str) -> Response | tuple[str, int]:
    section = services.known_section(key)
    try:
        submitted = forms.parse_section_form(section, request.form, default_language=DEFAULT_LOCALE)
        _write(key, submitted)
    except ValidationFailed as error:
        return _render_again(section, error=error, status=422)
    except Conflict as error:
        return _render_again(section, error=error, status=409)
    return redirect(url_for("profiles.section_page", key=key, saved=1), code=303)


@transactional
def _write(key: str, submitted: forms.SectionForm) -> None:
    services.write_section(
        current_user,
        current_user.child_id,
        key,
        answers=submitted.answers,
        language=submitted.language,
        has_help=submitted.has_help,
        expected_version=submitted.expected_version,
        now=utcnow(),
    )


def _render_again(
    section: catalogue.Section, *, error: ValidationFailed | Conflict, status: int
) -> tuple[str, int]:
    """The section with the child's own input kept, and what went wrong.

    After a conflict the form carries the newest version, so sending it again
    keeps what the child typed; the saved answers are shown beside it.
    """
    profile = services.read_profile(current_user, current_user.child_id, now=utcnow())
    is_conflict = isinstance(error, Conflict)
    typed_version = str(request.form.get("version", ""))
    page = _render_section(
        section,
        profile,
        values=forms.submitted_values(section, request.form),
        language=request.form.get("language"),
        has_help=forms.has_help(request.form),
        errors=error.errors if isinstance(error, ValidationFailed) else {},
        is_conflict=is_conflict,
        typed=forms.parse_answers(section, request.form) if is_conflict else {},
        version=profile.version if is_conflict or not typed_version.isdigit() else typed_version,
    )
    return page, status


def _render_section(
    section: catalogue.Section,
    profile: services.ProfileView,
    *,
    values: dict[str, object],
    language: str | None,
    has_help: bool,
    errors: dict[str, list[Any]] | None = None,
    is_conflict: bool = False,
    typed: dict[str, object] | None = None,
    version: object = None,
) -> str:
    child = _own_child()
    return render_template(
        "profiles/section.html",
        section=_worded_sections(child)[section.key],
        values=values,
        language=language,
        has_help=has_help,
        version=profile.version if version is None else version,
        errors=errors or {},
        is_conflict=is_conflict,
        saved=profile.sections.get(section.key),
        typed=typed or {},
        field_prefix=forms.FIELD_PREFIX,
        api_url=url_for("profiles_api.write_section", child_id=child.id, key=section.key),
        profile_url=url_for("profiles_api.read_profile", child_id=child.id),
    )


@bp.get("/me/history")
@login_required("child")
def history() -> str:
    child = _own_child()
    before = request.args.get("before", type=int)
    items, next_before = services.list_versions(
        current_user, child.id, limit=HISTORY_PAGE_SIZE, before=before
    )
    return render_template(
        "profiles/history.html",
        items=items,
        next_before=next_before,
        sections=_worded_sections(child),
    )


@bp.get("/me/history/<int:number>")
@login_required("child")
def version_page(number: int) -> str:
    child = _own_child()
    then = services.read_profile(current_user, child.id, version=number, now=utcnow())
    now = services.read_profile(current_user, child.id, now=utcnow())
    summaries, _next = services.list_versions(current_user, child.id, limit=1, before=number + 1)
    if not summaries or summaries[0].version != number:
        raise NotFound()
    return render_template(
        "profiles/version.html",
        summary=summaries[0],
        then=then,
        now=now,
        sections=_worded_sections(child),
    )
