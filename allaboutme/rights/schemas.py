"""Shape of the data-rights export (API.md "Data rights")."""

from __future__ import annotations

from marshmallow import Schema, fields


class ExportSchema(Schema):
    """Everything held about the child; free-form inside each part."""

    exported_at = fields.String(required=True)
    child = fields.Dict(required=True)
    login = fields.Dict(allow_none=True)
    social_workers = fields.List(fields.Dict(), required=True)
    profile_versions = fields.List(fields.Dict(), required=True)
    pictures = fields.List(fields.Dict(), required=True)
    consents = fields.List(fields.Dict(), required=True)
