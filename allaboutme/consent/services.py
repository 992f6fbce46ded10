"""Grants the child gives and takes back, and the decisions made from them.

Only the child grants or revokes. A revocation is stored with its time and
applies to the next request anywhere, because every read decides afresh from
the grants in the database (:func:`decision_for`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, select

from allaboutme import db
from allaboutme.accounts.models import Organisation, User
from allaboutme.audit import services as audit
from allaboutme.children import services as children
from allaboutme.children.models import Child
from allaboutme.children.sections import SECTION_KEYS
from allaboutme.consent import policy, receipts
from allaboutme.consent.models import ConsentGrant
from allaboutme.errors import NotFound, ValidationFailed, field_error
from allaboutme.i18n import _

NOTICE_VERSION = "2026-11.1"


@dataclass(frozen=True)
class Audience:
    kind: str
    org_id: str | None = None


def child_for_reading(actor: User, child_id: str) -> Child:
    """The child whose content ``actor`` asks to read; consent then decides what they see.

    Providers have no case relationship with a child: they reach one only
    through what the child shares, so existence alone is checked here.
    """
    if actor.role == "provider":
        child = db.session().get(Child, child_id)
        if child is None:
            raise NotFound()
        return child
    return children.get_child(actor, child_id)


def _check_audience(audience: Audience) -> Organisation | None:
    if audience.kind == "social_worker":
        if audience.org_id is not None:
            raise field_error("audience", _("A social worker audience has no organisation."))
        return None
    if audience.kind != "provider" or not audience.org_id:
        raise field_error("audience", _("Choose who can see it."))
    organisation = db.session().get(Organisation, audience.org_id)
    if organisation is None or organisation.kind != "provider":
        raise field_error("audience", _("That home or agency is not one you can share with."))
    return organisation


def _check_sections(sections: list[str]) -> list[str]:
    unknown = [key for key in sections if key not in SECTION_KEYS]
    if unknown or not sections:
        message = (
            _("Choose at least one part of your profile.")
            if not sections
            else _("There is no part called %(name)s.", name=", ".join(unknown))
        )
        raise field_error("sections", message)
    return [key for key in SECTION_KEYS if key in set(sections)]


def grant_consent(
    actor: User,
    child_id: str,
    *,
    audience: Audience,
    sections: list[str],
    purpose: str,
    expires_at: datetime | None,
    has_help: bool,
    locale: str,
    now: datetime,
) -> ConsentGrant:
    """The child lets an audience see some sections, for a purpose, maybe until a date."""
    child = children.get_own_child(actor, child_id)
    _check_audience(audience)
    chosen = _check_sections(sections)
    if purpose not in policy.PURPOSES:
        raise field_error("purpose", _("Choose why they can see it."))
    if expires_at is not None and expires_at <= now:
        raise ValidationFailed({"expires_at": [_("Choose a date in the future.")]})
    grant = ConsentGrant(
        id=db.new_id(),
        child_id=child.id,
        audience_kind=audience.kind,
        audience_org_id=audience.org_id,
        sections=chosen,
        purpose=purpose,
        granted_at=now,
        expires_at=expires_at,
        notice_version=NOTICE_VERSION,
        locale=locale,
        has_help=has_help,
        granted_by_id=actor.id,
    )
    db.session().add(grant)
    db.session().flush()
    _audit(actor, child, grant, "consent.grant", now)
    return grant


def revoke_consent(actor: User, child_id: str, grant_id: str, *, now: datetime) -> ConsentGrant:
    """The child takes a grant back; it stops working on the next request everywhere."""
    child = children.get_own_child(actor, child_id)
    grant = db.session().get(ConsentGrant, grant_id)
    if grant is None or grant.child_id != child.id:
        raise NotFound()
    if grant.revoked_at is None:
        grant.revoked_at = now
        db.session().flush()
        _audit(actor, child, grant, "consent.revoke", now)
    return grant


def _audit(actor: User, child: Child, grant: ConsentGrant, action: str, now: datetime) -> None:
    audit.record(
        actor=actor,
        action=action,
        chain=child.authority_id,
        now=now,
        subject=audit.Subject(
            child_id=child.id,
            object_type="consent_grant",
            object_id=grant.id,
            sections=tuple(grant.sections),
            grant_id=grant.id,
        ),
    )


def list_grants(actor: User, child_id: str) -> list[ConsentGrant]:
    """Every grant of the child, newest first (the child and allocated workers)."""
    child = children.get_child(actor, child_id)
    if actor.role == "la_admin":
        raise NotFound()
    return list(
        db.session().scalars(
            select(ConsentGrant)
            .where(ConsentGrant.child_id == child.id)
            .order_by(ConsentGrant.granted_at.desc(), ConsentGrant.id)
        )
    )


def grants_of(child: Child) -> list[ConsentGrant]:
    """Every grant of the child, oldest first (for the child's copy of their data)."""
    return list(
        db.session().scalars(
            select(ConsentGrant)
            .where(ConsentGrant.child_id == child.id)
            .order_by(ConsentGrant.granted_at, ConsentGrant.id)
        )
    )


_GRANTS = ConsentGrant.__table__.c
# Built once, and read as plain rows: every read by someone other than the child asks it.
_UNREVOKED_GRANTS = select(
    _GRANTS.id,
    _GRANTS.audience_kind,
    _GRANTS.audience_org_id,
    _GRANTS.sections,
    _GRANTS.purpose,
    _GRANTS.granted_at,
    _GRANTS.expires_at,
    _GRANTS.revoked_at,
).where(_GRANTS.child_id == bindparam("child_id"), _GRANTS.revoked_at.is_(None))


def as_policy_grant(grant: ConsentGrant | Row[Any]) -> policy.Grant:
    return policy.Grant(
        id=grant.id,
        audience_kind=grant.audience_kind,
        audience_org_id=grant.audience_org_id,
        sections=frozenset(grant.sections),
        purpose=grant.purpose,
        granted_at=grant.granted_at,
        expires_at=grant.expires_at,
        revoked_at=grant.revoked_at,
    )


def viewer_for(actor: User, child: Child) -> policy.Viewer:
    return policy.Viewer(
        user_id=actor.id,
        role=actor.role,
        org_id=actor.org_id,
        is_child_self=actor.role == "child" and actor.child_id == child.id,
        is_allocated_worker=actor.role == "social_worker"
        and actor.org_id == child.authority_id
        and children.is_allocated(actor, child.id),
    )


def decision_for(
    viewer: policy.Viewer, child: Child, *, now: datetime, purpose: str | None = None
) -> policy.Decision:
    """What ``viewer`` may read of the child's profile now, from the stored grants."""
    if viewer.is_child_self:
        return policy.decide(viewer, child.id, SECTION_KEYS, purpose, (), now)
    grants = db.connection().execute(_UNREVOKED_GRANTS, {"child_id": child.id})
    policy_grants = [as_policy_grant(grant) for grant in grants]
    return policy.decide(viewer, child.id, SECTION_KEYS, purpose, policy_grants, now)


def state_of(grant: ConsentGrant, now: datetime) -> str:
    if grant.revoked_at is not None and grant.revoked_at <= now:
        return "withdrawn"
    if grant.expires_at is not None and grant.expires_at <= now:
        return "expired"
    return "active"


def describe_grant(grant: ConsentGrant, child: Child, *, now: datetime) -> dict[str, Any]:
    """A grant as the API shows it, with the receipt in the reader's language."""
    org_name = None
    if grant.audience_org_id:
        organisation = db.session().get(Organisation, grant.audience_org_id)
        org_name = organisation.name if organisation else None
    band = children.age_band_of(child, now.date())
    state = state_of(grant, now)
    return {
        "id": grant.id,
        "audience": {
            "kind": grant.audience_kind,
            "org_id": grant.audience_org_id,
            "name": org_name,
        },
        "sections": list(grant.sections),
        "purpose": grant.purpose,
        "granted_at": grant.granted_at,
        "expires_at": grant.expires_at,
        "revoked_at": grant.revoked_at,
        "state": state,
        "helped": grant.has_help,
        "receipt": {
            "text": receipts.receipt_text(grant, org_name, band=band, now=now),
            "record": receipts.consent_record(grant, org_name, state=state),
        },
    }
