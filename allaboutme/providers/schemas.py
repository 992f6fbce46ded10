"""Shapes of the provider endpoints (API.md "Providers, referrals and packets")."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from allaboutme.i18n import _l
from allaboutme.providers.models import (
    CAPABILITIES,
    LANGUAGE_LENGTH,
    LANGUAGE_PATTERN,
    LOTS,
    MAX_NAME_LENGTH,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    MAX_VACANCIES,
    OFSTED_RATINGS,
    URN_LENGTH,
    URN_PATTERN,
)
from allaboutme.web.fields import Args, PageArgs, Text, page_schema


def _whole(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """marshmallow's Regexp matches a prefix; the whole value must match."""
    return re.compile(rf"(?:{pattern.pattern})\Z", re.IGNORECASE)


_URN = validate.Regexp(
    _whole(URN_PATTERN),
    error=_l("Give the Ofsted URN, such as SC123456 or 1234567."),
)
_LANGUAGE = validate.Regexp(
    _whole(LANGUAGE_PATTERN),
    error=_l("Use a language code such as en, ar or prs."),
)


def _choice(choices: tuple[str, ...]) -> validate.OneOf:
    return validate.OneOf(choices)


def _list_of(field: fields.Field, *, minimum: int = 0, **kwargs: Any) -> fields.List:
    return fields.List(field, validate=validate.Length(min=minimum, max=MAX_TAGS), **kwargs)


class ProviderLocationArgs(Args):
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(required=True, validate=validate.Range(min=-180, max=180))


class ProviderChangeArgs(Args):
    """A partial change (PATCH): only the fields sent are changed."""

    ofsted_urn = Text(max_length=URN_LENGTH, validate=[_URN])
    ofsted_rating = fields.String(validate=_choice(OFSTED_RATINGS))
    lots = _list_of(fields.String(validate=_choice(LOTS)), minimum=1)
    location = fields.Nested(ProviderLocationArgs)
    capabilities = _list_of(fields.String(validate=_choice(CAPABILITIES)))
    languages = _list_of(Text(max_length=LANGUAGE_LENGTH, min_length=2, validate=[_LANGUAGE]))
    faiths = _list_of(Text(max_length=MAX_TAG_LENGTH, min_length=1))
    cultural_competences = _list_of(Text(max_length=MAX_TAG_LENGTH, min_length=1))
    vacancies = fields.Integer(strict=True, validate=validate.Range(min=0, max=MAX_VACANCIES))
    is_on_framework = fields.Boolean()

    @validates_schema
    def _something_to_change(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if not data:
            raise ValidationError(_l("Send at least one field to change."))


class ProviderArgs(ProviderChangeArgs):
    """A new provider (POST): a name, Ofsted, lots and a location are needed."""

    name = Text(required=True, min_length=1, max_length=MAX_NAME_LENGTH)
    ofsted_urn = Text(required=True, max_length=URN_LENGTH, validate=[_URN])
    ofsted_rating = fields.String(required=True, validate=_choice(OFSTED_RATINGS))
    lots = _list_of(fields.String(validate=_choice(LOTS)), minimum=1, required=True)
    location = fields.Nested(ProviderLocationArgs, required=True)
    capabilities = _list_of(fields.String(validate=_choice(CAPABILITIES)), load_default=list)
    languages = _list_of(
        Text(max_length=LANGUAGE_LENGTH, min_length=2, validate=[_LANGUAGE]), load_default=list
    )
    faiths = _list_of(Text(max_length=MAX_TAG_LENGTH, min_length=1), load_default=list)
    cultural_competences = _list_of(
        Text(max_length=MAX_TAG_LENGTH, min_length=1), load_default=list
    )
    vacancies = fields.Integer(
        strict=True, load_default=0, validate=validate.Range(min=0, max=MAX_VACANCIES)
    )
    is_on_framework = fields.Boolean(load_default=True)


class ProviderListArgs(PageArgs):
    lot = fields.String(load_default=None, validate=_choice(LOTS))
    q = Text(load_default=None, max_length=MAX_NAME_LENGTH)


class ProviderLocationSchema(Schema):
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)


class ProviderSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    ofsted_urn = fields.String(required=True)
    ofsted_rating = fields.String(required=True)
    lots = fields.List(fields.String(), required=True)
    location = fields.Nested(ProviderLocationSchema, required=True)
    capabilities = fields.List(fields.String(), required=True)
    languages = fields.List(fields.String(), required=True)
    faiths = fields.List(fields.String(), required=True)
    cultural_competences = fields.List(fields.String(), required=True)
    vacancies = fields.Integer(required=True)
    vacancies_updated_at = fields.DateTime(required=True)
    is_on_framework = fields.Boolean(required=True)
    updated_at = fields.DateTime(required=True)


ProviderPageSchema = page_schema(ProviderSchema, "ProviderPage")
