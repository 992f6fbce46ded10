"""The child's data rights: a copy of everything held, and erasure.

Erasure destroys the child's key in the key store: every envelope sealed for
the child, in this database or in any copy of it, can never be opened again.
The rows are deleted as well, so the live service forgets the child at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from allaboutme import db, encryption
from allaboutme.accounts.models import User
from allaboutme.audit import services as audit
from allaboutme.children import services as children
from allaboutme.children.models import Allocation, Child
from allaboutme.errors import NotFound
from allaboutme.profiles import services as profiles
from allaboutme.profiles.models import SectionRecord


def _may_exercise_rights(actor: User, child: Child) -> bool:
    if actor.role == "child":
        return actor.child_id == child.id
    return actor.role == "la_admin" and actor.org_id == child.authority_id


def _child_for_rights(actor: User, child_id: str) -> Child:
    child = children.get_child(actor, child_id)
    if not _may_exercise_rights(actor, child):
        raise NotFound()
    return child


def export_child(actor: User, child_id: str, *, now: datetime) -> dict[str, Any]:
    """Everything held about the child, decrypted, as plain data."""
    child = _child_for_rights(actor, child_id)
    audit.record(
        actor=actor,
        action="child.export",
        chain=child.authority_id,
        now=now,
        subject=audit.Subject(child_id=child.id, object_type="child", object_id=child.id),
    )
    session = db.session()
    login = session.scalar(select(User).where(User.child_id == child.id))
    workers = session.execute(
        select(User.display_name, Allocation.allocated_at, Allocation.ended_at)
        .join(Allocation, Allocation.worker_id == User.id)
        .where(Allocation.child_id == child.id)
    ).all()
    return _jsonable(
        {
            "exported_at": now,
            "child": {
                "id": child.id,
                "preferred_name": children.preferred_name(child),
                "date_of_birth": child.date_of_birth.isoformat(),
                "locale": child.locale,
                "created_at": child.created_at,
            },
            "login": None
            if login is None
            else {
                "username": login.username,
                "locale": login.locale,
                "created_at": login.created_at,
            },
            "social_workers": [
                {"display_name": name, "allocated_at": start, "ended_at": end}
                for name, start, end in workers
            ],
            "profile_versions": _all_versions(child),
        }
    )


def _jsonable(value: Any) -> Any:
    """Times as RFC 3339 strings, all the way down."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    return value


def _all_versions(child: Child) -> list[dict[str, Any]]:
    records = db.session().scalars(
        select(SectionRecord)
        .where(SectionRecord.child_id == child.id)
        .order_by(SectionRecord.profile_version)
    )
    versions = []
    for record in records:
        entry: dict[str, Any] = {
            "version": record.profile_version,
            "section": record.section_key,
            "action": "removed" if record.is_removal else "saved",
            "has_help": record.has_help,
            "created_at": record.created_at,
        }
        if not record.is_removal:
            content = profiles.open_record(child, record)
            entry["answers"] = content.answers
            entry["language"] = content.language
        versions.append(entry)
    return versions


def erase_child(actor: User, child_id: str, *, now: datetime) -> None:
    """Destroy the child's key and forget the child (authority administrators only)."""
    child = children.get_child(actor, child_id)
    if actor.role != "la_admin":
        raise NotFound()
    audit.record(
        actor=actor,
        action="child.erase",
        chain=child.authority_id,
        now=now,
        subject=audit.Subject(child_id=child.id, object_type="child", object_id=child.id),
    )
    encryption.vault().destroy_child_key(child.id)
    session = db.session()
    session.execute(delete(User).where(User.child_id == child.id))
    session.execute(delete(Child).where(Child.id == child.id))
    session.flush()
