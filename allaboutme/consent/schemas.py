"""Shapes of the consent and access-log endpoints (API.md "Consent")."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from allaboutme.consent.policy import AUDIENCE_KINDS, PURPOSES
from allaboutme.i18n import _l
from allaboutme.web.fields import Args, Text

# A page of the access log starts before an event's sequence number, a 32-bit integer
# column: PostgreSQL refuses even to compare one with a larger number.
MAX_SEQUENCE = 2**31 - 1
PAGE_GONE = _l("That page is no longer available. Start from the first.")


def _within_sequence_range(value: str) -> None:
    """Digits (the pattern says which) no larger than a sequence number can be."""
    if value.isascii() and value.isdigit() and int(value) > MAX_SEQUENCE:
        raise ValidationError(str(PAGE_GONE))


class AudienceArgs(Args):
    kind = fields.String(required=True, validate=validate.OneOf(AUDIENCE_KINDS))
    org_id = Text(load_default=None, allow_none=True, max_length=64)


class ConsentArgs(Args):
    audience = fields.Nested(AudienceArgs, required=True)
    sections = fields.List(
        fields.String(validate=validate.Length(max=32)),
        required=True,
        validate=validate.Length(max=20),
    )
    purpose = fields.String(load_default="support", validate=validate.OneOf(PURPOSES))
    expires_at = fields.AwareDateTime(load_default=None, allow_none=True)
    helped = fields.Boolean(load_default=False)


class AudienceSchema(Schema):
    kind = fields.String(required=True)
    org_id = fields.String(allow_none=True)
    name = fields.String(allow_none=True)


class ReceiptSchema(Schema):
    text = fields.String(required=True)
    record = fields.Dict(required=True)


class GrantSchema(Schema):
    id = fields.String(required=True)
    audience = fields.Nested(AudienceSchema, required=True)
    sections = fields.List(fields.String(), required=True)
    purpose = fields.String(required=True)
    granted_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(allow_none=True, required=True)
    revoked_at = fields.DateTime(allow_none=True, required=True)
    state = fields.String(required=True)
    helped = fields.Boolean(required=True)
    receipt = fields.Nested(ReceiptSchema, required=True)


class GrantPageSchema(Schema):
    items = fields.List(fields.Nested(GrantSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class ViewerSchema(Schema):
    display_name = fields.String(required=True)
    role = fields.String(required=True)
    org_name = fields.String(allow_none=True, required=True)


class AccessSchema(Schema):
    at = fields.DateTime(required=True)
    viewer = fields.Nested(ViewerSchema, required=True)
    action = fields.String(required=True)
    sections = fields.List(fields.String(), required=True)
    is_safeguarding = fields.Boolean(required=True)
    reason = fields.String(allow_none=True)


class AccessLogArgs(Args):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = Text(
        load_default=None,
        allow_none=True,
        max_length=10,
        validate=[validate.Regexp(r"^[0-9]+$", error=PAGE_GONE), _within_sequence_range],
    )


class AccessPageSchema(Schema):
    items = fields.List(fields.Nested(AccessSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)
