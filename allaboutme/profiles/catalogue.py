"""The "All About Me" question catalogue: sections, questions and choices.

The words live in ``catalogue_content`` as plain data wrapped in ``_l`` so they
are extracted for translation; this module turns them into frozen dataclasses,
checks them once at import, and renders them for a reader's age band. It holds
no state and reads no request: ``render_catalogue`` only needs an active locale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from allaboutme.profiles import catalogue_content

QUESTION_TYPES = ("text", "choice", "multi_choice", "scale", "list")
BANDS = ("young", "older")
YOUNG_AGES = range(6, 11)

TEXT_MAX_LENGTH = 2000
LIST_ITEM_MAX_LENGTH = 200
LIST_MAX_ITEMS = 20
_DEFAULT_MAX_LENGTH = {"text": 1000, "list": LIST_ITEM_MAX_LENGTH}


@dataclass(frozen=True)
class Choice:
    """One thing a child can tap. ``key`` is what is stored; ``label`` is read."""

    key: str
    label: Any
    emoji: str | None = None


@dataclass(frozen=True)
class Question:
    """One question, worded in the child's voice, with its optional young wording.

    ``max_length`` bounds a text answer, or each item of a list; ``max_items``
    bounds a list. A scale's choices, when given, label its points from
    ``scale_min`` to ``scale_max`` and their keys are the points as strings.
    """

    key: str
    type: str
    label: Any
    help: Any = None
    young_label: Any = None
    young_help: Any = None
    choices: tuple[Choice, ...] = ()
    max_length: int | None = None
    max_items: int | None = None
    scale_min: int = 1
    scale_max: int = 5

    def __post_init__(self) -> None:
        if self.type not in QUESTION_TYPES:
            raise ValueError(f"{self.key}: unknown question type {self.type!r}")
        if self.max_length is None and self.type in _DEFAULT_MAX_LENGTH:
            object.__setattr__(self, "max_length", _DEFAULT_MAX_LENGTH[self.type])
        if self.max_items is None and self.type == "list":
            object.__setattr__(self, "max_items", LIST_MAX_ITEMS)
        _check_question(self)

    @property
    def choice_keys(self) -> tuple[str, ...]:
        return tuple(choice.key for choice in self.choices)


@dataclass(frozen=True)
class Section:
    """A page of the profile: a title, a short welcome and its questions."""

    key: str
    title: Any
    young_title: Any
    intro: Any
    young_intro: Any
    emoji: str
    questions: tuple[Question, ...]

    def __post_init__(self) -> None:
        keys = [question.key for question in self.questions]
        if len(set(keys)) != len(keys):
            raise ValueError(f"{self.key}: question keys repeat")

    def question(self, key: str) -> Question:
        """The question called ``key``; ``KeyError`` when there is none."""
        for question in self.questions:
            if question.key == key:
                return question
        raise KeyError(key)


def _check_question(question: Question) -> None:
    """Refuse a catalogue entry that could not be answered or stored sensibly."""
    limits_ok = {
        "text": (question.max_length or 0) <= TEXT_MAX_LENGTH,
        "list": (question.max_length or 0) <= LIST_ITEM_MAX_LENGTH
        and (question.max_items or 0) <= LIST_MAX_ITEMS,
    }
    if not limits_ok.get(question.type, True):
        raise ValueError(f"{question.key}: limits are too generous")
    if question.type in ("choice", "multi_choice") and len(question.choices) < 2:
        raise ValueError(f"{question.key}: needs at least two choices")
    if question.type == "scale":
        points = [str(point) for point in range(question.scale_min, question.scale_max + 1)]
        if len(points) < 2 or (question.choices and list(question.choice_keys) != points):
            raise ValueError(f"{question.key}: scale choices must label each point in order")
    if len(set(question.choice_keys)) != len(question.choices):
        raise ValueError(f"{question.key}: choice keys repeat")


def _build_question(raw: Mapping[str, Any]) -> Question:
    fields = dict(raw)
    fields["choices"] = tuple(Choice(*choice) for choice in fields.get("choices", ()))
    return Question(**fields)


def _build_section(raw: Mapping[str, Any]) -> Section:
    fields = dict(raw)
    fields["questions"] = tuple(_build_question(question) for question in fields["questions"])
    return Section(**fields)


SECTIONS: tuple[Section, ...] = tuple(
    _build_section(section) for section in catalogue_content.SECTIONS
)
SECTION_KEYS: tuple[str, ...] = tuple(section.key for section in SECTIONS)
_BY_KEY: dict[str, Section] = {section.key: section for section in SECTIONS}


def get_section(key: str) -> Section:
    """The section called ``key``; ``KeyError`` for a key the catalogue lacks."""
    return _BY_KEY[key]


def age_band(age: int) -> str:
    """``"young"`` up to 10 (the simpler wording), ``"older"`` from 11."""
    return "young" if age <= max(YOUNG_AGES) else "older"


def _pick(band: str, usual: Any, young: Any) -> str | None:
    chosen = young if band == "young" and young is not None else usual
    return None if chosen is None else str(chosen)


def _render_question(question: Question, band: str) -> dict[str, Any]:
    rendered: dict[str, Any] = {
        "key": question.key,
        "type": question.type,
        "label": _pick(band, question.label, question.young_label),
        "help": _pick(band, question.help, question.young_help),
    }
    if question.choices:
        rendered["choices"] = [
            {"key": choice.key, "label": str(choice.label), "emoji": choice.emoji}
            for choice in question.choices
        ]
    if question.type == "scale":
        rendered["min"] = question.scale_min
        rendered["max"] = question.scale_max
    if question.type in ("text", "list"):
        rendered["max_length"] = question.max_length
    if question.type == "list":
        rendered["max_items"] = question.max_items
    return rendered


def render_catalogue(band: str) -> dict[str, Any]:
    """The whole catalogue in the active locale, worded for ``band``.

    Labels are translated here with ``str()``, so call it inside a request or
    app context whose locale is the reader's. Young wording is used where a
    question or section has it; otherwise everyone reads the same words.
    """
    if band not in BANDS:
        raise ValueError(f"unknown age band {band!r}")
    return {
        "sections": [
            {
                "key": section.key,
                "title": _pick(band, section.title, section.young_title),
                "intro": _pick(band, section.intro, section.young_intro),
                "emoji": section.emoji,
                "questions": [_render_question(question, band) for question in section.questions],
            }
            for section in SECTIONS
        ]
    }


# Easy mode: a picture beside every question helps a child who reads slowly find
# their place. Plain data, not words, so nothing here needs translating.
QUESTION_EMOJI: dict[str, str] = {
    "name": "🏷️", "feeling_today": "😊", "words_about_me": "💬", "right_about_me": "👍",
    "wrong_about_me": "🤔", "proud_of": "🏆",
    "important_people": "❤️", "keep_seeing": "👋", "keep_in_touch": "📞", "pets": "🐾",
    "talk_to": "🗣️",
    "culture": "🎭", "languages": "🔤", "faith": "🕊️", "beliefs": "💭", "faith_practice": "🙏",
    "food": "🍲", "hair_and_skin": "💇", "festivals": "🎉",
    "activities": "⚽", "favourite_things": "💖", "clubs": "🏅", "dislikes": "👎",
    "best_day": "☀️",
    "worry_level": "😟", "what_worries_me": "🌧️", "feel_safe": "🛡️", "safe_things": "🧸",
    "moving_worries": "📦",
    "when_worried": "🤝", "calm_down": "😌", "adults_should_not": "✋", "adults_who_help": "🙋",
    "hearing_news": "📰", "understand_me": "👂",
    "school_name": "🏫", "school_feeling": "🙂", "favourite_subjects": "📚",
    "hard_at_school": "🧩", "help_i_get": "🤲", "help_i_want": "💡",
    "hopes_and_dreams": "🌟", "good_at_now": "💪", "want_to_be_good_at": "🎯",
    "when_older": "🔭", "help_to_get_there": "👣",
    "should_know": "📝", "moving_feeling": "🌤️", "bring_with_me": "🧳", "bedtime": "🛏️",
    "mealtimes": "🍽️", "my_room": "🚪", "first_day": "📅",
}  # fmt: skip


def render_easy_catalogue() -> dict[str, Any]:
    """The catalogue for easy mode: young wording at any age, fewer words, a picture each.

    A child of any age may ask for the simpler pages. Hints are kept only where
    young wording was written for them (the usual hints are what makes a page
    wordy); every question gains an ``emoji``, its section's when it has none.
    """
    rendered = render_catalogue("young")
    for shown, section in zip(rendered["sections"], SECTIONS, strict=True):
        for shown_question, question in zip(shown["questions"], section.questions, strict=True):
            shown_question["help"] = _pick("young", None, question.young_help)
            shown_question["emoji"] = QUESTION_EMOJI.get(question.key, section.emoji)
    return rendered
