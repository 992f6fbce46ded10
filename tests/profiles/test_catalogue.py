"""The question catalogue: its sections, its words and how it renders."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from flask_babel import Babel

from allaboutme.i18n import _l
from allaboutme.profiles import catalogue
from allaboutme.profiles.catalogue import Question, age_band, get_section, render_catalogue

LAZY_STRING = type(_l("probe"))
SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
EXPECTED_KEYS = (
    "about_me",
    "people",
    "heritage",
    "likes",
    "worries",
    "support",
    "school",
    "aspirations",
    "new_home",
)
ALL_QUESTIONS = [
    pytest.param(section, question, id=f"{section.key}.{question.key}")
    for section in catalogue.SECTIONS
    for question in section.questions
]


@pytest.fixture(scope="module")
def babel_app() -> Flask:
    """A bare Flask app with Babel: enough for a locale, no database."""
    app = Flask(__name__)
    Babel(app)
    return app


def _readable_words(section):
    yield section.title
    yield section.young_title
    yield section.intro
    yield section.young_intro
    for question in section.questions:
        yield from (question.label, question.help, question.young_label, question.young_help)
        yield from (choice.label for choice in question.choices)


def test_nine_sections_in_the_agreed_order():
    assert catalogue.SECTION_KEYS == EXPECTED_KEYS
    assert tuple(section.key for section in catalogue.SECTIONS) == EXPECTED_KEYS


@pytest.mark.parametrize("section", catalogue.SECTIONS, ids=lambda s: s.key)
def test_each_section_has_four_to_eight_questions_with_unique_snake_case_keys(section):
    keys = [question.key for question in section.questions]
    assert 4 <= len(keys) <= 8
    assert len(set(keys)) == len(keys)
    assert all(SNAKE_CASE.match(key) for key in keys), keys


@pytest.mark.parametrize("section", catalogue.SECTIONS, ids=lambda s: s.key)
def test_every_word_a_person_reads_is_a_lazy_translation(section):
    words = [word for word in _readable_words(section) if word is not None]
    assert words
    for word in words:
        assert isinstance(word, LAZY_STRING), repr(word)
        assert not isinstance(word, str), repr(word)


@pytest.mark.parametrize("section", catalogue.SECTIONS, ids=lambda s: s.key)
def test_every_section_has_young_wording_and_an_emoji(section):
    assert section.young_title is not None
    assert section.young_intro is not None
    assert section.emoji


@pytest.mark.parametrize(("section", "question"), ALL_QUESTIONS)
def test_questions_are_well_formed(section, question):
    assert question.type in {"text", "choice", "multi_choice", "scale", "list"}
    assert len(set(question.choice_keys)) == len(question.choices)
    if question.type == "text":
        assert 0 < question.max_length <= 2000
    if question.type == "list":
        assert 0 < question.max_length <= 200
        assert 0 < question.max_items <= 20
    if question.type in {"choice", "multi_choice"}:
        assert len(question.choices) >= 2
        assert all(SNAKE_CASE.match(key) for key in question.choice_keys)
    if question.type == "scale":
        assert (question.scale_min, question.scale_max) == (1, 5)
        assert question.choice_keys == ("1", "2", "3", "4", "5")
        assert all(choice.emoji for choice in question.choices)


def test_heritage_covers_culture_language_faith_food_hair_and_festivals():
    heritage = get_section("heritage")
    expected = {
        "culture": "text",
        "languages": "list",
        "faith": "choice",
        "beliefs": "text",
        "faith_practice": "multi_choice",
        "food": "text",
        "hair_and_skin": "text",
        "festivals": "list",
    }
    assert {question.key: question.type for question in heritage.questions} == expected
    assert "prefer_not_to_say" in heritage.question("faith").choice_keys
    assert "prefer_not_to_say" in heritage.question("faith_practice").choice_keys


@pytest.mark.parametrize(
    ("section_key", "question_keys"),
    [
        ("people", {"important_people", "pets", "keep_seeing"}),
        ("worries", {"what_worries_me", "feel_safe"}),
        ("support", {"when_worried", "adults_should_not", "hearing_news"}),
        ("school", {"school_name", "favourite_subjects", "help_i_get", "hard_at_school"}),
        ("aspirations", {"hopes_and_dreams", "want_to_be_good_at"}),
        ("new_home", {"should_know", "bring_with_me", "bedtime", "mealtimes"}),
    ],
)
def test_sections_ask_what_the_brief_asks(section_key, question_keys):
    present = {question.key for question in get_section(section_key).questions}
    assert question_keys <= present


def test_get_section_finds_each_section_and_refuses_others():
    for key in EXPECTED_KEYS:
        assert get_section(key).key == key
    with pytest.raises(KeyError):
        get_section("nope")
    with pytest.raises(KeyError):
        get_section("about_me").question("nope")


@pytest.mark.parametrize(
    ("age", "band"),
    [(5, "young"), (6, "young"), (10, "young"), (11, "older"), (14, "older"), (18, "older")],
)
def test_age_band(age, band):
    assert age_band(age) == band


def test_question_defaults_follow_its_type():
    text = Question("a", "text", _l("A"))
    listed = Question("b", "list", _l("B"))
    assert text.max_length == 1000
    assert text.max_items is None
    assert (listed.max_length, listed.max_items) == (200, 20)


@pytest.mark.parametrize(
    "fields",
    [
        {"type": "essay"},
        {"type": "text", "max_length": 2001},
        {"type": "list", "max_length": 201},
        {"type": "list", "max_items": 21},
        {"type": "choice", "choices": ()},
        {"type": "scale", "scale_min": 1, "scale_max": 1},
    ],
    ids=["unknown type", "long text", "long item", "many items", "no choices", "flat scale"],
)
def test_a_question_that_could_not_be_answered_sensibly_is_refused(fields):
    with pytest.raises(ValueError):
        Question("q", label=_l("Q"), **fields)


QUESTION_FIELDS = {"key", "type", "label", "help"}
OPTIONAL_FIELDS = {"choices", "min", "max", "max_length", "max_items"}


def _check_rendered_question(rendered, question):
    assert QUESTION_FIELDS <= rendered.keys() <= QUESTION_FIELDS | OPTIONAL_FIELDS
    assert (rendered["key"], rendered["type"]) == (question.key, question.type)
    assert type(rendered["label"]) is str and rendered["label"]
    assert rendered["help"] is None or type(rendered["help"]) is str
    if question.choices:
        for shown, choice in zip(rendered["choices"], question.choices, strict=True):
            assert shown == {"key": choice.key, "label": str(choice.label), "emoji": choice.emoji}
    else:
        assert "choices" not in rendered
    if question.type == "scale":
        assert (rendered["min"], rendered["max"]) == (question.scale_min, question.scale_max)
    if question.type in {"text", "list"}:
        assert rendered["max_length"] == question.max_length
    assert ("max_items" in rendered) == (question.type == "list")


@pytest.mark.parametrize("band", ["young", "older"])
def test_render_catalogue_has_the_api_shape(babel_app, band):
    with babel_app.test_request_context():
        rendered = render_catalogue(band)
    assert list(rendered) == ["sections"]
    assert [section["key"] for section in rendered["sections"]] == list(EXPECTED_KEYS)
    for shown, section in zip(rendered["sections"], catalogue.SECTIONS, strict=True):
        assert set(shown) == {"key", "title", "intro", "emoji", "questions"}
        assert type(shown["title"]) is str and type(shown["intro"]) is str
        assert [question["key"] for question in shown["questions"]] == [
            question.key for question in section.questions
        ]
        for rendered_question, question in zip(shown["questions"], section.questions, strict=True):
            _check_rendered_question(rendered_question, question)
    json.dumps(rendered)  # plain data only: nothing lazy is left


def test_young_band_gets_young_words_where_there_are_some(babel_app):
    with babel_app.test_request_context():
        young = render_catalogue("young")["sections"]
        older = render_catalogue("older")["sections"]
        about_me = get_section("about_me")
        assert young[0]["title"] == str(about_me.young_title)
        assert older[0]["title"] == str(about_me.title)
        for young_section, older_section, section in zip(
            young, older, catalogue.SECTIONS, strict=True
        ):
            for shown_young, shown_older, question in zip(
                young_section["questions"],
                older_section["questions"],
                section.questions,
                strict=True,
            ):
                assert shown_older["label"] == str(question.label)
                expected = question.young_label or question.label
                assert shown_young["label"] == str(expected)


def test_render_catalogue_refuses_an_unknown_band(babel_app):
    with babel_app.test_request_context(), pytest.raises(ValueError):
        render_catalogue("middle")
