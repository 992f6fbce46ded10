"""A child's case identity: their authority, the workers allocated to them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from allaboutme.db import ID_LENGTH, Base, new_id, utcnow


class Child(Base):
    """A child looked after by a local authority.

    ``preferred_name`` is an encryption envelope, never plaintext; its record
    version is ``name_version`` so each change gets a fresh data key.
    """

    __tablename__ = "children"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    authority_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    preferred_name: Mapped[bytes] = mapped_column(LargeBinary)
    name_version: Mapped[int] = mapped_column(default=1)
    date_of_birth: Mapped[date]
    locale: Mapped[str] = mapped_column(String(16), default="en")
    # Not a foreign key: users.child_id already points here, and a cycle of
    # foreign keys cannot be created or dropped in order.
    created_by_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Allocation(Base):
    """A social worker allocated to a child; ``ended_at`` closes it."""

    __tablename__ = "allocations"
    __table_args__ = (Index("ix_allocations_worker_id_child_id", "worker_id", "child_id"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    child_id: Mapped[str] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    worker_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    allocated_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
