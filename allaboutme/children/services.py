"""A child's case identity: who they are to the service and who works with them.

Relationship rules live here: a social worker reaches only children of their
own authority whom they are allocated to; an authority administrator reaches
their authority's children; a child reaches themself. Anything else is
"not found", so nobody learns that a child exists by guessing ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, select

from allaboutme import db, encryption
from allaboutme.accounts import invitations
from allaboutme.accounts.models import User
from allaboutme.audit import services as audit
from allaboutme.children.models import Allocation, Child
from allaboutme.errors import NotFound, field_error
from allaboutme.i18n import _, normalise_locale

MIN_AGE = 5
MAX_AGE = 18
MAX_NAME_LENGTH = 80


@dataclass(frozen=True)
class ChildSummary:
    """What a professional's list shows: the name decrypted for this reader."""

    id: str
    preferred_name: str
    date_of_birth: date
    locale: str
    has_login: bool
    created_at: datetime


def _name_context(child: Child) -> encryption.RecordContext:
    return encryption.RecordContext(
        tenant_id=child.authority_id,
        child_id=child.id,
        table="children",
        field="preferred_name",
        row_id=child.id,
        version=child.name_version,
    )


def age_on(date_of_birth: date, today: date) -> int:
    before_birthday = (today.month, today.day) < (date_of_birth.month, date_of_birth.day)
    return today.year - date_of_birth.year - before_birthday


YOUNG_MAX_AGE = 10


def age_band_of(child: Child, today: date) -> str:
    """``"young"`` (simpler words) up to 10, ``"older"`` from 11."""
    return "young" if age_on(child.date_of_birth, today) <= YOUNG_MAX_AGE else "older"


def create_child(
    *, actor: User, preferred_name: str, date_of_birth: date, locale: str, now: datetime
) -> Child:
    """Register a child in the worker's authority and allocate the worker to them."""
    name = preferred_name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise field_error("preferred_name", _("Please give the name the child likes to be called."))
    age = age_on(date_of_birth, now.date())
    if not MIN_AGE <= age <= MAX_AGE:
        raise field_error("date_of_birth", _("The child must be between 5 and 18 years old."))
    child = Child(
        id=db.new_id(),
        authority_id=actor.org_id,
        date_of_birth=date_of_birth,
        locale=normalise_locale(locale) or "en",
        created_by_id=actor.id,
        created_at=now,
        name_version=1,
    )
    encryption.ensure_child_key(child.authority_id, child.id)
    child.preferred_name = encryption.seal(name.encode(), _name_context(child))
    session = db.session()
    session.add(child)
    session.flush()
    session.add(Allocation(child_id=child.id, worker_id=actor.id, allocated_at=now))
    session.flush()
    audit.record(
        actor=actor,
        action="child.create",
        chain=child.authority_id,
        now=now,
        subject=audit.Subject(child_id=child.id, object_type="child", object_id=child.id),
    )
    return child


_ALLOCATIONS = Allocation.__table__.c
# Built once: every worker's read of a child asks it.
_IS_ALLOCATED = select(_ALLOCATIONS.id).where(
    _ALLOCATIONS.child_id == bindparam("child_id"),
    _ALLOCATIONS.worker_id == bindparam("worker_id"),
    _ALLOCATIONS.ended_at.is_(None),
)


def is_allocated(worker: User, child_id: str) -> bool:
    params = {"child_id": child_id, "worker_id": worker.id}
    return db.connection().execute(_IS_ALLOCATED, params).first() is not None


def allocated_child_ids(worker: User) -> set[str]:
    """Every child ``worker`` is allocated to now (one query, for filtering lists)."""
    return set(
        db.session().scalars(
            select(Allocation.child_id).where(
                Allocation.worker_id == worker.id, Allocation.ended_at.is_(None)
            )
        )
    )


def can_reach(actor: User, child: Child) -> bool:
    """Whether ``actor`` has a working relationship with ``child`` at all."""
    if actor.role == "child":
        return actor.child_id == child.id
    if actor.org_id != child.authority_id:
        return False
    if actor.role == "la_admin":
        return True
    return actor.role == "social_worker" and is_allocated(actor, child.id)


def get_child(actor: User, child_id: str) -> Child:
    child = db.session().get(Child, child_id)
    if child is None or not can_reach(actor, child):
        raise NotFound()
    return child


def get_own_child(actor: User, child_id: str) -> Child:
    """The child, when ``actor`` is that child; anyone else is told it is not found."""
    child = get_child(actor, child_id)
    if actor.role != "child":
        raise NotFound()
    return child


def get_child_for_rights(actor: User, child_id: str) -> Child:
    """The child, for the child themself or their authority's administrator only.

    Data rights (a copy of everything, erasure) belong to the child; the
    authority's administrator acts on them on the child's behalf.
    """
    child = get_child(actor, child_id)
    is_self = actor.role == "child" and actor.child_id == child.id
    is_admin = actor.role == "la_admin" and actor.org_id == child.authority_id
    if not (is_self or is_admin):
        raise NotFound()
    return child


def get_allocated_child(worker: User, child_id: str) -> Child:
    """The child, only when ``worker`` is a social worker allocated to them."""
    child = get_child(worker, child_id)
    if worker.role != "social_worker":
        raise NotFound()
    return child


def preferred_name(child: Child) -> str:
    return encryption.open(child.preferred_name, _name_context(child)).decode()


def list_children(
    actor: User, *, limit: int, cursor: str | None
) -> tuple[list[ChildSummary], str | None]:
    """The actor's children in a stable order, one page at a time."""
    query = select(Child).where(Child.authority_id == actor.org_id)
    if actor.role == "social_worker":
        query = query.join(Allocation, Allocation.child_id == Child.id).where(
            Allocation.worker_id == actor.id, Allocation.ended_at.is_(None)
        )
    elif actor.role != "la_admin":
        return [], None
    if cursor:
        query = query.where(Child.id > cursor)
    rows = list(db.session().scalars(query.order_by(Child.id).limit(limit + 1)))
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    return [_summary(child) for child in rows[:limit]], next_cursor


def _summary(child: Child) -> ChildSummary:
    has_login = db.session().scalar(select(User.id).where(User.child_id == child.id)) is not None
    return ChildSummary(
        id=child.id,
        preferred_name=preferred_name(child),
        date_of_birth=child.date_of_birth,
        locale=child.locale,
        has_login=has_login,
        created_at=child.created_at,
    )


def invite_child(*, actor: User, child_id: str, now: datetime) -> invitations.IssuedInvitation:
    """A one-time code for the child to create their login (allocated worker only)."""
    child = get_allocated_child(actor, child_id)
    issued = invitations.issue_invitation(
        child_id=child.id, authority_id=child.authority_id, actor=actor, now=now
    )
    audit.record(
        actor=actor,
        action="invitation.issue",
        chain=child.authority_id,
        now=now,
        subject=audit.Subject(child_id=child.id, object_type="child", object_id=child.id),
    )
    return issued
