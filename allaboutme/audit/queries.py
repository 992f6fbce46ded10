"""Read-only questions about one authority's audit chain, for its administrator's pages.

Only ``select()``: nothing here writes. Pages are ordered by ``sequence``
(newest first) and continue from a sequence number, so a page never shifts
when new events are appended meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from allaboutme import db
from allaboutme.audit.models import AuditEvent

SAFEGUARDING_READ = "profile.read.safeguarding"


@dataclass(frozen=True)
class EventFilter:
    action: str | None = None
    child_id: str | None = None


def chain_events(
    chain: str, *, where: EventFilter, limit: int, before: int | None
) -> tuple[list[AuditEvent], int | None]:
    """One page of the chain's events, newest first, and where the next page starts."""
    query = select(AuditEvent).where(AuditEvent.chain == chain)
    if where.action:
        query = query.where(AuditEvent.action == where.action)
    if where.child_id:
        query = query.where(AuditEvent.child_id == where.child_id)
    if before is not None:
        query = query.where(AuditEvent.sequence < before)
    query = query.order_by(AuditEvent.sequence.desc()).limit(limit + 1)
    rows = list(db.session().scalars(query))
    has_more = len(rows) > limit
    return rows[:limit], (rows[limit - 1].sequence if has_more else None)


def chain_actions(chain: str) -> list[str]:
    """The actions that occur in the chain, for the filter's choices."""
    query = select(AuditEvent.action).where(AuditEvent.chain == chain).distinct()
    return sorted(db.session().scalars(query))


def safeguarding_reads(
    chain: str, *, limit: int, before: int | None
) -> tuple[list[AuditEvent], int | None]:
    """Safeguarding overrides in the chain, newest first, for review."""
    return chain_events(
        chain, where=EventFilter(action=SAFEGUARDING_READ), limit=limit, before=before
    )
