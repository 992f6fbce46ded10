"""Providers on the placement framework: registering them, finding them, keeping them current.

The framework administrator registers providers and may change anything about
them; a provider's own staff report only their vacancies (API.md). Everyone
professional may read the list: matching a child to a placement needs it.
Every function takes the acting user explicitly (``actor``; None for the
command line) and flushes without committing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, cast, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from allaboutme import db
from allaboutme.accounts import services as accounts
from allaboutme.accounts.models import Organisation, User
from allaboutme.audit import services as audit
from allaboutme.errors import Conflict, Forbidden, NotFound, ValidationFailed, field_error
from allaboutme.i18n import _
from allaboutme.providers.models import (
    CAPABILITIES,
    LANGUAGE_PATTERN,
    LOTS,
    MAX_NAME_LENGTH,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    MAX_VACANCIES,
    OFSTED_RATINGS,
    URN_PATTERN,
    ProviderProfile,
)

# What a provider's own staff may change; everything else is the framework's.
STAFF_FIELDS = frozenset({"vacancies"})
# Each field's check raises ValueError with a message saying how to put it right.


def _urn(value: Any) -> str:
    urn = str(value).strip().upper()
    if not URN_PATTERN.fullmatch(urn):
        raise ValueError(_("Give the Ofsted URN, such as SC123456 or 1234567."))
    return urn


def _rating(value: Any) -> str:
    if value not in OFSTED_RATINGS:
        raise ValueError(_("Use one of: %(choices)s.", choices=", ".join(OFSTED_RATINGS)))
    return str(value)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValueError(_("Give a list."))
    items = [str(item).strip() for item in value]
    if len(items) > MAX_TAGS:
        raise ValueError(_("Give at most %(count)d.", count=MAX_TAGS))
    return [item for item in items if item]


def _from_vocabulary(vocabulary: tuple[str, ...]) -> Callable[[Any], list[str]]:
    def check(value: Any) -> list[str]:
        chosen = {item.casefold() for item in _strings(value)}
        unknown = sorted(chosen - set(vocabulary))
        if unknown:
            raise ValueError(
                _(
                    "Unknown: %(unknown)s. Use any of: %(choices)s.",
                    unknown=", ".join(unknown),
                    choices=", ".join(vocabulary),
                )
            )
        return [item for item in vocabulary if item in chosen]

    return check


def _lots(value: Any) -> list[str]:
    lots = _from_vocabulary(LOTS)(value)
    if not lots:
        raise ValueError(_("Give at least one lot."))
    return lots


def _unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for item in items:
        seen.setdefault(item.casefold(), item)
    return list(seen.values())


def _languages(value: Any) -> list[str]:
    codes = [item.lower() for item in _strings(value)]
    if not all(LANGUAGE_PATTERN.fullmatch(code) for code in codes):
        raise ValueError(_("Use a language code such as en, ar or prs."))
    return _unique(codes)


def _tags(value: Any) -> list[str]:
    tags = [" ".join(item.split()) for item in _strings(value)]
    if any(len(tag) > MAX_TAG_LENGTH for tag in tags):
        raise ValueError(_("Keep each one to %(count)d characters.", count=MAX_TAG_LENGTH))
    return _unique(tags)


def _coordinate(value: Any, limit: float, message: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(message)
    number = float(value)
    if not math.isfinite(number) or not -limit <= number <= limit:
        raise ValueError(message)
    return number


def _location(value: Any) -> dict[str, float]:
    if not isinstance(value, Mapping) or set(value) != {"lat", "lon"}:
        raise ValueError(_("Give the location as a latitude and a longitude."))
    return {
        "lat": _coordinate(value["lat"], 90.0, _("The latitude must be between -90 and 90.")),
        "lon": _coordinate(value["lon"], 180.0, _("The longitude must be between -180 and 180.")),
    }


def _vacancies(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_VACANCIES:
        raise ValueError(_("Give a whole number from 0 to %(most)d.", most=MAX_VACANCIES))
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(_("Give true or false."))
    return value


_CHECKS: dict[str, Callable[[Any], Any]] = {
    "ofsted_urn": _urn,
    "ofsted_rating": _rating,
    "lots": _lots,
    "location": _location,
    "capabilities": _from_vocabulary(CAPABILITIES),
    "languages": _languages,
    "faiths": _tags,
    "cultural_competences": _tags,
    "vacancies": _vacancies,
    "is_on_framework": _flag,
}
FIELDS = tuple(_CHECKS)


def check_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """The values normalised, or one ``ValidationFailed`` naming every wrong field."""
    clean: dict[str, Any] = {}
    errors: dict[str, list[Any]] = {}
    for field, value in values.items():
        try:
            clean[field] = _CHECKS[field](value)
        except ValueError as problem:
            errors[field] = [problem.args[0]]
    if errors:
        raise ValidationFailed(errors)
    return clean


def _columns(clean: Mapping[str, Any]) -> dict[str, Any]:
    columns = {key: value for key, value in clean.items() if key != "location"}
    if "location" in clean:
        columns.update(clean["location"])
    return columns


def _require_framework_admin(actor: User | None) -> None:
    if actor is not None and actor.role != "framework_admin":
        raise Forbidden()


def _require_may_change(actor: User | None, profile: ProviderProfile, fields: set[str]) -> None:
    if actor is None or actor.role == "framework_admin":
        return
    if actor.role == "provider" and actor.org_id == profile.org_id:
        if fields <= STAFF_FIELDS:
            return
        raise Forbidden(_("Your organisation's staff can change only the vacancies."))
    raise Forbidden()


def _refuse_taken_urn(urn: str, *, own_org_id: str | None = None) -> None:
    holder = db.session().scalar(
        select(ProviderProfile.org_id).where(ProviderProfile.ofsted_urn == urn)
    )
    if holder is not None and holder != own_org_id:
        raise _duplicate_urn()


def _duplicate_urn() -> Conflict:
    return Conflict(
        _("A provider with that Ofsted URN is already registered."), code="duplicate_urn"
    )


def _save(profile: ProviderProfile) -> None:
    """Flush in a savepoint, so a URN taken at the same moment is a 409, not a crash."""
    session = db.session()
    try:
        with session.begin_nested():
            session.add(profile)
    except IntegrityError as error:
        raise _duplicate_urn() from error


def _provider_organisation(name: str) -> Organisation:
    """A new provider organisation, or one created before without a framework entry."""
    name = name.strip()
    if len(name) > MAX_NAME_LENGTH:
        raise field_error(
            "name", _("Keep the name to %(count)d characters.", count=MAX_NAME_LENGTH)
        )
    try:
        existing = accounts.find_organisation_by_name(name)
    except NotFound:
        return accounts.create_organisation(kind="provider", name=name)
    if existing.kind != "provider" or db.session().get(ProviderProfile, existing.id):
        raise Conflict(_("An organisation with that name already exists."), code="duplicate_name")
    return existing


def _record(
    actor: User | None, action: str, profile: ProviderProfile, now: datetime, **kw: Any
) -> None:
    audit.record(
        actor=actor,
        action=action,
        chain=actor.org_id if actor else profile.org_id,
        now=now,
        subject=audit.Subject(object_type="provider", object_id=profile.org_id),
        **kw,
    )


def create_provider(
    actor: User | None,
    *,
    name: str,
    ofsted_urn: str,
    ofsted_rating: str,
    lots: list[str],
    location: Mapping[str, float],
    capabilities: list[str],
    languages: list[str],
    faiths: list[str],
    cultural_competences: list[str],
    vacancies: int,
    now: datetime,
    is_on_framework: bool = True,
) -> ProviderProfile:
    """Register a provider on the framework (framework administrators only)."""
    _require_framework_admin(actor)
    clean = check_fields(
        {
            "ofsted_urn": ofsted_urn,
            "ofsted_rating": ofsted_rating,
            "lots": lots,
            "location": location,
            "capabilities": capabilities,
            "languages": languages,
            "faiths": faiths,
            "cultural_competences": cultural_competences,
            "vacancies": vacancies,
            "is_on_framework": is_on_framework,
        }
    )
    _refuse_taken_urn(clean["ofsted_urn"])
    organisation = _provider_organisation(name)
    profile = ProviderProfile(
        org_id=organisation.id,
        organisation=organisation,
        vacancies_updated_at=now,
        updated_at=now,
        **_columns(clean),
    )
    _save(profile)
    _record(actor, "provider.create", profile, now)
    return profile


def update_provider(
    actor: User | None, org_id: str, changes: Mapping[str, Any], *, now: datetime
) -> ProviderProfile:
    """Change a provider; its own staff may report vacancies and nothing else.

    Any vacancy report, even of the same number, is fresh news: matching trusts
    recent reports more, so ``vacancies_updated_at`` moves on.
    """
    profile = get_provider(actor, org_id)
    _require_may_change(actor, profile, set(changes))
    clean = check_fields(changes)
    if not clean:
        return profile
    if "ofsted_urn" in clean:
        _refuse_taken_urn(clean["ofsted_urn"], own_org_id=profile.org_id)
    for column, value in _columns(clean).items():
        setattr(profile, column, value)
    if "vacancies" in clean:
        profile.vacancies_updated_at = now
    profile.updated_at = now
    _save(profile)
    _record(actor, "provider.update", profile, now, reason=",".join(sorted(clean)))
    return profile


def get_provider(actor: User | None, org_id: str) -> ProviderProfile:
    """One provider, for any professional."""
    if actor is not None and actor.role == "child":
        raise Forbidden()
    profile = db.session().get(ProviderProfile, org_id)
    if profile is None:
        raise NotFound()
    return profile


def find_provider_by_urn(ofsted_urn: str) -> ProviderProfile | None:
    try:
        urn = _urn(ofsted_urn)
    except ValueError:
        return None
    return db.session().scalar(select(ProviderProfile).where(ProviderProfile.ofsted_urn == urn))


def framework_providers() -> list[ProviderProfile]:
    """Every provider with its organisation loaded, for ranking (matching excludes itself)."""
    query = select(ProviderProfile).join(ProviderProfile.organisation)
    return list(db.session().scalars(query.options(contains_eager(ProviderProfile.organisation))))


def list_providers(
    actor: User | None,
    *,
    lot: str | None = None,
    q: str | None = None,
    limit: int,
    cursor: str | None,
) -> tuple[list[ProviderProfile], str | None]:
    """Providers by name (then id), optionally in one lot or matching part of a name."""
    if actor is not None and actor.role == "child":
        raise Forbidden()
    query = (
        select(ProviderProfile)
        .join(ProviderProfile.organisation)
        .options(contains_eager(ProviderProfile.organisation))
    )
    if lot is not None:
        if lot not in LOTS:
            raise field_error("lot", _("Use one of: %(choices)s.", choices=", ".join(LOTS)))
        # Lots are fixed codes without wildcards; their JSON text is '"1a"' on every backend.
        query = query.where(cast(ProviderProfile.lots, String).like(f'%"{lot}"%'))
    if q and q.strip():
        query = query.where(Organisation.name.icontains(q.strip(), autoescape=True))
    if cursor:
        query = query.where(_after(cursor))
    query = query.order_by(Organisation.name, ProviderProfile.org_id).limit(limit + 1)
    rows = list(db.session().scalars(query))
    next_cursor = rows[limit - 1].org_id if len(rows) > limit else None
    return rows[:limit], next_cursor


def _after(cursor: str) -> Any:
    """Keyset paging: the cursor is the last provider's id; names are unique."""
    last_name = db.session().scalar(
        select(Organisation.name)
        .join(ProviderProfile, ProviderProfile.org_id == Organisation.id)
        .where(Organisation.id == cursor)
    )
    if last_name is None:
        raise field_error("cursor", _("That page is no longer available. Start from the first."))
    return or_(
        Organisation.name > last_name,
        and_(Organisation.name == last_name, ProviderProfile.org_id > cursor),
    )
