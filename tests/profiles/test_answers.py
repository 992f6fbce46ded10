"""Checking a child's answers against the catalogue."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import Babel
from hypothesis import given, settings
from hypothesis import strategies as st

from allaboutme.errors import NotFound, ValidationFailed
from allaboutme.profiles import catalogue
from allaboutme.profiles.answers import clean_answers

APP = Flask(__name__)
Babel(APP)


@pytest.fixture(autouse=True)
def app_context():
    """Messages are translated, so they need an app whose locale is known."""
    with APP.app_context():
        yield


GOOD = [
    ("about_me", {}, {}),
    ("about_me", {"name": "  Sam  "}, {"name": "Sam"}),
    ("about_me", {"name": "   ", "words_about_me": [], "feeling_today": None}, {}),
    (
        "about_me",
        {"proud_of": "Line one\r\nLine two\rthree\tfour"},
        {"proud_of": "Line one\nLine two\nthree\tfour"},
    ),
    ("about_me", {"name": "أمل 🌟"}, {"name": "أمل 🌟"}),
    ("about_me", {"name": "x" * 100}, {"name": "x" * 100}),
    ("about_me", {"feeling_today": 1}, {"feeling_today": 1}),
    ("about_me", {"feeling_today": 5}, {"feeling_today": 5}),
    (
        "about_me",
        {"words_about_me": [" kind ", "", "  ", "funny"]},
        {"words_about_me": ["kind", "funny"]},
    ),
    ("about_me", {"words_about_me": ["", " "]}, {}),
    ("about_me", {"words_about_me": ["w"] * 10}, {"words_about_me": ["w"] * 10}),
    ("about_me", {"words_about_me": ["w"] * 10 + [""] * 5}, {"words_about_me": ["w"] * 10}),
    ("people", {"keep_in_touch": ["video", "phone"]}, {"keep_in_touch": ["phone", "video"]}),
    ("people", {"keep_in_touch": []}, {}),
    ("heritage", {"faith": " prefer_not_to_say "}, {"faith": "prefer_not_to_say"}),
    ("heritage", {"faith": ""}, {}),
    ("heritage", {"languages": ["Tigrinya", "English"]}, {"languages": ["Tigrinya", "English"]}),
    ("new_home", {"should_know": "y" * 2000}, {"should_know": "y" * 2000}),
]


@pytest.mark.parametrize(("section_key", "answers", "expected"), GOOD)
def test_good_answers_come_back_cleaned(section_key, answers, expected):
    cleaned = clean_answers(section_key, answers)
    assert cleaned == expected
    assert clean_answers(section_key, cleaned) == cleaned


def test_cleaned_answers_follow_the_catalogue_order():
    answers = {"proud_of": "My drawing", "name": "Sam", "feeling_today": 4}
    assert list(clean_answers("about_me", answers)) == ["name", "feeling_today", "proud_of"]


BAD = [
    ("about_me", {"favourite_colour": "blue"}, "favourite_colour"),
    ("about_me", {"name": 7}, "name"),
    ("about_me", {"name": ["Sam"]}, "name"),
    ("about_me", {"name": {"first": "Sam"}}, "name"),
    ("about_me", {"name": "x" * 101}, "name"),
    ("new_home", {"should_know": "y" * 2001}, "should_know"),
    ("about_me", {"name": "Sam\x00"}, "name"),
    ("about_me", {"name": "Sam\x1b[31m"}, "name"),
    ("about_me", {"name": "Sam\x7f"}, "name"),
    ("about_me", {"name": "Sam\x85"}, "name"),
    ("about_me", {"name": "Sam\x0b"}, "name"),
    ("about_me", {"name": "Sam\ud800"}, "name"),
    ("heritage", {"faith": "maybe"}, "faith"),
    ("heritage", {"faith": 1}, "faith"),
    ("heritage", {"faith": ["yes"]}, "faith"),
    ("people", {"keep_in_touch": "phone"}, "keep_in_touch"),
    ("people", {"keep_in_touch": ["phone", "phone"]}, "keep_in_touch"),
    ("people", {"keep_in_touch": ["phone", "pigeon"]}, "keep_in_touch"),
    ("people", {"keep_in_touch": ["phone", 3]}, "keep_in_touch"),
    ("people", {"keep_in_touch": [""]}, "keep_in_touch"),
    ("about_me", {"feeling_today": True}, "feeling_today"),
    ("about_me", {"feeling_today": 0}, "feeling_today"),
    ("about_me", {"feeling_today": 6}, "feeling_today"),
    ("about_me", {"feeling_today": 3.0}, "feeling_today"),
    ("about_me", {"feeling_today": "3"}, "feeling_today"),
    ("about_me", {"words_about_me": "kind"}, "words_about_me"),
    ("about_me", {"words_about_me": ["kind", 3]}, "words_about_me"),
    ("about_me", {"words_about_me": ["kind", None]}, "words_about_me"),
    ("about_me", {"words_about_me": ["k" * 51]}, "words_about_me"),
    ("about_me", {"words_about_me": ["w"] * 11}, "words_about_me"),
    ("about_me", {"words_about_me": ["kind\x07"]}, "words_about_me"),
    ("people", {"pets": ["p"] * 21}, "pets"),
    ("people", {"pets": ["p" * 201]}, "pets"),
]


@pytest.mark.parametrize(("section_key", "answers", "field"), BAD)
def test_bad_answers_are_refused_naming_the_question(section_key, answers, field):
    with pytest.raises(ValidationFailed) as caught:
        clean_answers(section_key, answers)
    assert caught.value.status == 422
    assert list(caught.value.errors) == [field]
    messages = caught.value.errors[field]
    assert messages
    assert all(type(message) is str and message for message in messages)


@pytest.mark.parametrize("answers", [None, [], "name=Sam", 3, [("name", "Sam")]])
def test_answers_must_be_an_object(answers):
    with pytest.raises(ValidationFailed) as caught:
        clean_answers("about_me", answers)
    assert list(caught.value.errors) == ["answers"]


def test_every_problem_is_reported_at_once():
    answers = {"name": 7, "feeling_today": 9, "nickname": "Sammy", "proud_of": "ok"}
    with pytest.raises(ValidationFailed) as caught:
        clean_answers("about_me", answers)
    assert set(caught.value.errors) == {"name", "feeling_today", "nickname"}


def test_an_unknown_section_is_not_found():
    with pytest.raises(NotFound) as caught:
        clean_answers("secrets", {})
    assert caught.value.status == 404


def test_messages_say_what_the_limit_is():
    with pytest.raises(ValidationFailed) as caught:
        clean_answers("about_me", {"name": "x" * 101, "feeling_today": 6})
    assert "100" in caught.value.errors["name"][0]
    assert "1" in caught.value.errors["feeling_today"][0]
    assert "5" in caught.value.errors["feeling_today"][0]


# Property tests: answers built from the catalogue's own questions.

WRITABLE = st.characters(exclude_categories=("Cc", "Cs"), include_characters="\n\t\r")


def _writing(max_size: int) -> st.SearchStrategy[str]:
    return st.text(WRITABLE, max_size=max_size)


def _answer(question: catalogue.Question) -> st.SearchStrategy[object]:
    keys = question.choice_keys
    by_type = {
        "text": lambda: _writing(question.max_length),
        "choice": lambda: st.sampled_from(keys) | st.just(""),
        "multi_choice": lambda: st.lists(st.sampled_from(keys), unique=True),
        "scale": lambda: st.integers(question.scale_min, question.scale_max),
        "list": lambda: st.lists(_writing(question.max_length), max_size=question.max_items),
    }
    return st.none() | by_type[question.type]()


def _section_answers(section: catalogue.Section) -> st.SearchStrategy[tuple[str, dict]]:
    optional = {question.key: _answer(question) for question in section.questions}
    return st.tuples(st.just(section.key), st.fixed_dictionaries({}, optional=optional))


ANY_SECTION_ANSWERS = st.sampled_from(catalogue.SECTIONS).flatmap(_section_answers)


@settings(max_examples=300, deadline=None)
@given(ANY_SECTION_ANSWERS)
def test_any_answers_the_catalogue_allows_are_accepted(section_and_answers):
    section_key, answers = section_and_answers
    cleaned = clean_answers(section_key, answers)
    assert set(cleaned) <= set(answers)
    assert all(value not in ("", [], None) for value in cleaned.values())
    assert clean_answers(section_key, cleaned) == cleaned


@settings(max_examples=200, deadline=None)
@given(ANY_SECTION_ANSWERS, st.text(min_size=1, max_size=40), st.text(max_size=20))
def test_any_answers_with_an_unknown_question_are_refused(section_and_answers, extra, value):
    section_key, answers = section_and_answers
    known = {question.key for question in catalogue.get_section(section_key).questions}
    extra = extra if extra not in known else extra + "_unknown"
    with pytest.raises(ValidationFailed) as caught:
        clean_answers(section_key, {**answers, extra: value})
    assert extra in caught.value.errors
