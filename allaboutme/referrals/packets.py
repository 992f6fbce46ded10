"""Packets from the provider's side: the inbox, the live view, the PDF and the answer.

A packet shows, on every request, the sections the child still shares with the
provider, through the consent gate in ``profiles``; nothing is cached. It stops
opening (410) once it expires, the referral closes, or the child withdraws every
section it carried. Only members of the recipient organisation can reach it;
anyone else is told it does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select

from allaboutme import db, encryption
from allaboutme.accounts.models import Organisation, User
from allaboutme.audit import services as audit
from allaboutme.children.models import Child
from allaboutme.consent import services as consent
from allaboutme.errors import Gone, NotFound, ValidationFailed, field_error
from allaboutme.i18n import _
from allaboutme.media import services as media
from allaboutme.profiles import services as profiles
from allaboutme.profiles import sharing
from allaboutme.referrals import sending
from allaboutme.referrals import services as referrals
from allaboutme.referrals.models import DECISIONS, NOTE_MAX_LENGTH, Packet, Referral


@dataclass(frozen=True)
class PacketView:
    """What the recipient sees now: the live sections, never the stored snapshot."""

    packet: Packet
    referral: Referral
    summary: str
    child_name: str | None
    profile: profiles.ProfileView
    pictures: list[media.Picture]


@dataclass(frozen=True)
class PacketSummary:
    packet: Packet
    referral: Referral
    provider_name: str
    state: str
    note: str | None


def recipient_packet(actor: User, packet_id: str) -> Packet:
    """The packet, only for staff of the organisation it was sent to."""
    packet = db.session().get(Packet, packet_id)
    if packet is None or actor.role != "provider" or packet.provider_id != actor.org_id:
        raise NotFound()
    return packet


def state_of(packet: Packet, referral: Referral, now: datetime) -> str:
    """``closed``, ``expired`` or ``live`` (withdrawal is found by asking the gate)."""
    if referral.status == "closed":
        return "closed"
    if now >= packet.expires_at:
        return "expired"
    return "live"


# Built once: the packet, its referral and its child in one statement, as every
# request a provider makes about a packet starts with all three.
_PACKET_CASE = (
    select(Packet, Referral, Child)
    .join(Referral, Referral.id == Packet.referral_id)
    .outerjoin(Child, Child.id == Packet.child_ref)
    .where(Packet.id == bindparam("packet_id"))
)


def live_packet(actor: User, packet_id: str, now: datetime) -> tuple[Packet, Referral, Child]:
    """The recipient's packet with its referral and child, only while it is live (else 410)."""
    if actor.role != "provider":
        raise NotFound()
    found = db.session().execute(_PACKET_CASE, {"packet_id": packet_id}).first()
    if found is None or found.Packet.provider_id != actor.org_id:
        raise NotFound()
    packet, referral, child = found
    state = state_of(packet, referral, now)
    if state != "live":
        raise Gone(_("This referral is no longer open."), code=f"packet_{state}")
    if child is None:
        raise Gone(_("This referral is no longer open."), code="packet_withdrawn")
    return packet, referral, child


def still_shared(packet: Packet, child: Child, now: datetime) -> bool:
    """Whether the child still shares any of the packet's sections with its recipient."""
    return bool(set(sending.shared_with(child, packet.provider_id, now=now)) & set(packet.sections))


def shared_packet(actor: User, packet_id: str, now: datetime) -> tuple[Packet, Referral, Child]:
    """The recipient's packet, only while it is live and the child still shares it (else 410)."""
    packet, referral, child = live_packet(actor, packet_id, now)
    if not still_shared(packet, child, now):
        raise _withdrawn()
    return packet, referral, child


def _withdrawn() -> Gone:
    return Gone(
        _("The young person has stopped sharing their profile with you."),
        code="packet_withdrawn",
    )


def open_packet(
    actor: User, packet_id: str, *, now: datetime, action: str = "packet.view"
) -> PacketView:
    """The packet as its recipient may see it now; audited as ``action`` (view or PDF)."""
    packet, referral, child = live_packet(actor, packet_id, now)
    view = sharing.read_sections(
        actor,
        child,
        frozenset(packet.sections),
        now=now,
        purpose=referrals.PLACEMENT,
        audit_as=sharing.AuditAs(action, "packet", packet.id),
    )
    if not view.sections:
        raise _withdrawn()
    shown = consent.policy.Decision(child.id, frozenset(view.sections))
    pictures = media.pictures_in_sections(child, shown, with_images=action == "packet.pdf")
    about = view.sections.get("about_me")
    name = about.answers.get("name") if about else None
    return PacketView(
        packet=packet,
        referral=referral,
        summary=referrals.get_summary(referral),
        child_name=str(name) if name else None,
        profile=view,
        pictures=pictures,
    )


def list_packets(actor: User, *, now: datetime) -> list[PacketSummary]:
    """The caller's organisation's packets, newest first, with their state (no content)."""
    if actor.role != "provider":
        return []
    rows = db.session().execute(
        select(Packet, Referral)
        .join(Referral, Referral.id == Packet.referral_id)
        .where(Packet.provider_id == actor.org_id)
        .order_by(Packet.sent_at.desc(), Packet.id)
    )
    name = _organisation_name(actor.org_id)
    return [
        PacketSummary(packet, referral, name, state_of(packet, referral, now), None)
        for packet, referral in rows
    ]


def _organisation_name(org_id: str) -> str:
    organisation = db.session().get(Organisation, org_id)
    return organisation.name if organisation else ""


def _clean_note(note: str | None) -> str:
    cleaned = (note or "").strip()
    if len(cleaned) > NOTE_MAX_LENGTH:
        raise field_error("note", _("Write up to %(count)d characters.", count=NOTE_MAX_LENGTH))
    return cleaned


def respond_to_packet(
    actor: User, packet_id: str, *, decision: str, note: str | None, now: datetime
) -> Packet:
    """The provider answers: interested or declined, with a note for the social worker.

    An answer can be changed while the packet is live; each is audited and shown
    in the child's "who has looked" list.
    """
    packet, referral, child = shared_packet(actor, packet_id, now)
    if decision not in DECISIONS:
        raise ValidationFailed({"decision": [_("Choose interested or declined.")]})
    cleaned = _clean_note(note)
    packet.response_version += 1
    packet.response_decision = decision
    packet.response_note = encryption.seal(
        cleaned.encode(),
        referrals.case_context(packet, child.id, "response_note", packet.response_version),
    )
    packet.responded_at = now
    packet.responded_by_id = actor.id
    if referral.status == "sent":
        referral.status = "responses"
    db.session().flush()
    audit.record(
        actor=actor,
        action="packet.response",
        chain=packet.authority_id,
        now=now,
        reason=decision,
        subject=audit.Subject(child_id=child.id, object_type="packet", object_id=packet.id),
    )
    return packet


def response_note(packet: Packet) -> str | None:
    """The provider's note, for the worker (a case record, not the child's content)."""
    if packet.response_note is None:
        return None
    context = referrals.case_context(
        packet, packet.child_ref, "response_note", packet.response_version
    )
    return encryption.open(packet.response_note, context).decode()


def packets_of_referral(actor: User, referral_id: str, *, now: datetime) -> list[PacketSummary]:
    """Every packet of a referral with the provider's answer, for the child's social worker."""
    view = referrals.get_referral(actor, referral_id)
    rows = db.session().scalars(
        select(Packet).where(Packet.referral_id == view.referral.id).order_by(Packet.sent_at)
    )
    return [
        PacketSummary(
            packet,
            view.referral,
            _organisation_name(packet.provider_id),
            state_of(packet, view.referral, now),
            response_note(packet),
        )
        for packet in rows
    ]
