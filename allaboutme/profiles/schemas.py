"""Shapes of the profile and data-rights endpoints (API.md "Profile", "Data rights")."""

from __future__ import annotations

import re

from marshmallow import Schema, fields, validate

from allaboutme.web.fields import Args, Text

LANGUAGE_TAG = validate.Regexp(
    r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", error="Use a language code like en or ar."
)
# Profile versions are 32-bit integer columns: a larger number names no version, and
# PostgreSQL refuses even to compare such a column with one.
MAX_VERSION = 2**31 - 1
# An If-Match version: ASCII digits only, short enough to be a version at all.
VERSION_TAG = re.compile(r"[0-9]{1,10}")
IF_MATCH_HEADER = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "description": 'The profile version last seen, as sent in ETag, such as "3".',
    "schema": {"type": "string", "pattern": r'^(W/)?"?[0-9]{1,10}"?$'},
}


class CatalogueArgs(Args):
    age_band = fields.String(load_default=None, validate=validate.OneOf(["young", "older"]))
    locale = Text(load_default=None, max_length=16)


class SectionArgs(Args):
    answers = fields.Dict(keys=fields.String(), required=True)
    language = fields.String(load_default="en", validate=LANGUAGE_TAG)
    helped = fields.Boolean(load_default=False)


class SafeguardingArgs(Args):
    reason = Text(required=True, min_length=10, max_length=500)


class VersionListArgs(Args):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=MAX_VERSION)
    )


class SectionSchema(Schema):
    answers = fields.Dict(required=True)
    language = fields.String(required=True)
    helped = fields.Boolean(required=True, attribute="has_help")
    updated_at = fields.DateTime(required=True)
    version = fields.Integer(required=True)


class ProfileSchema(Schema):
    version = fields.Integer(required=True)
    sections = fields.Dict(keys=fields.String(), values=fields.Nested(SectionSchema), required=True)


class VersionSummarySchema(Schema):
    version = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    changed = fields.String(required=True)
    action = fields.String(required=True)
    helped = fields.Boolean(required=True, attribute="has_help")
    sections = fields.List(fields.String(), required=True)


class VersionPageSchema(Schema):
    items = fields.List(fields.Nested(VersionSummarySchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class ChoiceSchema(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    emoji = fields.String(allow_none=True)


class QuestionSchema(Schema):
    key = fields.String(required=True)
    type = fields.String(required=True)
    label = fields.String(required=True)
    help = fields.String(allow_none=True)
    choices = fields.List(fields.Nested(ChoiceSchema))
    min = fields.Integer()
    max = fields.Integer()
    max_length = fields.Integer()
    max_items = fields.Integer()


class CatalogueSectionSchema(Schema):
    key = fields.String(required=True)
    title = fields.String(required=True)
    intro = fields.String(allow_none=True)
    emoji = fields.String(allow_none=True)
    questions = fields.List(fields.Nested(QuestionSchema), required=True)


class CatalogueSchema(Schema):
    sections = fields.List(fields.Nested(CatalogueSectionSchema), required=True)
