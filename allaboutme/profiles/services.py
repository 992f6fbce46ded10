"""The child's profile: written in sections, sealed, versioned, read through one gate.

This module (with ``profiles.sharing``, its reads on other features' behalf)
and ``media.services`` are the only places child content is decrypted. Every
read asks :func:`decide_for` (the consent policy) which sections the reader may
see, and every read by someone else is audited.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Row, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from allaboutme import db, encryption
from allaboutme.accounts.models import User
from allaboutme.audit import services as audit
from allaboutme.children import services as children
from allaboutme.children.models import Child
from allaboutme.consent import policy
from allaboutme.consent import services as consent
from allaboutme.errors import Conflict, NotFound
from allaboutme.i18n import _
from allaboutme.profiles import catalogue
from allaboutme.profiles.answers import clean_answers
from allaboutme.profiles.models import Profile, SectionRecord


@dataclass(frozen=True)
class SectionContent:
    key: str
    answers: dict[str, object]
    language: str
    has_help: bool
    updated_at: datetime
    version: int


@dataclass(frozen=True)
class ProfileView:
    child_id: str
    version: int
    sections: dict[str, SectionContent]


@dataclass(frozen=True)
class VersionSummary:
    version: int
    created_at: datetime
    changed: str
    action: str
    has_help: bool
    sections: list[str]


def decide_for(actor: User, child: Child, *, now: datetime) -> policy.Decision:
    """The one gate: what ``actor`` may read of this child's profile now."""
    return consent.decision_for(consent.viewer_for(actor, child), child, now=now)


def known_section(key: str) -> catalogue.Section:
    try:
        return catalogue.get_section(key)
    except KeyError:
        raise NotFound(_("There is no section called that.")) from None


def _readable_child(actor: User, child_id: str, now: datetime) -> tuple[Child, policy.Decision]:
    """The child and the decision, or NotFound (audited as a denial) when nothing is shared."""
    child = consent.child_for_reading(actor, child_id)
    decision = decide_for(actor, child, now=now)
    if not decision.allowed:
        audit.record_detached(
            actor=actor,
            action="profile.read",
            chain=child.authority_id,
            now=now,
            outcome="denied",
            reason="no_active_consent",
            subject=audit.Subject(child_id=child.id, object_type="profile", object_id=child.id),
        )
        raise NotFound()
    return child, decision


def _context(child: Child, record: SealedRecord) -> encryption.RecordContext:
    return encryption.RecordContext(
        tenant_id=child.authority_id,
        child_id=child.id,
        table="profile_sections",
        field=record.section_key,
        row_id=record.id,
        version=record.profile_version,
    )


_RECORDS = SectionRecord.__table__.c
_CURRENT_VERSION = select(Profile.__table__.c.current_version).where(
    Profile.__table__.c.child_id == bindparam("child_id")
)
_ADVANCE_VERSION = (
    update(Profile.__table__)
    .where(
        Profile.__table__.c.child_id == bindparam("child"),
        Profile.__table__.c.current_version == bindparam("expected"),
    )
    .values(current_version=bindparam("next"), updated_at=bindparam("now"))
)
_LATEST_AT = (
    select(_RECORDS.section_key, func.max(_RECORDS.profile_version).label("at"))
    .where(_RECORDS.child_id == bindparam("child_id"))
    .where(_RECORDS.profile_version <= bindparam("version"))
    .group_by(_RECORDS.section_key)
    .subquery()
)
# Built once: reads are the service's commonest request, and building and keying a
# statement afresh cost more than running it. Plain rows, not ORM objects, for the
# same reason; they carry the attributes ``open_records`` reads.
_RECORDS_AT = (
    select(
        _RECORDS.id,
        _RECORDS.section_key,
        _RECORDS.profile_version,
        _RECORDS.content,
        _RECORDS.is_removal,
        _RECORDS.has_help,
        _RECORDS.created_at,
    )
    .join(
        _LATEST_AT,
        (_RECORDS.section_key == _LATEST_AT.c.section_key)
        & (_RECORDS.profile_version == _LATEST_AT.c.at),
    )
    .where(_RECORDS.child_id == bindparam("child_id"))
)


class SealedRecord(Protocol):
    """What decrypting a section needs: an ORM record or a row of ``_RECORDS_AT``."""

    id: str
    section_key: str
    profile_version: int
    content: bytes | None
    has_help: bool
    created_at: datetime


def current_version(child_id: str) -> int:
    found = db.connection().execute(_CURRENT_VERSION, {"child_id": child_id}).scalar()
    return found or 0


def _records_at(child_id: str, version: int) -> list[Row[Any]]:
    """The latest record of each section as it stood at ``version``."""
    rows = db.connection().execute(_RECORDS_AT, {"child_id": child_id, "version": version})
    return [row for row in rows if not row.is_removal]


def open_records(child: Child, records: Sequence[SealedRecord]) -> list[SectionContent]:
    """Decrypt records of one child (one key store read for them all)."""
    sealed = []
    for record in records:
        assert record.content is not None
        sealed.append((record.content, _context(child, record)))
    return [
        _content(record, json.loads(plaintext))
        for record, plaintext in zip(records, encryption.open_many(sealed), strict=True)
    ]


def _content(record: SealedRecord, payload: dict[str, Any]) -> SectionContent:
    return SectionContent(
        key=record.section_key,
        answers=payload["answers"],
        language=payload["language"],
        has_help=record.has_help,
        updated_at=record.created_at,
        version=record.profile_version,
    )


def view_at(child: Child, version: int, decision: policy.Decision) -> ProfileView:
    """The sections ``decision`` allows as they stood at ``version``, decrypted."""
    records = [r for r in _records_at(child.id, version) if decision.allows(r.section_key)]
    sections = {content.key: content for content in open_records(child, records)}
    ordered = {key: sections[key] for key in catalogue.SECTION_KEYS if key in sections}
    return ProfileView(child_id=child.id, version=version, sections=ordered)


def read_profile(
    actor: User, child_id: str, *, now: datetime, version: int | None = None
) -> ProfileView:
    """The profile now (or at an earlier ``version``), only the sections ``actor`` may see.

    Every read by someone other than the child is audited with the sections it
    returned and the grants that allowed them.
    """
    child, decision = _readable_child(actor, child_id, now)
    latest = current_version(child.id)
    if version is not None and version != latest:
        child = children.get_own_child(actor, child_id)  # earlier versions are the child's alone
        if not 1 <= version <= latest:
            raise NotFound()
    view = view_at(child, latest if version is None else version, decision)
    if not decision.is_child_self:
        _audit_read(actor, child, view, decision, now)
    return view


def _everything(child: Child, *, is_child_self: bool) -> policy.Decision:
    return policy.Decision(child.id, frozenset(catalogue.SECTION_KEYS), is_child_self=is_child_self)


def _audit_read(
    actor: User, child: Child, view: ProfileView, decision: policy.Decision, now: datetime
) -> None:
    shown = tuple(view.sections)
    grants = sorted({decision.grant_for[key] for key in shown})
    audit.record(
        actor=actor,
        action="profile.read",
        chain=child.authority_id,
        now=now,
        subject=audit.Subject(
            child_id=child.id,
            object_type="profile",
            object_id=child.id,
            object_version=view.version,
            sections=shown,
            grant_id=grants[0] if grants else None,
        ),
        reason="grants:" + ",".join(grants) if len(grants) > 1 else None,
    )


def safeguarding_read(actor: User, child_id: str, *, reason: str, now: datetime) -> ProfileView:
    """An authority administrator reads the whole profile for a written safeguarding reason.

    Not consent: a lawful override, audited as such, listed for review and shown
    to the child as a safeguarding check.
    """
    child = children.get_child(actor, child_id)
    if actor.role != "la_admin":
        raise NotFound()
    view = view_at(child, current_version(child.id), _everything(child, is_child_self=False))
    audit.record(
        actor=actor,
        action="profile.read.safeguarding",
        chain=child.authority_id,
        now=now,
        reason=reason,
        subject=audit.Subject(
            child_id=child.id,
            object_type="profile",
            object_id=child.id,
            object_version=view.version,
            sections=tuple(view.sections),
        ),
    )
    return view


def _advance(child_id: str, expected: int, now: datetime) -> int:
    """Move the profile from ``expected`` to the next version, or raise Conflict."""
    session = db.session()
    if expected == 0 and session.get(Profile, child_id) is None:
        try:
            with session.begin_nested():
                session.add(Profile(child_id=child_id, current_version=1, updated_at=now))
        except IntegrityError:
            raise _stale() from None
        return 1
    params = {"child": child_id, "expected": expected, "next": expected + 1, "now": now}
    moved = db.connection().execute(_ADVANCE_VERSION, params).rowcount
    if moved != 1:
        raise _stale()
    return expected + 1


def _stale() -> Conflict:
    return Conflict(
        _("Your profile was changed somewhere else. Look at the newest version first."),
        code="version_conflict",
    )


def write_section(
    actor: User,
    child_id: str,
    key: str,
    *,
    answers: object,
    language: str,
    has_help: bool,
    expected_version: int,
    now: datetime,
) -> ProfileView:
    """Save the child's answers for one section as a new profile version."""
    child = children.get_own_child(actor, child_id)
    cleaned = clean_answers(key, answers)
    version = _advance(child.id, expected_version, now)
    record = SectionRecord(
        id=db.new_id(),
        child_id=child.id,
        section_key=key,
        profile_version=version,
        has_help=has_help,
        written_by_id=actor.id,
        created_at=now,
    )
    payload = json.dumps({"answers": cleaned, "language": language}, ensure_ascii=False)
    record.content = encryption.seal(payload.encode(), _context(child, record))
    db.session().add(record)
    db.session().flush()
    _audit_write(actor, child, "profile.section.write", key, version, now)
    return view_at(child, version, _everything(child, is_child_self=True))


def _audit_write(
    actor: User, child: Child, action: str, key: str, version: int, now: datetime
) -> None:
    audit.record(
        actor=actor,
        action=action,
        chain=child.authority_id,
        now=now,
        subject=audit.Subject(
            child_id=child.id,
            object_type="profile",
            object_id=child.id,
            object_version=version,
            sections=(key,),
        ),
    )


def remove_section(
    actor: User, child_id: str, key: str, *, expected_version: int, now: datetime
) -> ProfileView:
    """A new version without ``key``; earlier versions keep it for the child's history."""
    child = children.get_own_child(actor, child_id)
    known_section(key)
    present = {record.section_key for record in _records_at(child.id, current_version(child.id))}
    if key not in present:
        raise NotFound()
    version = _advance(child.id, expected_version, now)
    db.session().add(
        SectionRecord(
            child_id=child.id,
            section_key=key,
            profile_version=version,
            is_removal=True,
            written_by_id=actor.id,
            created_at=now,
        )
    )
    db.session().flush()
    return view_at(child, version, _everything(child, is_child_self=True))


def list_versions(
    actor: User, child_id: str, *, limit: int, before: int | None
) -> tuple[list[VersionSummary], int | None]:
    """The child's profile versions, newest first, a page at a time."""
    child = children.get_own_child(actor, child_id)
    query = select(SectionRecord).where(SectionRecord.child_id == child.id)
    if before is not None:
        query = query.where(SectionRecord.profile_version < before)
    query = query.order_by(SectionRecord.profile_version.desc()).limit(limit + 1)
    records = list(db.session().scalars(query))
    summaries = [_summary(child.id, record) for record in records[:limit]]
    has_more = len(records) > limit
    return summaries, (summaries[-1].version if has_more else None)


def _summary(child_id: str, record: SectionRecord) -> VersionSummary:
    present = [r.section_key for r in _records_at(child_id, record.profile_version)]
    return VersionSummary(
        version=record.profile_version,
        created_at=record.created_at,
        changed=record.section_key,
        action="removed" if record.is_removal else "saved",
        has_help=record.has_help,
        sections=[key for key in catalogue.SECTION_KEYS if key in present],
    )
