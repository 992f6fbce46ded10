"""Referrals from the social worker's side: create, match, shortlist, ask the child, send.

A referral belongs to the child's local authority. The allocated social worker
creates and sends it; the authority's administrator may look. Sending makes one
packet per provider carrying exactly the sections the child's active consent lets
that provider read (see :mod:`allaboutme.referrals.packets`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select

from allaboutme import db, encryption
from allaboutme.accounts.models import User
from allaboutme.audit import services as audit
from allaboutme.children import services as children
from allaboutme.children.models import Child
from allaboutme.errors import Conflict, NotFound, ValidationFailed, field_error
from allaboutme.i18n import _
from allaboutme.profiles import sharing
from allaboutme.providers import services as providers
from allaboutme.providers.models import CAPABILITIES, LOTS
from allaboutme.providers.models import ProviderProfile as ProviderRow
from allaboutme.referrals import heritage, matching
from allaboutme.referrals.models import (
    SUMMARY_MAX_LENGTH,
    Candidate,
    Packet,
    Referral,
)

PLACEMENT = "placement"
SENDABLE = ("draft", "sent", "responses")
_VERIFICATION_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


@dataclass(frozen=True)
class ReferralView:
    referral: Referral
    summary: str
    candidate_ids: list[str]


def case_context(
    record: Referral | Packet, child_id: str, field: str, version: int = 1
) -> encryption.RecordContext:
    """Where a case record of this referral lives: under the child's case-record key."""
    return encryption.RecordContext(
        tenant_id=record.authority_id,
        child_id=child_id,
        table=record.__tablename__,
        field=field,
        row_id=record.id,
        version=version,
        is_case_record=True,
    )


def audit_referral(
    actor: User, referral: Referral, action: str, now: datetime, **subject: Any
) -> None:
    audit.record(
        actor=actor,
        action=action,
        chain=referral.authority_id,
        now=now,
        subject=audit.Subject(
            child_id=referral.child_id,
            object_type=subject.pop("object_type", "referral"),
            object_id=subject.pop("object_id", referral.id),
            **subject,
        ),
    )


def _check_needs(needs: list[str]) -> list[str]:
    unknown = sorted(set(needs) - set(CAPABILITIES))
    if unknown:
        choices = ", ".join(CAPABILITIES)
        raise field_error("needs", _("Use any of: %(choices)s.", choices=choices))
    return [need for need in CAPABILITIES if need in set(needs)]


def _check_referral_fields(lot: str, summary: str, start_by: date | None, now: datetime) -> str:
    errors: dict[str, list[Any]] = {}
    if lot not in LOTS:
        errors["lot"] = [_("Use one of: %(choices)s.", choices=", ".join(LOTS))]
    cleaned = summary.strip()
    if not cleaned or len(cleaned) > SUMMARY_MAX_LENGTH:
        errors["summary"] = [
            _("Write a summary of up to %(count)d characters.", count=SUMMARY_MAX_LENGTH)
        ]
    if start_by is not None and start_by < now.date():
        errors["start_by"] = [_("Choose today or a later date.")]
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def create_referral(
    actor: User,
    *,
    child_id: str,
    lot: str,
    needs: list[str],
    location: dict[str, float],
    summary: str,
    start_by: date | None,
    now: datetime,
    location_kind: str = "home",
) -> ReferralView:
    """Start a referral (a draft) for a child allocated to ``actor``."""
    child = children.get_allocated_child(actor, child_id)
    cleaned = _check_referral_fields(lot, summary, start_by, now)
    referral = Referral(
        id=db.new_id(),
        child_id=child.id,
        child_ref=child.id,
        authority_id=child.authority_id,
        created_by_id=actor.id,
        lot=lot,
        needs=_check_needs(needs),
        lat=location["lat"],
        lon=location["lon"],
        location_kind=location_kind,
        start_by=start_by,
        status="draft",
        created_at=now,
    )
    encryption.ensure_case_key(child.authority_id, child.id)
    referral.summary = encryption.seal(
        cleaned.encode(), case_context(referral, child.id, "summary")
    )
    db.session().add(referral)
    db.session().flush()
    audit_referral(actor, referral, "referral.create", now)
    return _view(referral)


def get_summary(referral: Referral) -> str:
    """The worker's summary (a case record, readable by the referral's staff and recipients)."""
    context = case_context(referral, referral.child_ref, "summary")
    return encryption.open(referral.summary, context).decode()


def _view(referral: Referral) -> ReferralView:
    summary = get_summary(referral)
    candidates = db.session().scalars(
        select(Candidate.provider_id)
        .where(Candidate.referral_id == referral.id)
        .order_by(Candidate.added_at, Candidate.provider_id)
    )
    return ReferralView(referral, summary, list(candidates))


def _referral_for_staff(actor: User, referral_id: str) -> Referral:
    """The referral, for its authority's administrator or a worker allocated to the child."""
    referral = db.session().get(Referral, referral_id)
    if referral is None or actor.org_id != referral.authority_id:
        raise NotFound()
    if actor.role == "la_admin":
        return referral
    is_allocated = bool(referral.child_id) and children.is_allocated(actor, referral.child_id or "")
    if actor.role == "social_worker" and is_allocated:
        return referral
    raise NotFound()


def referral_for_worker(actor: User, referral_id: str) -> tuple[Referral, Child]:
    """The referral and its child, for a social worker allocated to the child."""
    referral = _referral_for_staff(actor, referral_id)
    if actor.role != "social_worker" or referral.child_id is None:
        raise NotFound()
    return referral, children.get_allocated_child(actor, referral.child_id)


def get_referral(actor: User, referral_id: str) -> ReferralView:
    return _view(_referral_for_staff(actor, referral_id))


def list_referrals(actor: User) -> list[ReferralView]:
    """The referrals ``actor`` may see, newest first: all of the authority's for its
    administrator, those of the children allocated to them for a social worker."""
    query = select(Referral).where(Referral.authority_id == actor.org_id)
    if actor.role == "social_worker":
        query = query.where(Referral.child_id.in_(children.allocated_child_ids(actor)))
    elif actor.role != "la_admin":
        return []
    rows = db.session().scalars(query.order_by(Referral.created_at.desc(), Referral.id))
    return [_view(referral) for referral in rows]


def _as_matching(row: ProviderRow) -> matching.ProviderProfile:
    return matching.ProviderProfile(
        id=row.org_id,
        name=row.name,
        ofsted_rating=row.ofsted_rating,
        lots=frozenset(row.lots),
        location=matching.Location(row.lat, row.lon),
        capabilities=frozenset(row.capabilities),
        languages=frozenset(row.languages),
        faiths=frozenset(row.faiths),
        cultural_competences=frozenset(row.cultural_competences),
        vacancies=row.vacancies,
        vacancies_updated_at=row.vacancies_updated_at,
        is_on_framework=row.is_on_framework,
    )


def _child_heritage(actor: User, child: Child, now: datetime) -> heritage.Heritage:
    """Heritage answers only if the child shared that section with ``actor`` (audited)."""
    view = sharing.read_sections(
        actor,
        child,
        frozenset({"heritage"}),
        now=now,
        purpose=None,
        audit_as=sharing.AuditAs("profile.read", "profile", child.id),
    )
    content = view.sections.get("heritage")
    return heritage.heritage_from_answers(content.answers if content else {})


def _needs_of(referral: Referral, found: heritage.Heritage) -> matching.ChildNeeds:
    return matching.ChildNeeds(
        lot=referral.lot,
        needs=frozenset(referral.needs),
        location=matching.Location(referral.lat, referral.lon),
        languages=found.languages,
        faith=found.faith,
        cultures=found.cultures,
        location_kind=referral.location_kind,
    )


def find_matches(actor: User, referral_id: str, *, now: datetime) -> matching.MatchResult:
    """Every framework provider ranked for this referral, or excluded with the reason."""
    referral = _referral_for_staff(actor, referral_id)
    child = db.session().get(Child, referral.child_id) if referral.child_id else None
    found = (
        _child_heritage(actor, child, now)
        if child is not None
        else heritage.Heritage(frozenset(), None, frozenset())
    )
    rows = providers.framework_providers()
    return matching.rank(_needs_of(referral, found), [_as_matching(r) for r in rows], now)


def eligible_providers(referral: Referral, provider_ids: list[str]) -> list[ProviderRow]:
    """The providers, refusing any that is unknown or breaks a hard rule (with the reason)."""
    if not provider_ids:
        raise field_error("provider_ids", _("Choose at least one provider."))
    needs = _needs_of(referral, heritage.Heritage(frozenset(), None, frozenset()))
    rows, problems = [], []
    for provider_id in dict.fromkeys(provider_ids):
        row = db.session().get(ProviderRow, provider_id)
        if row is None:
            problems.append(_("%(id)s is not a provider on the framework.", id=provider_id))
            continue
        excluded = matching.exclusion_for(needs, _as_matching(row))
        if excluded is not None:
            problems.append(f"{row.name}: {matching.explain(excluded.reason)}")
            continue
        rows.append(row)
    if problems:
        raise ValidationFailed({"provider_ids": problems})
    return rows


def shortlist_providers(
    actor: User, referral_id: str, provider_ids: list[str], *, now: datetime
) -> ReferralView:
    """Replace the shortlist: the homes the worker would like to ask the child about."""
    referral, _child = referral_for_worker(actor, referral_id)
    if referral.status == "closed":
        raise closed_error()
    rows = eligible_providers(referral, provider_ids)
    db.session().execute(delete(Candidate).where(Candidate.referral_id == referral.id))
    for row in rows:
        db.session().add(
            Candidate(
                referral_id=referral.id, provider_id=row.org_id, added_at=now, added_by_id=actor.id
            )
        )
    db.session().flush()
    audit_referral(actor, referral, "referral.shortlist", now)
    return _view(referral)


def ask_child(actor: User, referral_id: str, *, now: datetime) -> ReferralView:
    """Put the shortlist in front of the child: "would you like to share with these homes?"."""
    referral, _child = referral_for_worker(actor, referral_id)
    if referral.status == "closed":
        raise closed_error()
    if not _view(referral).candidate_ids:
        raise field_error("provider_ids", _("Shortlist at least one home first."))
    referral.child_asked_at = now
    referral.child_answered_at = None
    db.session().flush()
    audit_referral(actor, referral, "referral.ask_child", now)
    return _view(referral)


def closed_error() -> Conflict:
    return Conflict(_("This referral is closed."), code="referral_closed")


def close_referral(actor: User, referral_id: str, *, now: datetime) -> ReferralView:
    """End the referral: its packets stop opening at once; the records are kept."""
    referral, _child = referral_for_worker(actor, referral_id)
    if referral.status != "closed":
        referral.status = "closed"
        referral.closed_at = now
        db.session().flush()
        audit_referral(actor, referral, "referral.close", now)
    return _view(referral)
