"""HTML form input through the same marshmallow ``*Args`` schemas as the API."""

from __future__ import annotations

from typing import Any

from flask import request
from marshmallow import Schema
from marshmallow import ValidationError as SchemaError

from allaboutme.errors import ValidationFailed
from allaboutme.i18n import _

_NOT_FIELDS = {"csrf_token"}


def load_body(schema: Schema, body: dict[str, Any]) -> dict[str, Any]:
    """A form already reshaped like the API's body (lists, nested objects), validated."""
    try:
        return schema.load(body)
    except SchemaError as error:
        raise ValidationFailed(_as_field_messages(error.messages)) from None


def form_location() -> dict[str, float]:
    """The form's ``lat`` and ``lon`` as the API's ``location`` object."""
    try:
        return {
            "lat": float(request.form.get("lat", "")),
            "lon": float(request.form.get("lon", "")),
        }
    except ValueError:
        raise ValidationFailed({"location": [_("Give the latitude and longitude.")]}) from None


def load_form(schema: Schema) -> dict[str, Any]:
    """The submitted form validated by ``schema``; empty optional fields are dropped."""
    raw = {
        key: value
        for key, value in request.form.items()
        if key not in _NOT_FIELDS and not (value == "" and key not in required_fields(schema))
    }
    try:
        return schema.load(raw)
    except SchemaError as error:
        raise ValidationFailed(_as_field_messages(error.messages)) from None


def _as_field_messages(messages: Any) -> dict[str, list[Any]]:
    if isinstance(messages, dict):
        return {
            str(key): value if isinstance(value, list) else [value]
            for key, value in messages.items()
        }
    return {"_schema": list(messages)}


def required_fields(schema: Schema) -> set[str]:
    return {name for name, field in schema.fields.items() if field.required}
