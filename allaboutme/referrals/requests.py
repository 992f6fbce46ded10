"""The child's side of a referral: "your social worker would like to share your profile".

The worker shortlists homes and asks; the child chooses, home by home and part by
part, what each may see. Each choice is an ordinary consent grant (purpose
placement, ending when a packet would), so the child can see and withdraw it on
their sharing page like any other. Nothing is shared until the child says yes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from allaboutme import db
from allaboutme.accounts.models import User
from allaboutme.children import services as children
from allaboutme.consent import services as consent
from allaboutme.consent.models import ConsentGrant
from allaboutme.errors import NotFound, field_error
from allaboutme.i18n import _
from allaboutme.providers.models import ProviderProfile
from allaboutme.referrals import services as referrals
from allaboutme.referrals.models import PACKET_LIFETIME, Candidate, Referral


@dataclass(frozen=True)
class Home:
    """A shortlisted home as the child sees it: a name, what kind of home, how far."""

    provider_id: str
    name: str
    is_foster_family: bool
    lots: list[str]


@dataclass(frozen=True)
class ShareRequest:
    referral: Referral
    homes: list[Home]


def _homes(referral: Referral) -> list[Home]:
    rows = db.session().scalars(
        select(ProviderProfile)
        .join(Candidate, Candidate.provider_id == ProviderProfile.org_id)
        .where(Candidate.referral_id == referral.id)
        .order_by(Candidate.added_at, Candidate.provider_id)
    )
    return [
        Home(row.org_id, row.name, referral.lot.startswith("2"), list(row.lots)) for row in rows
    ]


def open_requests(actor: User) -> list[ShareRequest]:
    """The child's unanswered requests from open referrals, newest first."""
    if actor.role != "child" or not actor.child_id:
        return []
    rows = db.session().scalars(
        select(Referral)
        .where(
            Referral.child_id == actor.child_id,
            Referral.child_asked_at.is_not(None),
            Referral.child_answered_at.is_(None),
            Referral.status != "closed",
        )
        .order_by(Referral.child_asked_at.desc())
    )
    return [ShareRequest(referral, _homes(referral)) for referral in rows]


def get_request(actor: User, referral_id: str) -> ShareRequest:
    """One request, for the child it is about (answered or not, while the referral is open)."""
    referral = db.session().get(Referral, referral_id)
    if referral is None or referral.child_id is None or referral.child_asked_at is None:
        raise NotFound()
    children.get_own_child(actor, referral.child_id)
    if referral.status == "closed":
        raise NotFound()
    return ShareRequest(referral, _homes(referral))


def answer_request(
    actor: User,
    referral_id: str,
    choices: dict[str, list[str]],
    *,
    has_help: bool,
    locale: str,
    now: datetime,
) -> list[ConsentGrant]:
    """The child's answer: for each home, the parts they agree to share (maybe none).

    Each home with at least one part gets a consent grant for placement, ending
    with the packet's lifetime. Homes not on the shortlist are refused.
    """
    request = get_request(actor, referral_id)
    shortlisted = {home.provider_id for home in request.homes}
    unknown = set(choices) - shortlisted
    if unknown:
        raise field_error("homes", _("You can only choose from the homes on this list."))
    grants = [
        consent.grant_consent(
            actor,
            request.referral.child_id or "",
            audience=consent.Audience("provider", provider_id),
            sections=sections,
            purpose=referrals.PLACEMENT,
            expires_at=now + PACKET_LIFETIME,
            has_help=has_help,
            locale=locale,
            now=now,
        )
        for provider_id, sections in choices.items()
        if sections
    ]
    request.referral.child_answered_at = now
    db.session().flush()
    return grants
