"""A copy of everything held about a child, and erasure.

Sits above ``profiles`` and ``media`` because "everything" spans both (and the
child's consent choices). Erasure destroys the child's key in the key store:
every envelope sealed for the child, in this database or any copy of it, can
never be opened again; the rows are deleted too, so the service forgets at once.
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
from allaboutme.consent import services as consent
from allaboutme.errors import NotFound
from allaboutme.media import services as media
from allaboutme.profiles.rights import profile_history


def _audit(actor: User, child: Child, action: str, now: datetime) -> None:
    audit.record(
        actor=actor,
        action=action,
        chain=child.authority_id,
        now=now,
        subject=audit.Subject(child_id=child.id, object_type="child", object_id=child.id),
    )


def export_child(actor: User, child_id: str, *, now: datetime) -> dict[str, Any]:
    """Everything held about the child, decrypted: the child or their authority's admin."""
    child = children.get_child_for_rights(actor, child_id)
    _audit(actor, child, "child.export", now)
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
            "login": _login(child),
            "social_workers": _workers(child),
            "profile_versions": profile_history(child),
            "pictures": media.pictures_for_export(child),
            "consents": [
                consent.describe_grant(grant, child, now=now) for grant in consent.grants_of(child)
            ],
        }
    )


def _login(child: Child) -> dict[str, Any] | None:
    login = db.session().scalar(select(User).where(User.child_id == child.id))
    if login is None:
        return None
    return {"username": login.username, "locale": login.locale, "created_at": login.created_at}


def _workers(child: Child) -> list[dict[str, Any]]:
    rows = (
        db.session()
        .execute(
            select(User.display_name, Allocation.allocated_at, Allocation.ended_at)
            .join(Allocation, Allocation.worker_id == User.id)
            .where(Allocation.child_id == child.id)
        )
        .all()
    )
    return [
        {"display_name": name, "allocated_at": start, "ended_at": end} for name, start, end in rows
    ]


def _jsonable(value: Any) -> Any:
    """Times as RFC 3339 strings, all the way down."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    return value


def erase_child(actor: User, child_id: str, *, now: datetime) -> None:
    """Destroy the child's key and forget the child (authority administrators only)."""
    child = children.get_child(actor, child_id)
    if actor.role != "la_admin":
        raise NotFound()
    _audit(actor, child, "child.erase", now)
    encryption.destroy_child_key(child.id)
    session = db.session()
    session.execute(delete(User).where(User.child_id == child.id))
    session.execute(delete(Child).where(Child.id == child.id))
    session.flush()
