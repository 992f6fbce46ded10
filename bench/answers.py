"""Valid answers for any catalogue section, built from the catalogue itself.

Same rules as ``tests/profiles/answers_for_tests.py``, kept here so the
benchmark does not depend on the test package.
"""

from __future__ import annotations

from allaboutme.profiles import catalogue


def sample_answers(section_key: str, text: str) -> dict[str, object]:
    answers: dict[str, object] = {}
    for question in catalogue.get_section(section_key).questions:
        value: object
        if question.type == "text":
            value = f"{text} {question.key}"
        elif question.type == "list":
            value = [f"{text} {question.key}", "second item"]
        elif question.type == "choice":
            value = question.choices[0].key
        elif question.type == "multi_choice":
            value = [choice.key for choice in question.choices[:2]]
        else:
            value = question.scale_max
        answers[question.key] = value
    return answers


def section_keys() -> tuple[str, ...]:
    return tuple(catalogue.SECTION_KEYS)
