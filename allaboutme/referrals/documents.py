"""A packet as a printable document: the live view turned into words for the PDF.

Answers are stored as keys ("yes", "3", ["prayer", "fasting"]); the reader needs
the question and the choice as the child saw them, in the reader's language.
"""

from __future__ import annotations

from datetime import datetime

from allaboutme.profiles import catalogue
from allaboutme.providers.models import CAPABILITIES
from allaboutme.referrals import matching
from allaboutme.referrals.packets import PacketView
from allaboutme.referrals.pdf import PacketDocument, PdfAnswer, PdfPicture, PdfSection

_PRINTABLE_TYPES = ("image/png", "image/jpeg")


def _choice_label(question: catalogue.Question, key: object) -> str:
    for choice in question.choices:
        if choice.key == str(key):
            return f"{choice.emoji} {choice.label}" if choice.emoji else str(choice.label)
    return str(key)


def answer_text(question: catalogue.Question, value: object) -> str:
    """One answer as a reader sees it: choices by their label, lists one per line."""
    if question.type in ("choice", "scale") and question.choices:
        return _choice_label(question, value)
    if isinstance(value, list):
        if question.type == "multi_choice":
            return "\n".join(_choice_label(question, item) for item in value)
        return "\n".join(str(item) for item in value)
    return str(value)


def _section(view: PacketView, key: str) -> PdfSection:
    section = catalogue.get_section(key)
    content = view.profile.sections[key]
    answers = [
        PdfAnswer(str(question.label), answer_text(question, content.answers[question.key]))
        for question in section.questions
        if content.answers.get(question.key) not in (None, "", [])
    ]
    pictures = [
        PdfPicture(picture.caption or "", picture.image, picture.content_type)
        for picture in view.pictures
        if picture.section == key and picture.image and picture.content_type in _PRINTABLE_TYPES
    ]
    return PdfSection(key, str(section.title), answers, pictures, content.language)


def need_label(need: str) -> str:
    return str(matching.CAPABILITY_LABELS.get(need, need))


def packet_document(
    view: PacketView, *, recipient_name: str, verification_url: str, now: datetime
) -> PacketDocument:
    """Everything the PDF prints, from what the recipient may see right now."""
    packet, referral = view.packet, view.referral
    return PacketDocument(
        packet_id=packet.id,
        verification_id=packet.verification_id,
        verification_url=verification_url,
        recipient_name=recipient_name,
        generated_at=now,
        expires_at=packet.expires_at,
        child_name=view.child_name or "",
        referral_summary=view.summary,
        lot=referral.lot,
        start_by=referral.start_by,
        needs=[need_label(need) for need in referral.needs if need in CAPABILITIES],
        sections=[_section(view, key) for key in view.profile.sections],
    )
