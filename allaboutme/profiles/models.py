"""Encrypted, versioned profile sections.

Every save of a section is a new immutable row, sealed with its own data key;
``profiles.current_version`` is the child's profile version (the ETag), moved on
by one compare-and-set so two devices cannot overwrite each other unseen.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from allaboutme.db import ID_LENGTH, Base, new_id, utcnow


class Profile(Base):
    __tablename__ = "profiles"

    child_id: Mapped[str] = mapped_column(
        ForeignKey("children.id", ondelete="CASCADE"), primary_key=True
    )
    current_version: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SectionRecord(Base):
    """One saved state of one section (or its removal, with no content)."""

    __tablename__ = "profile_sections"
    __table_args__ = (
        Index("ix_profile_sections_child_id_profile_version", "child_id", "profile_version"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    child_id: Mapped[str] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"))
    section_key: Mapped[str] = mapped_column(String(32))
    profile_version: Mapped[int]
    content: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    is_removal: Mapped[bool] = mapped_column(default=False)
    has_help: Mapped[bool] = mapped_column(default=False)
    written_by_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
