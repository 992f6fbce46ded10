"""Consent grants: what the child agreed to share, with whom, why, until when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from allaboutme.db import ID_LENGTH, Base, new_id, utcnow


class ConsentGrant(Base):
    __tablename__ = "consent_grants"
    __table_args__ = (Index("ix_consent_grants_child_id_revoked_at", "child_id", "revoked_at"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    child_id: Mapped[str] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"))
    audience_kind: Mapped[str] = mapped_column(String(20))
    audience_org_id: Mapped[str | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), default=None
    )
    sections: Mapped[list[str]] = mapped_column(JSON)
    purpose: Mapped[str] = mapped_column(String(20))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    notice_version: Mapped[str] = mapped_column(String(20))
    locale: Mapped[str] = mapped_column(String(16))
    has_help: Mapped[bool] = mapped_column(default=False)
    granted_by_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
