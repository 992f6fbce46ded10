"""Who may read which sections of a child's profile, decided from grants alone.

Pure: no database, no clock, no Flask. Callers pass the viewer, the child's
grants and ``now``; the answer is a :class:`Decision` that the one decryption
path requires. Nothing is shared by default: a section is readable by someone
other than the child only while an active grant covers that viewer and section.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

AUDIENCE_KINDS = ("social_worker", "provider")
PURPOSES = ("support", "placement", "review")


@dataclass(frozen=True)
class Viewer:
    """Someone asking to read: their role and relationship to the child."""

    user_id: str
    role: str
    org_id: str
    is_child_self: bool = False
    is_allocated_worker: bool = False


@dataclass(frozen=True)
class Grant:
    id: str
    audience_kind: str
    audience_org_id: str | None
    sections: frozenset[str]
    purpose: str
    granted_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class Decision:
    """The sections allowed, and which grant allows each (for the audit log)."""

    child_id: str
    allowed: frozenset[str]
    grant_for: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    is_child_self: bool = False

    def allows(self, section: str) -> bool:
        return section in self.allowed


def is_active(grant: Grant, now: datetime) -> bool:
    """Granted already, not yet expired, not revoked."""
    if now < grant.granted_at:
        return False
    if grant.expires_at is not None and now >= grant.expires_at:
        return False
    return grant.revoked_at is None or now < grant.revoked_at


def covers(grant: Grant, viewer: Viewer) -> bool:
    """Whether ``viewer`` belongs to the grant's audience."""
    if grant.audience_kind == "social_worker":
        return viewer.role == "social_worker" and viewer.is_allocated_worker
    if grant.audience_kind == "provider":
        return viewer.role == "provider" and viewer.org_id == grant.audience_org_id
    return False


def decide(
    viewer: Viewer,
    child_id: str,
    sections: Iterable[str],
    purpose: str | None,
    grants: Iterable[Grant],
    now: datetime,
) -> Decision:
    """Which of ``sections`` ``viewer`` may read now (for ``purpose``, if given)."""
    wanted = frozenset(sections)
    if viewer.is_child_self:
        return Decision(child_id, wanted, is_child_self=True)
    grant_for: dict[str, str] = {}
    for grant in sorted(grants, key=lambda g: (g.granted_at, g.id)):
        if not (is_active(grant, now) and covers(grant, viewer)):
            continue
        if purpose is not None and grant.purpose != purpose:
            continue
        for section in grant.sections & wanted:
            grant_for.setdefault(section, grant.id)
    return Decision(child_id, frozenset(grant_for), MappingProxyType(grant_for))
