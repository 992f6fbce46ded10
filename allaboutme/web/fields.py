"""Input fields shared by every feature's ``*Args`` schemas.

Text is stripped of surrounding whitespace and length-checked at the edge so
services receive clean values; messages are translatable.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate


class Text(fields.String):
    """A stripped string with a maximum length (and optionally a minimum)."""

    def __init__(self, *, max_length: int, min_length: int = 0, **kwargs: Any) -> None:
        validators = list(kwargs.pop("validate", []) or [])
        validators.append(validate.Length(min=min_length or None, max=max_length))
        super().__init__(validate=validators, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        return text.strip()


class Args(Schema):
    """Base of input schemas: unknown fields are rejected (marshmallow's default)."""


class PageArgs(Args):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = Text(max_length=200, load_default=None, allow_none=True)


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """The list envelope of API.md: ``{"items": [...], "next_cursor": ...}``."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "next_cursor": fields.String(allow_none=True, required=True),
        },
        name=name,
    )
