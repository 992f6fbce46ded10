"""Appending audit events, signing checkpoints, and checking every chain.

Events are written with ``db.session()`` so they commit or roll back together
with the change they describe. Each authority (or, for events outside any
authority, the actor's organisation) has its own chain; the chain head row is
locked while appending, so appends are ordered within a chain and chains do not
wait for each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from allaboutme import db
from allaboutme.audit import chain as hashchain
from allaboutme.audit.models import AuditCheckpoint, AuditEvent, AuditHead
from allaboutme.crypto import signing
from allaboutme.web.access import current_auth_strength
from allaboutme.web.logs import current_request_id

HASHED_FIELDS = (
    "chain",
    "sequence",
    "at",
    "action",
    "outcome",
    "reason",
    "actor_user_id",
    "actor_role",
    "actor_org_id",
    "auth_strength",
    "child_id",
    "object_type",
    "object_id",
    "object_version",
    "sections",
    "grant_id",
    "request_id",
)


_EVENT_COLUMNS = tuple(column.key for column in AuditEvent.__table__.columns)

SERVICE_CHAIN = "service"  # events that belong to no organisation (unknown usernames)


class Actor(Protocol):
    id: str
    role: str
    org_id: str


@dataclass(frozen=True)
class Subject:
    """What an event is about: a child, an object and its version, sections."""

    child_id: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    object_version: int | None = None
    sections: tuple[str, ...] = ()
    grant_id: str | None = None


def _fields(event: AuditEvent) -> dict[str, Any]:
    values = {name: getattr(event, name) for name in HASHED_FIELDS}
    values["at"] = event.at.isoformat()
    values["sections"] = list(event.sections or [])
    return values


_HEADS = AuditHead.__table__.c
# Built once: an audited read appends an event, so these run on most requests by staff.
_LOCK_HEAD = (
    select(_HEADS.sequence, _HEADS.hash).where(_HEADS.chain == bindparam("chain")).with_for_update()
)
_CREATE_HEAD = insert(AuditHead.__table__)
_ADVANCE_HEAD = (
    update(AuditHead.__table__)
    .where(_HEADS.chain == bindparam("head_chain"))
    .values(sequence=bindparam("new_sequence"), hash=bindparam("new_hash"))
)
_APPEND_EVENT = insert(AuditEvent.__table__)


def _locked_head(session: Session, chain: str) -> tuple[int, str]:
    """The chain's head (sequence, hash), locked for this transaction; created if new."""
    head = db.connection(session).execute(_LOCK_HEAD, {"chain": chain}).first()
    if head is not None:
        return head.sequence, head.hash
    try:
        with session.begin_nested():
            session.connection().execute(
                _CREATE_HEAD, {"chain": chain, "sequence": 0, "hash": hashchain.GENESIS}
            )
    except IntegrityError:
        pass  # another transaction created it first; lock theirs
    head = session.connection().execute(_LOCK_HEAD, {"chain": chain}).one()
    return head.sequence, head.hash


def record(
    *,
    actor: Actor | None,
    action: str,
    chain: str,
    now: datetime,
    subject: Subject = Subject(),
    outcome: str = "allowed",
    reason: str | None = None,
    session: Session | None = None,
    request_facts: tuple[str | None, str | None] | None = None,
) -> AuditEvent:
    """Append one event to ``chain`` in the current transaction (or in ``session``).

    ``request_facts`` (request id, auth strength) are taken from the current
    request unless given, as they are for events written after it ended.
    """
    request_id, strength = request_facts or (
        current_request_id(),
        current_auth_strength() if actor else None,
    )
    session = session or db.session()
    head_sequence, head_hash = _locked_head(session, chain)
    event = AuditEvent(
        id=db.new_id(),
        chain=chain,
        sequence=head_sequence + 1,
        at=now,
        action=action,
        outcome=outcome,
        reason=reason,
        actor_user_id=actor.id if actor else None,
        actor_role=actor.role if actor else None,
        actor_org_id=actor.org_id if actor else None,
        auth_strength=strength,
        child_id=subject.child_id,
        object_type=subject.object_type,
        object_id=subject.object_id,
        object_version=subject.object_version,
        sections=list(subject.sections),
        grant_id=subject.grant_id,
        request_id=current_request_id(),
        previous_hash=head_hash,
    )
    event.hash = hashchain.entry_hash(head_hash, _fields(event))
    _append(session, event)
    return event


def _append(session: Session, event: AuditEvent) -> None:
    """Write the event and move its chain's head (the head is locked by this transaction).

    Plain statements, not the unit of work: the event is append-only and nothing
    else in the request changes it. The event object stays out of the session; it
    reports what was written.
    """
    connection = session.connection()
    connection.execute(_APPEND_EVENT, {name: getattr(event, name) for name in _EVENT_COLUMNS})
    connection.execute(
        _ADVANCE_HEAD,
        {"head_chain": event.chain, "new_sequence": event.sequence, "new_hash": event.hash},
    )


def chains() -> list[str]:
    return list(db.session().scalars(select(AuditHead.chain).order_by(AuditHead.chain)))


def _entries(chain: str) -> Iterable[hashchain.Entry]:
    query = (
        select(AuditEvent)
        .where(AuditEvent.chain == chain)
        .order_by(AuditEvent.sequence, AuditEvent.id)
        .execution_options(yield_per=1000)
    )
    for event in db.session().scalars(query):
        yield hashchain.Entry(event.sequence, event.previous_hash, event.hash, _fields(event))


def _checkpoints(chain: str, trusted_public_pem: bytes) -> tuple[list[hashchain.Checkpoint], bool]:
    """The chain's checkpoints, and whether every one was signed by the trusted key."""
    rows = db.session().scalars(select(AuditCheckpoint).where(AuditCheckpoint.chain == chain))
    checkpoints, genuine = [], True
    for row in rows:
        message = hashchain.checkpoint_message(chain, row.sequence, row.hash)
        genuine = genuine and signing.verify(trusted_public_pem, message, row.signature)
        checkpoints.append(hashchain.Checkpoint(row.sequence, row.hash))
    return checkpoints, genuine


def verify(chain: str, trusted_public_pem: bytes) -> hashchain.Verdict:
    """Check one chain against its checkpoints (signatures checked with our own key)."""
    checkpoints, genuine = _checkpoints(chain, trusted_public_pem)
    if not genuine:
        return hashchain.Verdict(False, None, "a checkpoint's signature is not genuine")
    return hashchain.verify_chain(_entries(chain), checkpoints)


def sign_checkpoints(private_pem: bytes, *, now: datetime) -> int:
    """Sign the head of every chain that moved since its last checkpoint."""
    public_pem = signing.public_pem_for(private_pem)
    signed = 0
    for head in db.session().scalars(select(AuditHead)):
        latest = db.session().scalar(
            select(AuditCheckpoint.sequence)
            .where(AuditCheckpoint.chain == head.chain)
            .order_by(AuditCheckpoint.sequence.desc())
            .limit(1)
        )
        if head.sequence == 0 or latest == head.sequence:
            continue
        message = hashchain.checkpoint_message(head.chain, head.sequence, head.hash)
        db.session().add(
            AuditCheckpoint(
                chain=head.chain,
                sequence=head.sequence,
                hash=head.hash,
                signed_at=now,
                signature=signing.sign(private_pem, message),
                public_key=public_pem,
            )
        )
        signed += 1
    db.session().flush()
    return signed


def events_about_child(
    child_id: str, *, actions: Iterable[str], limit: int, before_sequence: int | None
) -> tuple[list[AuditEvent], int | None]:
    """Events about one child by anyone but the child, newest first, a page at a time."""
    query = select(AuditEvent).where(
        AuditEvent.child_id == child_id,
        AuditEvent.action.in_(list(actions)),
        AuditEvent.outcome == "allowed",
        AuditEvent.actor_role.is_distinct_from("child"),
    )
    if before_sequence is not None:
        query = query.where(AuditEvent.sequence < before_sequence)
    rows = list(db.session().scalars(query.order_by(AuditEvent.sequence.desc()).limit(limit + 1)))
    has_more = len(rows) > limit
    return rows[:limit], (rows[limit - 1].sequence if has_more else None)


def record_detached(**event: Any) -> None:
    """Record an event in its own transaction once the current one has ended.

    For denials: the request that was refused rolls back, but its refusal must
    stay on the record.
    """
    facts = (current_request_id(), current_auth_strength() if event.get("actor") else None)

    def write() -> None:
        with db.database().sessionmaker() as session, session.begin():
            record(session=session, request_facts=facts, **event)

    db.after_this_transaction(write)
