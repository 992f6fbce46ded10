"""Counting rows of ``audit_events`` from the benchmark process, with plain SQL.

Taken while no request is in flight (between the warm-up and the measured
period, and after it), so the difference is exactly what the measured requests
wrote. A fresh connection each time (``NullPool``, disposed at once): no idle
PostgreSQL backend of ours is left to count as database CPU during a scenario.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

PROFILE_READ = "profile.read"


@dataclass(frozen=True)
class AuditCount:
    total: int
    by_action: dict[str, int]  # "action outcome" -> rows
    by_chain: dict[str, int]
    reads_by_child: dict[str, int]  # allowed profile reads by the given actor, per child


def count_audit_events(url: str, actor_user_id: str) -> AuditCount:
    connect_args = {"timeout": 5} if url.startswith("sqlite") else {}
    engine = create_engine(url, poolclass=NullPool, connect_args=connect_args)
    try:
        with engine.connect() as connection:
            total = connection.execute(text("SELECT count(*) FROM audit_events")).scalar_one()
            by_action = connection.execute(
                text("SELECT action, outcome, count(*) FROM audit_events GROUP BY action, outcome")
            ).all()
            by_chain = connection.execute(
                text("SELECT chain, count(*) FROM audit_events GROUP BY chain")
            ).all()
            reads = connection.execute(
                text(
                    "SELECT child_id, count(*) FROM audit_events "
                    "WHERE action = :action AND outcome = 'allowed' AND actor_user_id = :actor "
                    "GROUP BY child_id"
                ),
                {"action": PROFILE_READ, "actor": actor_user_id},
            ).all()
    finally:
        engine.dispose()
    return AuditCount(
        total=int(total),
        by_action={f"{action} {outcome}": int(n) for action, outcome, n in by_action},
        by_chain={str(chain): int(n) for chain, n in by_chain},
        reads_by_child={str(child): int(n) for child, n in reads},
    )


def _delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    changed = Counter(after)
    changed.subtract(before)
    return {key: n for key, n in sorted(changed.items()) if n}


def written_between(before: AuditCount, after: AuditCount) -> dict[str, Any]:
    """What was appended between two counts (chain ids are opaque: only how many rows)."""
    per_child = _delta(before.reads_by_child, after.reads_by_child)
    return {
        "events_written": after.total - before.total,
        "by_action": _delta(before.by_action, after.by_action),
        "chains_written": len(_delta(before.by_chain, after.by_chain)),
        "audited_reads": sum(per_child.values()),
        "children_read": len(per_child),
        "reads_per_child_min": min(per_child.values(), default=0),
        "reads_per_child_max": max(per_child.values(), default=0),
    }
