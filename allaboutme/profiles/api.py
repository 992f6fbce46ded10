"""JSON endpoints: the catalogue, the profile, its versions, and data rights."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_login import current_user
from flask_smorest import Blueprint

from allaboutme.db import utcnow
from allaboutme.errors import AppError, TooLarge
from allaboutme.i18n import _, _l
from allaboutme.profiles import catalogue, services
from allaboutme.profiles.schemas import (
    IF_MATCH_HEADER,
    MAX_VERSION,
    VERSION_TAG,
    CatalogueArgs,
    CatalogueSchema,
    ProfileSchema,
    SafeguardingArgs,
    SectionArgs,
    VersionListArgs,
    VersionPageSchema,
)
from allaboutme.web.access import login_required, public
from allaboutme.web.transactions import transactional

blp = Blueprint("profiles_api", __name__, url_prefix="/api/v1", description="The child's profile")

MAX_SECTION_BYTES = 128 * 1024


class PreconditionRequired(AppError):
    status = 428
    code = "precondition_required"
    title = _l("Send If-Match with the profile version you last saw.")


def _etag(version: int) -> str:
    return f'"{version}"'


def _expected_version(*, required: bool) -> int | None:
    """The version named by If-Match (``"3"``, ``W/"3"`` or ``3``).

    Only ASCII digits (``str.isdigit`` also accepts "²", which ``int`` refuses), and
    no more than a version column holds: PostgreSQL refuses to compare or set an
    integer column with a larger number.
    """
    raw = request.headers.get("If-Match", "").strip()
    if not raw:
        if required:
            raise PreconditionRequired()
        return None
    tag = raw.removeprefix("W/").strip('"')
    if not VERSION_TAG.fullmatch(tag) or int(tag) > MAX_VERSION:
        raise PreconditionRequired(_('If-Match must be a profile version such as "3".'))
    return int(tag)


def _with_etag(view: services.ProfileView) -> tuple[services.ProfileView, dict[str, str]]:
    return view, {"ETag": _etag(view.version)}


@blp.route("/catalogue", methods=["GET"])
@public
@blp.arguments(CatalogueArgs, location="query")
@blp.response(200, CatalogueSchema)
def read_catalogue(args: dict[str, Any]) -> dict[str, Any]:
    """The nine sections and their questions, in the request's language."""
    return catalogue.render_catalogue(args.get("age_band") or "older")


def _reader_is_not_the_child() -> bool:
    return current_user.role != "child"


@blp.route("/children/<string:child_id>/profile", methods=["GET"])
@login_required()
@blp.response(200, ProfileSchema)
@transactional(take_write_lock=_reader_is_not_the_child)
def read_profile(child_id: str) -> Any:
    """The sections the caller may see (the child: all; others: what the child shares)."""
    return _with_etag(services.read_profile(current_user, child_id, now=utcnow()))


@blp.route("/children/<string:child_id>/safeguarding-reads", methods=["POST"])
@login_required("la_admin")
@blp.arguments(SafeguardingArgs)
@blp.response(200, ProfileSchema)
@transactional
def safeguarding_read(args: dict[str, Any], child_id: str) -> Any:
    """Read the whole profile for a written safeguarding reason (audited, reviewed)."""
    view = services.safeguarding_read(current_user, child_id, reason=args["reason"], now=utcnow())
    return _with_etag(view)


@blp.route("/children/<string:child_id>/profile/sections/<string:key>", methods=["PUT"])
@login_required("child")
@blp.arguments(SectionArgs)
@blp.doc(parameters=[{**IF_MATCH_HEADER, "required": True}])
@blp.response(200, ProfileSchema)
@transactional
def write_section(args: dict[str, Any], child_id: str, key: str) -> Any:
    """Save one section; If-Match must name the version the child last saw."""
    if (request.content_length or 0) > MAX_SECTION_BYTES:
        raise TooLarge()
    expected = _expected_version(required=True)
    assert expected is not None
    view = services.write_section(
        current_user,
        child_id,
        key,
        answers=args["answers"],
        language=args["language"],
        has_help=args["helped"],
        expected_version=expected,
        now=utcnow(),
    )
    return _with_etag(view)


@blp.route("/children/<string:child_id>/profile/sections/<string:key>", methods=["DELETE"])
@login_required("child")
@blp.doc(parameters=[IF_MATCH_HEADER])
@blp.response(204)
@transactional
def remove_section(child_id: str, key: str) -> Any:
    """Take a section out of the profile (it stays in the child's history)."""
    expected = _expected_version(required=False)
    if expected is None:
        expected = services.current_version(child_id)
    view = services.remove_section(
        current_user, child_id, key, expected_version=expected, now=utcnow()
    )
    return None, {"ETag": _etag(view.version)}


@blp.route("/children/<string:child_id>/profile/versions", methods=["GET"])
@login_required("child")
@blp.arguments(VersionListArgs, location="query")
@blp.response(200, VersionPageSchema)
def list_versions(args: dict[str, Any], child_id: str) -> dict[str, Any]:
    """Every saved version of the child's profile, newest first."""
    items, next_before = services.list_versions(
        current_user, child_id, limit=args["limit"], before=args.get("cursor")
    )
    return {"items": items, "next_cursor": None if next_before is None else str(next_before)}


@blp.route("/children/<string:child_id>/profile/versions/<int:version>", methods=["GET"])
@login_required("child")
@blp.response(200, ProfileSchema)
def read_version(child_id: str, version: int) -> Any:
    """The whole profile as it was at ``version``."""
    return _with_etag(services.read_profile(current_user, child_id, version=version, now=utcnow()))
