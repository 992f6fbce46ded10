"""A section's HTML form, both ways: submitted fields to answers, answers to fields.

The page names each question's field ``q.<question key>``. Parsing follows the
catalogue's question types so the answers have the same shape the JSON API
takes (text and choices as strings, lists and multiple choices as lists, a
scale as a whole number); ``services.write_section`` checks them against the
catalogue, so nothing here judges lengths or whether a choice exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from marshmallow import ValidationError as SchemaError

from allaboutme.errors import AppError, ValidationFailed
from allaboutme.i18n import _, _l
from allaboutme.profiles.catalogue import Question, Section
from allaboutme.profiles.schemas import LANGUAGE_TAG

FIELD_PREFIX = "q."
MULTI_VALUED = frozenset({"multi_choice"})


class FormData(Protocol):
    """What a submitted form offers (werkzeug's ``MultiDict`` does)."""

    def get(self, key: str, default: Any = None) -> Any: ...

    def getlist(self, key: str) -> list[Any]: ...


@dataclass(frozen=True)
class SectionForm:
    """A submitted section: its answers and what to save them with."""

    answers: dict[str, object]
    language: str
    has_help: bool
    expected_version: int


def field_name(question: Question) -> str:
    return FIELD_PREFIX + question.key


def _as_answer(question: Question, form: FormData) -> object:
    """One question's answer from the form, ``None`` when left empty."""
    name = field_name(question)
    if question.type in MULTI_VALUED:
        return [value for value in form.getlist(name) if value] or None
    raw = str(form.get(name, "") or "")
    if question.type == "list":
        return [line for line in raw.splitlines() if line.strip()] or None
    if question.type == "scale":
        return _as_point(raw)
    return raw if raw.strip() else None


def _as_point(raw: str) -> object:
    """A scale point as a whole number; anything else is passed on to be refused."""
    text = raw.strip()
    if not text:
        return None
    return int(text) if text.lstrip("-").isdigit() else text


def parse_answers(section: Section, form: FormData) -> dict[str, object]:
    """The answers given on the form, unanswered questions left out."""
    answers = {}
    for question in section.questions:
        value = _as_answer(question, form)
        if value is not None:
            answers[question.key] = value
    return answers


def _version(form: FormData) -> int:
    raw = str(form.get("version", "") or "").strip()
    if not raw.isdigit():
        raise ValidationFailed({"version": [_("Please reload the page and try again.")]})
    return int(raw)


def _language(form: FormData, default: str) -> str:
    language = str(form.get("language", "") or "").strip() or default
    try:
        LANGUAGE_TAG(language)
    except SchemaError:
        raise ValidationFailed({"language": [_("Please pick a language.")]}) from None
    return language


def parse_section_form(section: Section, form: FormData, *, default_language: str) -> SectionForm:
    """The submitted section, ready for ``services.write_section``."""
    return SectionForm(
        answers=parse_answers(section, form),
        language=_language(form, default_language),
        has_help=has_help(form),
        expected_version=_version(form),
    )


def has_help(form: FormData) -> bool:
    """Whether "Someone helped me write this" was ticked."""
    return form.get("helped") in ("1", "on", "true")


def field_values(section: Section, answers: Mapping[str, object]) -> dict[str, object]:
    """Saved answers as the form shows them (a list as lines, a scale point as text)."""
    values: dict[str, object] = {}
    for question in section.questions:
        value = answers.get(question.key)
        if value is None:
            continue
        if question.type == "list" and isinstance(value, list):
            values[question.key] = "\n".join(str(item) for item in value)
        elif question.type in MULTI_VALUED and isinstance(value, list):
            values[question.key] = [str(item) for item in value]
        else:
            values[question.key] = str(value)
    return values


def submitted_values(section: Section, form: FormData) -> dict[str, object]:
    """What the child typed or picked, exactly, to show the form again."""
    values: dict[str, object] = {}
    for question in section.questions:
        name = field_name(question)
        if question.type in MULTI_VALUED:
            values[question.key] = form.getlist(name)
        else:
            values[question.key] = str(form.get(name, "") or "")
    return values


def is_answered(value: object) -> bool:
    return value not in (None, "", [])


def answered_count(section: Section, answers: Mapping[str, object]) -> int:
    """How many of the section's questions have an answer."""
    return sum(1 for question in section.questions if is_answered(answers.get(question.key)))


# -- a picture added with the plain form (no JavaScript) ----------------------------

# What a child reads when a picture is refused, by the error's stable code; the page
# hands the same words to pictures.js and drawing.js, so both ways say the same.
_TOO_BIG = _l("That picture is too big. Please try a smaller one.")
_NOT_A_PICTURE = _l("That file is not a picture we can use. Please try a photo or a drawing.")
PICTURE_MESSAGES: dict[str, Any] = {
    "too_large": _TOO_BIG,
    "image_too_large": _TOO_BIG,
    "image_too_many_pixels": _TOO_BIG,
    "unsupported_media_type": _NOT_A_PICTURE,
    "image_type_not_accepted": _NOT_A_PICTURE,
    "image_empty": _l("Please choose a picture first."),
    "image_unreadable": _l("We could not open that picture. Please try another one."),
    "failed": _l("Not added yet. Please try again."),
}


@dataclass(frozen=True)
class PictureForm:
    """A submitted picture: its bytes (empty when none was chosen) and the caption typed."""

    data: bytes
    caption: str


def parse_picture_form(files: FormData, form: FormData) -> PictureForm:
    """The first file chosen (the page offers "take a photo" and "choose one") and the caption.

    The caption is returned as typed, so the page can show it again if the
    picture is refused; ``media.services`` strips and checks it.
    """
    chosen = next((upload for upload in files.getlist("file") if upload.filename), None)
    return PictureForm(
        data=chosen.read() if chosen is not None else b"",
        caption=str(form.get("caption", "") or ""),
    )


def picture_messages() -> dict[str, str]:
    """Every picture message in the reader's language, by code."""
    return {code: str(message) for code, message in PICTURE_MESSAGES.items()}


def picture_errors(error: AppError) -> dict[str, list[str]]:
    """A refused picture as messages for the form's fields (``file`` or ``caption``)."""
    if isinstance(error, ValidationFailed) and "caption" in error.errors:
        return {"caption": [str(message) for message in error.errors["caption"]]}
    message = PICTURE_MESSAGES.get(error.code, PICTURE_MESSAGES["failed"])
    return {"file": [str(message)]}
