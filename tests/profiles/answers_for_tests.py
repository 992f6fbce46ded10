"""Valid answers for any catalogue section, built from the catalogue itself."""

from __future__ import annotations

from allaboutme.profiles import catalogue


def sample_value(question: catalogue.Question, text: str) -> object:
    if question.type == "text":
        return text
    if question.type == "list":
        return [text, "second item"]
    if question.type == "choice":
        return question.choices[0].key
    if question.type == "multi_choice":
        return [choice.key for choice in question.choices[:2]]
    return question.scale_max


def sample_answers(section_key: str, text: str = "I like drawing") -> dict[str, object]:
    section = catalogue.get_section(section_key)
    return {
        question.key: sample_value(question, f"{text} {question.key}")
        for question in section.questions
    }


def first_text_question(section_key: str) -> str:
    section = catalogue.get_section(section_key)
    return next(q.key for q in section.questions if q.type == "text")
