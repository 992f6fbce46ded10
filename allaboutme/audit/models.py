"""Audit events, the head of each chain, and signed checkpoints.

Events hold identifiers, never content. ``child_id`` is deliberately not a
foreign key: the record of who saw a child must outlive the child's erasure.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from allaboutme.db import ID_LENGTH, Base, new_id, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        UniqueConstraint("chain", "sequence"),
        Index("ix_audit_events_child_id_at", "child_id", "at"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    chain: Mapped[str] = mapped_column(String(ID_LENGTH))
    sequence: Mapped[int]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16), default="allowed")
    reason: Mapped[str | None] = mapped_column(String(500), default=None)
    actor_user_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), default=None)
    actor_role: Mapped[str | None] = mapped_column(String(20), default=None)
    actor_org_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), default=None)
    auth_strength: Mapped[str | None] = mapped_column(String(32), default=None)
    child_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), default=None)
    object_type: Mapped[str | None] = mapped_column(String(32), default=None)
    object_id: Mapped[str | None] = mapped_column(String(64), default=None)
    object_version: Mapped[int | None] = mapped_column(default=None)
    sections: Mapped[list[str]] = mapped_column(JSON, default=list)
    grant_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), default=None)
    request_id: Mapped[str | None] = mapped_column(String(64), default=None)
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The newest entry of each chain; locking it orders appends within a chain."""

    __tablename__ = "audit_heads"

    chain: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    sequence: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """A signed (sequence, hash) of a chain, exportable to somewhere else."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    chain: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    sequence: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
