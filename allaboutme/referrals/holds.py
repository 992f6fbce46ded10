"""Ending the legal hold on a child's case records: a recorded decision, then destruction.

Erasing a child's profile leaves their referral packets' snapshots, the workers'
summaries and the providers' notes readable under the case-record key, because
case records must be kept (until the 75th birthday, DOMAIN.md). When the authority
decides they may go, an administrator records who decided and why; the case-record
key is destroyed and every copy of those records, backups included, becomes
unreadable. The decision itself stays in the audit trail.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from allaboutme import db, encryption
from allaboutme.accounts.models import User
from allaboutme.audit import services as audit
from allaboutme.errors import NotFound, ValidationFailed
from allaboutme.i18n import _
from allaboutme.referrals.models import Packet, Referral

MIN_REASON_LENGTH = 10


def end_legal_hold(actor: User, child_ref: str, *, reason: str, now: datetime) -> int:
    """Record the decision to destroy a child's case records; returns packets affected.

    The caller commits, then calls :func:`destroy_case_key`: the decision is on
    record before anything becomes unreadable, and running both again is harmless.

    Only an authority administrator, only for their own authority's children, and
    only with a written reason (kept in the audit trail).
    """
    if actor.role != "la_admin":
        raise NotFound()
    cleaned = " ".join(reason.split())
    if len(cleaned) < MIN_REASON_LENGTH:
        raise ValidationFailed({"reason": [_("Write down who decided this, and why.")]})
    authorities = set(
        db.session().scalars(select(Packet.authority_id).where(Packet.child_ref == child_ref))
    ) | set(
        db.session().scalars(select(Referral.authority_id).where(Referral.child_ref == child_ref))
    )
    if authorities != {actor.org_id}:
        raise NotFound()
    changed = (
        db.session()
        .execute(update(Packet).where(Packet.child_ref == child_ref).values(is_legal_hold=False))
        .rowcount
    )
    audit.record(
        actor=actor,
        action="case_records.destroy",
        chain=actor.org_id,
        now=now,
        reason=cleaned,
        subject=audit.Subject(child_id=child_ref, object_type="case_records", object_id=child_ref),
    )
    return changed


def destroy_case_key(child_ref: str) -> bool:
    """Destroy the case-record key, once the decision above is committed (idempotent)."""
    try:
        return encryption.destroy_case_key(child_ref)
    except encryption.KeyNotFoundError:
        return False
