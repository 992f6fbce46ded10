"""JSON endpoints for the child's photos and drawings (API.md "Media")."""

from __future__ import annotations

import io
from typing import IO, Any

from flask import Response, request
from flask_login import current_user
from flask_smorest import Blueprint

from allaboutme.db import utcnow
from allaboutme.errors import ValidationFailed, field_error
from allaboutme.media import imaging, services
from allaboutme.media.schemas import (
    IMAGE_RESPONSE_DOC,
    UPLOAD_BODY_DOC,
    MediaListArgs,
    MediaPageSchema,
    MediaReadArgs,
    MediaSchema,
    MediaUploadArgs,
)
from allaboutme.web.access import login_required
from allaboutme.web.transactions import transactional

blp = Blueprint(
    "media_api", __name__, url_prefix="/api/v1", description="The child's photos and drawings"
)


def _in_memory(*_args: Any, **_kwargs: Any) -> IO[bytes]:
    return io.BytesIO()


@blp.url_value_preprocessor
def _keep_uploads_off_disk(_endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """Uploaded files stay in memory: the original (GPS and all) must never touch a disk.

    Werkzeug spools a file part over 500 KiB to a temporary file. URL value
    preprocessors run before any ``before_request`` (the CSRF check reads the form),
    and MAX_CONTENT_LENGTH bounds the memory one request can take.
    """
    request._get_file_stream = _in_memory  # type: ignore[method-assign]


def _reader_is_not_the_child() -> bool:
    return current_user.role != "child"


@blp.route("/children/<string:child_id>/media", methods=["POST"])
@login_required("child")
@blp.arguments(MediaUploadArgs, location="form", content_type="multipart/form-data")
@blp.doc(requestBody=UPLOAD_BODY_DOC)
@blp.response(201, MediaSchema)
def upload_media(args: dict[str, Any], child_id: str) -> services.MediaSummary:
    """Add a photo or drawing to a section; only its re-encoded pixels are kept."""
    upload = request.files.get("file")
    if upload is None:
        raise field_error("file", ValidationFailed.title)
    picture = services.clean_upload(upload.read())  # the slow part, before the write lock
    return _store_upload(args, child_id, picture)


@transactional
def _store_upload(
    args: dict[str, Any], child_id: str, picture: imaging.CleanImage
) -> services.MediaSummary:
    return services.upload_media(
        current_user,
        child_id,
        section=args["section"],
        caption=args.get("caption"),
        picture=picture,
        now=utcnow(),
    )


@blp.route("/children/<string:child_id>/media", methods=["GET"])
@login_required("child")
@blp.arguments(MediaListArgs, location="query")
@blp.response(200, MediaPageSchema)
def list_media(args: dict[str, Any], child_id: str) -> dict[str, Any]:
    """The child's pictures, newest first, with their captions."""
    items, next_cursor = services.list_media(
        current_user, child_id, limit=args["limit"], cursor=args.get("cursor")
    )
    return {"items": items, "next_cursor": next_cursor}


@blp.route("/media/<string:media_id>", methods=["GET"])
@login_required()
@blp.arguments(MediaReadArgs, location="query")
@blp.doc(responses=IMAGE_RESPONSE_DOC)
@transactional(take_write_lock=_reader_is_not_the_child)
def read_media(args: dict[str, Any], media_id: str) -> Response:
    """The picture, or with ``?size=thumb`` its thumbnail (the child; who consent allows)."""
    content_type, data = services.read_media(
        current_user, media_id, thumbnail=args["size"] == "thumb", now=utcnow()
    )
    response = Response(data, mimetype=content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Disposition"] = "inline"
    return response


@blp.route("/media/<string:media_id>", methods=["DELETE"])
@login_required("child")
@blp.response(204)
@transactional
def delete_media(media_id: str) -> None:
    """Take a picture away for good."""
    services.delete_media(current_user, media_id, now=utcnow())
