"""Shapes of the session and account endpoints (API.md "Session and accounts")."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from allaboutme.accounts.models import ORG_KINDS, ROLES
from allaboutme.web.fields import Args, Text


class LoginArgs(Args):
    username = Text(required=True, min_length=1, max_length=64)
    password = fields.String(required=True, validate=validate.Length(min=1, max=128))
    otp = Text(load_default=None, allow_none=True, max_length=12)


class OtpArgs(Args):
    otp = Text(required=True, min_length=1, max_length=12)


class EnrolArgs(Args):
    """A first enrolment needs nothing; someone already enrolled gives a current code."""

    otp = Text(load_default=None, allow_none=True, max_length=12)


class RedeemArgs(Args):
    code = Text(required=True, min_length=1, max_length=32)
    username = Text(required=True, min_length=1, max_length=64)
    password = fields.String(required=True, validate=validate.Length(min=1, max=128))
    locale = Text(load_default=None, allow_none=True, max_length=16)


class SessionUserSchema(Schema):
    id = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    org_id = fields.String(required=True)
    display_name = fields.String(required=True)
    locale = fields.String(required=True)


class SessionSchema(Schema):
    user = fields.Nested(SessionUserSchema, required=True)
    csrf_token = fields.String(required=True)
    mfa = fields.String(required=True, validate=validate.OneOf(["ok", "enrol_required"]))


class EnrolmentSchema(Schema):
    secret = fields.String(required=True)
    otpauth_uri = fields.String(required=True)


class OrganisationSchema(Schema):
    id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(ORG_KINDS))
    name = fields.String(required=True)
