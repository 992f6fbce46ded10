"""The child's pictures at rest: only re-encoded pixels, each part sealed on its own.

The original upload is never stored. ``image``, ``thumbnail`` and ``caption`` are
encryption envelopes (each with its own data key and associated data naming its
field), so nothing a child made or wrote is readable from the database or a backup.
Dimensions, type and size stay in the clear: the API needs them to lay out a page
before asking for the bytes, and they say nothing about the child.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from allaboutme.db import ID_LENGTH, Base, new_id, utcnow


class MediaItem(Base):
    """One photo or drawing in one section of a child's profile."""

    __tablename__ = "media_items"
    __table_args__ = (Index("ix_media_items_child_id_created_at", "child_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    child_id: Mapped[str] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"))
    section_key: Mapped[str] = mapped_column(String(32))
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int]
    height: Mapped[int]
    thumb_width: Mapped[int]
    thumb_height: Mapped[int]
    image: Mapped[bytes] = mapped_column(LargeBinary)
    thumbnail: Mapped[bytes] = mapped_column(LargeBinary)
    caption: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    byte_size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
