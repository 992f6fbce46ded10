"""Checking a child's answers to one section against the question catalogue.

Pure: no database, no request. ``clean_answers`` either returns the answers
tidied up (strings stripped, line endings made ``\\n``, blanks dropped, the
catalogue's question order) or raises ``ValidationFailed`` naming every question
that needs changing, with a friendly message the child's app can show.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from allaboutme.errors import NotFound, ValidationFailed
from allaboutme.i18n import _
from allaboutme.profiles.catalogue import Question, Section, get_section

# C0 and C1 control characters except tab and newline, and lone surrogates,
# which cannot be encoded as UTF-8 and so could never be stored.
_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_ENDINGS = re.compile(r"\r\n?")


class _Invalid(Exception):
    """One answer's problem, carried back to ``clean_answers`` to be collected."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _clean_string(value: str, limit: int | None, too_long: Callable[[], str]) -> str:
    """The text cleaned; ``too_long`` words the refusal (translated only when needed)."""
    text = _LINE_ENDINGS.sub("\n", value)
    if _FORBIDDEN.search(text):
        raise _Invalid(_("This has a hidden character we can't save. Please type it again."))
    text = text.strip()
    if limit is not None and len(text) > limit:
        raise _Invalid(too_long())
    return text


def _clean_text(question: Question, value: object) -> str:
    if not isinstance(value, str):
        raise _Invalid(_("Please write your answer as words."))
    limit = question.max_length
    return _clean_string(
        value,
        limit,
        lambda: _("Please keep this to %(limit)s characters or fewer.", limit=limit),
    )


def _clean_choice(question: Question, value: object) -> str:
    key = value.strip() if isinstance(value, str) else None
    if key == "":
        return key
    if key not in question.choice_keys:
        raise _Invalid(_("Please pick one of the choices."))
    return key


def _clean_multi_choice(question: Question, value: object) -> list[str]:
    if not isinstance(value, list):
        raise _Invalid(_("Please pick from the choices."))
    keys = [item.strip() if isinstance(item, str) else None for item in value]
    if any(key not in question.choice_keys for key in keys):
        raise _Invalid(_("Please pick from the choices."))
    if len(set(keys)) != len(keys):
        raise _Invalid(_("Please pick each choice only once."))
    return [key for key in question.choice_keys if key in keys]


def _clean_scale(question: Question, value: object) -> int:
    low, high = question.scale_min, question.scale_max
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _Invalid(_("Please pick a number from %(low)s to %(high)s.", low=low, high=high))
    return value


def _clean_list(question: Question, value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _Invalid(_("Please write each answer as words, one in each box."))
    limit = question.max_length

    def too_long() -> str:
        return _("Please keep each answer to %(limit)s characters or fewer.", limit=limit)

    items = [_clean_string(item, limit, too_long) for item in value]
    items = [item for item in items if item]
    if question.max_items is not None and len(items) > question.max_items:
        raise _Invalid(_("Please give %(limit)s answers or fewer.", limit=question.max_items))
    return items


_CLEANERS: dict[str, Callable[[Question, object], Any]] = {
    "text": _clean_text,
    "choice": _clean_choice,
    "multi_choice": _clean_multi_choice,
    "scale": _clean_scale,
    "list": _clean_list,
}


def _known_section(section_key: str) -> Section:
    try:
        return get_section(section_key)
    except KeyError:
        raise NotFound() from None


def clean_answers(section_key: str, answers: object) -> dict[str, object]:
    """The answers to one section, checked and tidied, ready to be stored.

    Unanswered questions (``None``, blank text, empty lists) are left out, so
    clearing an answer removes it. Every problem is reported at once, keyed by
    question, so the child can fix them all in one go. An unknown section is a
    ``NotFound``; anything else wrong is a ``ValidationFailed`` (422).
    """
    section = _known_section(section_key)
    if not isinstance(answers, dict):
        raise ValidationFailed({"answers": [_("Please send answers as question and answer.")]})
    known = {question.key for question in section.questions}
    errors: dict[str, list[Any]] = {
        str(key): [_("There is no question like this here.")] for key in answers if key not in known
    }
    cleaned: dict[str, object] = {}
    for question in section.questions:
        value = answers.get(question.key)
        if value is None:
            continue
        try:
            value = _CLEANERS[question.type](question, value)
        except _Invalid as problem:
            errors[question.key] = [problem.message]
            continue
        if value != "" and value != []:
            cleaned[question.key] = value
    if errors:
        raise ValidationFailed(errors)
    return cleaned
