"""Sending a referral: one packet per provider, with what the child lets that provider see.

All or none: a provider the child shared nothing with, one already sent this
referral, or one failing a hard rule stops the whole send, with the reason for
each. Each packet keeps a sealed snapshot of what was sent as a case record.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select

from allaboutme import db
from allaboutme.accounts.models import User
from allaboutme.children.models import Child
from allaboutme.children.sections import SECTION_KEYS
from allaboutme.consent import policy
from allaboutme.consent import services as consent
from allaboutme.errors import ValidationFailed
from allaboutme.i18n import _
from allaboutme.profiles import sharing
from allaboutme.referrals.models import PACKET_LIFETIME, Packet, Referral
from allaboutme.referrals.services import (
    PLACEMENT,
    SENDABLE,
    audit_referral,
    closed_error,
    eligible_providers,
    referral_for_worker,
)

_VERIFICATION_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


def provider_viewer(provider_id: str) -> policy.Viewer:
    """How the consent policy sees any member of a provider organisation."""
    return policy.Viewer(user_id="", role="provider", org_id=provider_id)


def shared_with(child: Child, provider_id: str, *, now: datetime) -> list[str]:
    """The sections the child lets a provider see now for placement, in profile order."""
    viewer = provider_viewer(provider_id)
    allowed = consent.decision_for(viewer, child, now=now, purpose=PLACEMENT).allowed
    return [key for key in SECTION_KEYS if key in allowed]


def _new_verification_id() -> str:
    return "".join(secrets.choice(_VERIFICATION_ALPHABET) for _ in range(12))


def send_referral(
    actor: User, referral_id: str, provider_ids: list[str], *, now: datetime
) -> list[Packet]:
    """One packet per provider with the sections the child's consent allows it; all or none.

    A provider the child shared nothing with, one already sent this referral, or
    one failing a hard rule stops the whole send with the reason for each.
    """
    referral, child = referral_for_worker(actor, referral_id)
    if referral.status not in SENDABLE:
        raise closed_error()
    rows = eligible_providers(referral, provider_ids)
    already = set(
        db.session().scalars(select(Packet.provider_id).where(Packet.referral_id == referral.id))
    )
    packets, problems = [], []
    for row in rows:
        if row.org_id in already:
            problems.append(_("%(name)s already has this referral.", name=row.name))
            continue
        packet = Packet(id=db.new_id(), referral_id=referral.id, provider_id=row.org_id)
        viewer = provider_viewer(row.org_id)
        sections, packet.snapshot = sharing.seal_case_copy(
            child, viewer, purpose=PLACEMENT, now=now, row_id=packet.id
        )
        if not sections:
            problems.append(
                _("%(name)s: the child has not agreed to share anything with them.", name=row.name)
            )
            continue
        packet.sections = sections
        packets.append(packet)
    if problems:
        raise ValidationFailed({"provider_ids": problems})
    for packet in packets:
        _add_packet(actor, referral, child, packet, now)
    referral.status = "sent" if referral.status == "draft" else referral.status
    referral.sent_at = referral.sent_at or now
    db.session().flush()
    return packets


def _add_packet(
    actor: User, referral: Referral, child: Child, packet: Packet, now: datetime
) -> None:
    packet.child_ref = child.id
    packet.authority_id = referral.authority_id
    packet.verification_id = _new_verification_id()
    packet.sent_at = now
    packet.expires_at = now + PACKET_LIFETIME
    db.session().add(packet)
    db.session().flush()
    audit_referral(
        actor,
        referral,
        "packet.send",
        now,
        object_type="packet",
        object_id=packet.id,
        sections=tuple(packet.sections),
    )
