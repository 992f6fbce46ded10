"""Pages: the child's profile home, one page per section, their pictures and history.

Every page is the logged-in child's own: there is no child id in the address.
The section page works without JavaScript (forms that post back here);
``static/js/editor.js`` adds autosave through the JSON API on top of it, and
``pictures.js`` and ``drawing.js`` add photos and drawings through the media API.
Easy mode (bigger, simpler pages) is a preference kept on the device: see
:func:`set_easy_mode`.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import IO, Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from allaboutme.children import services as children
from allaboutme.children.models import Child
from allaboutme.db import utcnow
from allaboutme.errors import (
    AppError,
    Conflict,
    NotFound,
    ServiceUnavailable,
    TooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from allaboutme.i18n import DEFAULT_LOCALE
from allaboutme.media import imaging
from allaboutme.media import services as media
from allaboutme.profiles import catalogue, forms, services
from allaboutme.web.access import login_required
from allaboutme.web.transactions import transactional

bp = Blueprint("profiles", __name__)

HISTORY_PAGE_SIZE = 30
EASY_COOKIE = "aam_easy"
EASY_COOKIE_LIFETIME = timedelta(days=365)
PICTURE_PAGE_SIZE = 200
MAX_PICTURE_PAGES = 10  # 2,000 pictures: far more than a child adds
MEDIA_ID_SLOT = "MEDIA_ID"  # the scripts put a new picture's id here
_OWN_PAGE = re.compile(r"^/me(/[A-Za-z0-9_]+)*$")  # where easy mode may send the child back
# A busy picture queue (503) is refused like a bad picture: the page comes back
# with the child's caption kept and "Not added yet. Please try again."
_PICTURE_REFUSALS = (TooLarge, UnsupportedMediaType, ValidationFailed, ServiceUnavailable)


def _in_memory(*_args: Any, **_kwargs: Any) -> IO[bytes]:
    return io.BytesIO()


@bp.url_value_preprocessor
def _keep_uploads_off_disk(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """A photo posted with the plain form stays in memory, as through the media API.

    Werkzeug spools a file part over 500 KiB to a temporary file, and the original
    (GPS and all) must never touch a disk. This runs before the CSRF check parses
    the form; MAX_CONTENT_LENGTH bounds the memory one request can take.
    """
    if endpoint == "profiles.add_picture":
        request._get_file_stream = _in_memory  # type: ignore[method-assign]


def is_easy_mode() -> bool:
    return request.cookies.get(EASY_COOKIE) == "1"


@bp.context_processor
def _easy_mode_flag() -> dict[str, Any]:
    return {"easy_mode": is_easy_mode()}


def _own_child() -> Child:
    return children.get_child(current_user, current_user.child_id)


def _worded_sections(child: Child) -> dict[str, dict[str, Any]]:
    """The catalogue in the page's language, worded for the child's age band or easy mode."""
    if is_easy_mode():
        rendered = catalogue.render_easy_catalogue()
    else:
        band = catalogue.age_band(children.age_on(child.date_of_birth, utcnow().date()))
        rendered = catalogue.render_catalogue(band)
    return {section["key"]: section for section in rendered["sections"]}


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


@bp.post("/me/easy-mode")
@login_required("child")
def set_easy_mode() -> Response:
    """Switch easy mode on or off on this phone, then go back to the page the child was on.

    Kept in a cookie rather than the session: a session ends after 30 idle minutes
    and at logout, and a young child should not have to find the switch again at
    every login. The cookie says only "1", nothing about the child; it is HttpOnly
    and SameSite=Lax, and it stays on this device (logout clears stored data and
    the cache, not this display preference).
    """
    back = str(request.form.get("next", ""))
    response = redirect(back if _OWN_PAGE.match(back) else url_for("profiles.home"), code=303)
    cookie = {
        "path": "/",
        "httponly": True,
        "samesite": "Lax",
        "secure": current_app.config["ALLABOUTME_SETTINGS"].secure_cookies,
    }
    if request.form.get("easy") == "1":
        response.set_cookie(EASY_COOKIE, "1", max_age=EASY_COOKIE_LIFETIME, **cookie)
    else:
        response.delete_cookie(EASY_COOKIE, **cookie)
    return response


@bp.get("/me/sections/<string:key>")
@login_required("child")
def section_page(key: str) -> str:
    section = services.known_section(key)
    profile = services.read_profile(current_user, current_user.child_id, now=utcnow())
    return _render_saved(section, profile)


def _render_saved(section: catalogue.Section, profile: services.ProfileView, **extra: Any) -> str:
    """The section as saved, with the picture form in whatever state ``extra`` says."""
    saved = profile.sections.get(section.key)
    return _render_section(
        section,
        profile,
        values=forms.field_values(section, saved.answers if saved else {}),
        language=saved.language if saved else None,
        has_help=saved.has_help if saved else False,
        **extra,
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
    picture_errors: dict[str, list[str]] | None = None,
    picture_caption: str = "",
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
        pictures=_section_pictures(child.id, section.key),
        picture_errors=picture_errors or {},
        picture_caption=picture_caption,
        picture_messages=forms.picture_messages(),
        max_picture_bytes=imaging.DEFAULT_LIMITS.max_bytes,
        caption_max_length=media.MAX_CAPTION_LENGTH,
        media_upload_url=url_for("media_api.upload_media", child_id=child.id),
        media_url=url_for("media_api.read_media", media_id=MEDIA_ID_SLOT),
        delete_page_url=url_for(
            "profiles.confirm_delete_picture", key=section.key, media_id=MEDIA_ID_SLOT
        ),
    )


# -- photos and drawings ---------------------------------------------------------


def _section_pictures(child_id: str, key: str) -> list[media.MediaSummary]:
    """The section's pictures, newest first (the media service pages through them all)."""
    found: list[media.MediaSummary] = []
    cursor = None
    for _page in range(MAX_PICTURE_PAGES):
        items, cursor = media.list_media(
            current_user, child_id, limit=PICTURE_PAGE_SIZE, cursor=cursor
        )
        found += [item for item in items if item.section == key]
        if cursor is None:
            break
    return found


@bp.post("/me/sections/<string:key>/pictures")
@login_required("child")
def add_picture(key: str) -> Response | tuple[str, int, dict[str, str]]:
    """A picture added with the plain form; a refused one comes back with its caption kept."""
    section = services.known_section(key)
    submitted = forms.parse_picture_form(request.files, request.form)
    try:
        picture = media.clean_upload(submitted.data)  # the slow part, before the write lock
        _store_picture(key, picture, submitted.caption)
    except _PICTURE_REFUSALS as error:
        return _render_picture_refused(section, error, submitted.caption)
    return _back_to_pictures(key, "added")


@transactional
def _store_picture(key: str, picture: imaging.CleanImage, caption: str) -> None:
    media.upload_media(
        current_user,
        current_user.child_id,
        section=key,
        picture=picture,
        caption=caption,
        now=utcnow(),
    )


def _render_picture_refused(
    section: catalogue.Section, error: AppError, caption: str
) -> tuple[str, int, dict[str, str]]:
    profile = services.read_profile(current_user, current_user.child_id, now=utcnow())
    page = _render_saved(
        section, profile, picture_errors=forms.picture_errors(error), picture_caption=caption
    )
    headers = {}
    if isinstance(error, ServiceUnavailable):
        headers["Retry-After"] = str(error.retry_after_seconds)
    return page, error.status, headers


def _back_to_pictures(key: str, what: str) -> Response:
    target = url_for("profiles.section_page", key=key, picture=what, _anchor="pictures")
    return redirect(target, code=303)


def _own_picture(key: str, media_id: str) -> media.MediaSummary:
    for picture in _section_pictures(current_user.child_id, key):
        if picture.id == media_id:
            return picture
    raise NotFound()


@bp.get("/me/sections/<string:key>/pictures/<string:media_id>/delete")
@login_required("child")
def confirm_delete_picture(key: str, media_id: str) -> str:
    """Are you sure? (Without JavaScript; with it, the section page asks in a dialog.)"""
    services.known_section(key)
    picture = _own_picture(key, media_id)
    section = _worded_sections(_own_child())[key]
    return render_template("profiles/picture_delete.html", section=section, picture=picture)


@bp.post("/me/sections/<string:key>/pictures/<string:media_id>/delete")
@login_required("child")
def delete_picture(key: str, media_id: str) -> Response:
    services.known_section(key)
    _delete_picture(media_id)
    return _back_to_pictures(key, "deleted")


@transactional
def _delete_picture(media_id: str) -> None:
    media.delete_media(current_user, media_id, now=utcnow())


# -- history -------------------------------------------------------------------------


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
