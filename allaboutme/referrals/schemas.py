"""Shapes of the referral and packet endpoints (API.md "Providers, referrals and packets")."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from allaboutme.providers.models import CAPABILITIES, LOTS
from allaboutme.providers.schemas import ProviderLocationArgs
from allaboutme.referrals.models import DECISIONS, NOTE_MAX_LENGTH, SUMMARY_MAX_LENGTH
from allaboutme.web.fields import Args, Text

_ID = fields.String(validate=validate.Length(min=1, max=64))


class ReferralArgs(Args):
    child_id = Text(required=True, max_length=64, min_length=1)
    lot = fields.String(required=True, validate=validate.OneOf(LOTS))
    needs = fields.List(
        fields.String(validate=validate.OneOf(CAPABILITIES)),
        load_default=list,
        validate=validate.Length(max=len(CAPABILITIES)),
    )
    location = fields.Nested(ProviderLocationArgs, required=True)
    location_kind = fields.String(load_default="home", validate=validate.OneOf(("home", "school")))
    summary = Text(required=True, max_length=SUMMARY_MAX_LENGTH, min_length=1)
    start_by = fields.Date(load_default=None, allow_none=True)


class ProviderIdsArgs(Args):
    provider_ids = fields.List(_ID, required=True, validate=validate.Length(min=1, max=50))


class ResponseArgs(Args):
    decision = fields.String(required=True, validate=validate.OneOf(DECISIONS))
    note = Text(load_default="", max_length=NOTE_MAX_LENGTH)


class LocationSchema(Schema):
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)


class ReferralSchema(Schema):
    id = fields.String(required=True)
    child_id = fields.String(allow_none=True, required=True)
    status = fields.String(required=True)
    lot = fields.String(required=True)
    needs = fields.List(fields.String(), required=True)
    location = fields.Nested(LocationSchema, required=True)
    location_kind = fields.String(required=True)
    summary = fields.String(required=True)
    start_by = fields.Date(allow_none=True, required=True)
    shortlist = fields.List(fields.String(), required=True)
    created_at = fields.DateTime(required=True)
    child_asked_at = fields.DateTime(allow_none=True, required=True)
    child_answered_at = fields.DateTime(allow_none=True, required=True)
    sent_at = fields.DateTime(allow_none=True, required=True)
    closed_at = fields.DateTime(allow_none=True, required=True)


class ReferralListSchema(Schema):
    items = fields.List(fields.Nested(ReferralSchema), required=True)


class MatchProviderSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    ofsted_rating = fields.String(required=True)
    lots = fields.List(fields.String(), required=True)


class ReasonSchema(Schema):
    code = fields.String(required=True)
    text = fields.String(required=True)
    points = fields.Float(required=True)


class MatchSchema(Schema):
    provider = fields.Nested(MatchProviderSchema, required=True)
    score = fields.Float(required=True)
    distance_miles = fields.Float(required=True)
    is_far = fields.Boolean(required=True)
    reasons = fields.List(fields.Nested(ReasonSchema), required=True)


class ExcludedSchema(Schema):
    provider = fields.Nested(MatchProviderSchema, required=True)
    reason = fields.Nested(ReasonSchema, required=True)


class MatchesSchema(Schema):
    items = fields.List(fields.Nested(MatchSchema), required=True)
    excluded = fields.List(fields.Nested(ExcludedSchema), required=True)


class SentPacketSchema(Schema):
    id = fields.String(required=True)
    provider_id = fields.String(required=True)
    sections = fields.List(fields.String(), required=True)
    expires_at = fields.DateTime(required=True)


class SentSchema(Schema):
    packets = fields.List(fields.Nested(SentPacketSchema), required=True)


class PacketSummarySchema(Schema):
    id = fields.String(required=True)
    referral_id = fields.String(required=True)
    provider_id = fields.String(required=True)
    provider_name = fields.String(required=True)
    sections = fields.List(fields.String(), required=True)
    state = fields.String(required=True)
    sent_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)
    decision = fields.String(allow_none=True, required=True)
    note = fields.String(allow_none=True, required=True)
    responded_at = fields.DateTime(allow_none=True, required=True)


class PacketListSchema(Schema):
    items = fields.List(fields.Nested(PacketSummarySchema), required=True)


class PacketReferralSchema(Schema):
    id = fields.String(required=True)
    lot = fields.String(required=True)
    needs = fields.List(fields.String(), required=True)
    summary = fields.String(required=True)
    start_by = fields.Date(allow_none=True, required=True)
    location = fields.Nested(LocationSchema, required=True)


class PacketSectionSchema(Schema):
    answers = fields.Dict(required=True)
    language = fields.String(required=True)
    updated_at = fields.DateTime(required=True)


class PacketPictureSchema(Schema):
    id = fields.String(required=True)
    section = fields.String(required=True)
    caption = fields.String(allow_none=True, required=True)
    url = fields.String(required=True)


class PacketProfileSchema(Schema):
    child_name = fields.String(allow_none=True, required=True)
    sections = fields.Dict(
        keys=fields.String(), values=fields.Nested(PacketSectionSchema), required=True
    )
    pictures = fields.List(fields.Nested(PacketPictureSchema), required=True)


class PacketSchema(Schema):
    id = fields.String(required=True)
    verification_id = fields.String(required=True)
    referral = fields.Nested(PacketReferralSchema, required=True)
    profile = fields.Nested(PacketProfileSchema, required=True)
    sent_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)
    decision = fields.String(allow_none=True, required=True)


class ResponseSchema(Schema):
    id = fields.String(required=True)
    decision = fields.String(required=True)
    responded_at = fields.DateTime(required=True)
