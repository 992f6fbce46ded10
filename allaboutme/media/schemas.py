"""Shapes of the media endpoints (API.md "Media").

No marshmallow field parses the uploaded file: the view takes it from
``request.files`` as bytes and the services decide whether it is a picture.
``MediaUploadBody`` only documents it, so the OpenAPI document shows the whole body.
"""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from allaboutme.media.services import MAX_CAPTION_LENGTH
from allaboutme.web.fields import Args, PageArgs, Text, page_schema


class MediaUploadArgs(Args):
    """The form fields that travel with the file in the multipart body."""

    section = Text(required=True, max_length=32)
    caption = Text(load_default=None, allow_none=True, max_length=MAX_CAPTION_LENGTH)


class MediaReadArgs(Args):
    size = fields.String(load_default="full", validate=validate.OneOf(["full", "thumb"]))


class MediaListArgs(PageArgs):
    pass


class MediaSchema(Schema):
    id = fields.String(required=True)
    section = fields.String(required=True)
    content_type = fields.String(required=True)
    width = fields.Integer(required=True)
    height = fields.Integer(required=True)
    thumb_width = fields.Integer(required=True)
    thumb_height = fields.Integer(required=True)
    byte_size = fields.Integer(required=True)
    caption = fields.String(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)


MediaPageSchema = page_schema(MediaSchema, "MediaPage")


class MediaUploadBody(MediaUploadArgs):
    """The multipart body as documented: the form fields above plus the file itself."""

    file = Upload(
        required=True,
        metadata={
            "description": "A JPEG, PNG or WebP photo or drawing, at most 10 MB and 24 megapixels."
        },
    )


UPLOAD_BODY_DOC = {
    "required": True,
    "content": {"multipart/form-data": {"schema": MediaUploadBody}},
}

IMAGE_RESPONSE_DOC = {
    "200": {
        "description": "The re-encoded picture, with no EXIF, GPS or other metadata.",
        "content": {
            kind: {"schema": {"type": "string", "format": "binary"}}
            for kind in ("image/jpeg", "image/png")
        },
    }
}
