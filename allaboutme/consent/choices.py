"""The child's "Who can see my profile" choices: what is shared now, and saving new choices.

Built on :mod:`allaboutme.consent.services` (which alone writes grants), so a
choice made on the page is stored, audited and receipted exactly like one made
through the API. Nothing is shared by default: a section is shared only when
the child said yes to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from allaboutme import db
from allaboutme.accounts.models import Organisation, User
from allaboutme.children import services as children
from allaboutme.children.sections import SECTION_KEYS
from allaboutme.consent import access_log, policy, services
from allaboutme.consent.models import ConsentGrant
from allaboutme.errors import NotFound, field_error
from allaboutme.i18n import _

LOCAL_ZONE = ZoneInfo("Europe/London")  # the day a child picks is a day where they live
MAX_RECEIPTS = 10


@dataclass(frozen=True)
class AudienceShare:
    """One audience on the page: who, what they can see now, and the grants behind it."""

    audience: services.Audience
    name: str | None
    grants: list[ConsentGrant] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.audience.kind + (f":{self.audience.org_id}" if self.audience.org_id else "")

    @property
    def shared(self) -> list[str]:
        covered = {key for grant in self.grants for key in grant.sections}
        return [key for key in SECTION_KEYS if key in covered]

    @property
    def newest(self) -> ConsentGrant | None:
        return self.grants[0] if self.grants else None


def end_of_day(day: date) -> datetime:
    """The last second of ``day`` where the child lives, in UTC: "until 3 March" includes it."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=LOCAL_ZONE).astimezone(UTC)


def local_day(moment: datetime | None) -> date | None:
    return moment.astimezone(LOCAL_ZONE).date() if moment else None


def provider_organisations(actor: User, *, exclude: Iterable[str] = ()) -> list[Organisation]:
    """Homes and agencies (provider organisations) a child may choose to share with."""
    if actor.role != "child":
        raise NotFound()
    query = select(Organisation).where(Organisation.kind == "provider")
    skipped = set(exclude)
    found = db.session().scalars(query.order_by(Organisation.name))
    return [organisation for organisation in found if organisation.id not in skipped]


def _is_active(grant: ConsentGrant, now: datetime) -> bool:
    return policy.is_active(services.as_policy_grant(grant), now)


def sharing_overview(actor: User, child_id: str, *, now: datetime) -> list[AudienceShare]:
    """The child's social worker, then each home or agency with an active grant, by name.

    Each comes with its active grants, newest first (``list_grants`` order).
    """
    active = [grant for grant in services.list_grants(actor, child_id) if _is_active(grant, now)]
    worker = AudienceShare(
        services.Audience("social_worker"),
        None,
        [grant for grant in active if grant.audience_kind == "social_worker"],
    )
    by_org: dict[str, list[ConsentGrant]] = {}
    for grant in active:
        if grant.audience_kind == "provider" and grant.audience_org_id:
            by_org.setdefault(grant.audience_org_id, []).append(grant)
    providers = [
        AudienceShare(services.Audience("provider", org_id), _org_name(org_id), grants)
        for org_id, grants in by_org.items()
    ]
    return [worker, *sorted(providers, key=lambda share: (share.name or "").casefold())]


def _org_name(org_id: str) -> str | None:
    organisation = db.session().get(Organisation, org_id)
    return organisation.name if organisation else None


@dataclass(frozen=True)
class Choices:
    """What the child chose for one audience on the page."""

    audience: services.Audience
    sections: list[str]
    purpose: str | None
    until: date | None
    has_help: bool


def _unchanged(active: list[ConsentGrant], choices: Choices, expires_at: datetime | None) -> bool:
    if len(active) != 1:
        return False
    grant = active[0]
    return (
        list(grant.sections) == [key for key in SECTION_KEYS if key in choices.sections]
        and grant.purpose == choices.purpose
        and grant.expires_at == expires_at
        and grant.has_help == choices.has_help
    )


def _check_provider(audience: services.Audience) -> None:
    if audience.kind != "provider":
        return
    organisation = db.session().get(Organisation, audience.org_id) if audience.org_id else None
    if organisation is None or organisation.kind != "provider":
        raise field_error("org_id", _("Choose a home or agency from the list."))


def save_choices(
    actor: User, child_id: str, choices: Choices, *, locale: str, now: datetime
) -> list[ConsentGrant]:
    """Make the audience's stored grants match the child's choices; the grants to receipt.

    The audience's active grants are withdrawn and one new grant made for the
    sections the child said yes to (none when every answer was no). The same
    choices again change nothing. Returns the new grant, or the withdrawn ones
    when nothing is shared any more, or the unchanged grant.
    """
    _check_provider(choices.audience)
    if choices.sections and choices.purpose not in policy.PURPOSES:
        raise field_error("purpose", _("Choose why they can see it."))
    expires_at = end_of_day(choices.until) if choices.until else None
    active = [
        grant
        for grant in services.list_grants(actor, child_id)
        if _is_active(grant, now)
        and grant.audience_kind == choices.audience.kind
        and grant.audience_org_id == choices.audience.org_id
    ]
    if choices.sections and _unchanged(active, choices, expires_at):
        return active
    withdrawn = [services.revoke_consent(actor, child_id, grant.id, now=now) for grant in active]
    if not choices.sections:
        return withdrawn
    grant = services.grant_consent(
        actor,
        child_id,
        audience=choices.audience,
        sections=choices.sections,
        purpose=str(choices.purpose),
        expires_at=expires_at,
        has_help=choices.has_help,
        locale=locale,
        now=now,
    )
    return [grant]


def stop_sharing(actor: User, child_id: str, grant_id: str, *, now: datetime) -> ConsentGrant:
    """One tap: the grant stops working on the next request anywhere."""
    return services.revoke_consent(actor, child_id, grant_id, now=now)


def describe_grants(
    actor: User, child_id: str, grant_ids: Iterable[str], *, now: datetime
) -> list[dict[str, Any]]:
    """The named grants of the child (others ignored), described with their receipts."""
    wanted = list(dict.fromkeys(grant_ids))[:MAX_RECEIPTS]
    if not wanted:
        return []
    child = children.get_child(actor, child_id)
    grants = {grant.id: grant for grant in services.list_grants(actor, child_id)}
    return [services.describe_grant(grants[gid], child, now=now) for gid in wanted if gid in grants]


def hypothetical_decision(
    actor: User, child_id: str, audience: services.Audience, *, now: datetime
) -> tuple[policy.Decision, str | None]:
    """What ``audience`` would be allowed to see now, for the child's "see it as they will".

    Asks the same policy every real read asks, for an imagined viewer: the
    child's allocated social worker, or staff of the named home or agency.
    Returns the decision and the organisation's name (None for the worker).
    """
    child = children.get_child(actor, child_id)
    if actor.role != "child":
        raise NotFound()
    name = None
    if audience.kind == "provider":
        organisation = db.session().get(Organisation, audience.org_id or "")
        if organisation is None or organisation.kind != "provider":
            raise NotFound()
        name = organisation.name
    elif audience.kind != "social_worker":
        raise NotFound()
    viewer = policy.Viewer(
        user_id="",
        role=audience.kind,
        org_id=audience.org_id or child.authority_id,
        is_allocated_worker=audience.kind == "social_worker",
    )
    return services.decision_for(viewer, child, now=now), name


@dataclass(frozen=True)
class CaseSharing:
    """What an allocated social worker may look at: the child's grants and who looked."""

    child_name: str
    grants: list[dict[str, Any]]
    accesses: list[access_log.Access]
    next_cursor: str | None


def case_sharing(
    actor: User, child_id: str, *, limit: int, cursor: str | None, now: datetime
) -> CaseSharing:
    """The child's grants (active and past) and access log, read-only, for their worker."""
    child = children.get_allocated_child(actor, child_id)
    grants = [
        services.describe_grant(grant, child, now=now)
        for grant in services.list_grants(actor, child.id)
    ]
    accesses, next_cursor = access_log.access_log(actor, child.id, limit=limit, cursor=cursor)
    return CaseSharing(children.preferred_name(child), grants, accesses, next_cursor)
