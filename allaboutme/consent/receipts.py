"""Receipts: what the child agreed to, in their words and in a machine-readable record.

The sentence is in the child's language and age band; the record carries the
fields of ISO/IEC TS 27560 (consent record information structure) so the
authority can prove later what was agreed, by whom, under which notice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from allaboutme.children.sections import section_name
from allaboutme.consent.models import ConsentGrant
from allaboutme.i18n import _, format_day

PURPOSE_NAMES = {
    "support": "helping me day to day",
    "placement": "finding me a new home",
    "review": "my care reviews",
}


def audience_name(grant: ConsentGrant, org_name: str | None) -> str:
    if grant.audience_kind == "social_worker":
        return _("your social worker")
    return org_name or _("a home or agency")


def receipt_text(grant: ConsentGrant, org_name: str | None, *, band: str, now: datetime) -> str:
    """One or two sentences the child can read, e.g. after saying yes or no."""
    who = audience_name(grant, org_name)
    parts = ", ".join(section_name(key) for key in grant.sections)
    if grant.revoked_at is not None and grant.revoked_at <= now:
        if band == "young":
            return _(
                "%(who)s can't see %(parts)s any more. You can share again if you want.",
                who=who,
                parts=parts,
            )
        return _(
            "You stopped %(who)s seeing: %(parts)s. You can share again any time.",
            who=who,
            parts=parts,
        )
    if grant.expires_at is None:
        until = ""
    else:
        until = " " + _("until %(date)s", date=format_day(grant.expires_at))
    if band == "young":
        return _(
            "%(who)s can now see %(parts)s%(until)s. You can change your mind any time.",
            who=who,
            parts=parts,
            until=until,
        )
    return _(
        "You said %(who)s can see: %(parts)s%(until)s. You can change this any time.",
        who=who,
        parts=parts,
        until=until,
    )


def consent_record(grant: ConsentGrant, org_name: str | None, *, state: str) -> dict[str, Any]:
    """The grant as an ISO/IEC TS 27560-shaped record."""
    events = [{"type": "given", "at": grant.granted_at.isoformat()}]
    if grant.revoked_at is not None:
        events.append({"type": "withdrawn", "at": grant.revoked_at.isoformat()})
    return {
        "schema": "ISO/IEC TS 27560:2023",
        "record_id": grant.id,
        "subject": {"id": grant.child_id, "type": "child"},
        "recipients": [
            {"type": grant.audience_kind, "org_id": grant.audience_org_id, "name": org_name}
        ],
        "data": list(grant.sections),
        "purpose": {"code": grant.purpose, "description": PURPOSE_NAMES.get(grant.purpose)},
        "period": {
            "start": grant.granted_at.isoformat(),
            "end": grant.expires_at.isoformat() if grant.expires_at else None,
        },
        "state": state,
        "notice": {"version": grant.notice_version, "language": grant.locale},
        "assisted": grant.has_help,
        "events": events,
    }
