"""Shapes of the children and invitation endpoints (API.md "Children and invitations")."""

from __future__ import annotations

from marshmallow import Schema, fields

from allaboutme.web.fields import Args, PageArgs, Text, page_schema


class ChildArgs(Args):
    preferred_name = Text(required=True, min_length=1, max_length=80)
    date_of_birth = fields.Date(required=True)
    locale = Text(load_default="en", max_length=16)


class ChildListArgs(PageArgs):
    pass


class ChildSchema(Schema):
    id = fields.String(required=True)
    preferred_name = fields.String(required=True)
    date_of_birth = fields.Date(required=True)
    locale = fields.String(required=True)
    has_login = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)


ChildPageSchema = page_schema(ChildSchema, "ChildPage")


class InvitationSchema(Schema):
    code = fields.String(required=True)
    expires_at = fields.DateTime(required=True)
