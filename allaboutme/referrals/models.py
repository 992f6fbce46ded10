"""Referrals, the providers shortlisted for them, the packets sent and the answers.

A referral and its packets are case records: they outlive the child's working
profile. The worker's summary, each packet's snapshot and each provider's note are
encryption envelopes under the child's case-record key (SECURITY.md, "Erasure"), so
erasing the child's profile leaves them readable until an administrator records the
decision to destroy them. Packets therefore keep the child's id as plain text rather
than a foreign key that erasure would cascade through.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from allaboutme.db import ID_LENGTH, Base, new_id, utcnow

STATUSES = ("draft", "sent", "responses", "closed")
DECISIONS = ("interested", "declined")
PACKET_LIFETIME = timedelta(days=30)
VERIFICATION_LENGTH = 12
NOTE_MAX_LENGTH = 2000
SUMMARY_MAX_LENGTH = 4000


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


class Referral(Base):
    """A social worker's request for a new home for one child."""

    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint(f"status IN ({_in(STATUSES)})", name="status"),
        Index("ix_referrals_child_id_created_at", "child_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    child_id: Mapped[str | None] = mapped_column(
        ForeignKey("children.id", ondelete="SET NULL"), default=None
    )
    # The child's id kept after erasure empties ``child_id``: the case records need it.
    child_ref: Mapped[str] = mapped_column(String(ID_LENGTH))
    authority_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    lot: Mapped[str] = mapped_column(String(2))
    needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    lat: Mapped[float]
    lon: Mapped[float]
    location_kind: Mapped[str] = mapped_column(String(8), default="home")
    summary: Mapped[bytes] = mapped_column(LargeBinary)
    start_by: Mapped[date | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    child_asked_at: Mapped[datetime | None] = mapped_column(default=None)
    child_answered_at: Mapped[datetime | None] = mapped_column(default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)


class Candidate(Base):
    """A provider the worker shortlisted for a referral."""

    __tablename__ = "referral_candidates"

    referral_id: Mapped[str] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), primary_key=True
    )
    provider_id: Mapped[str] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    added_by_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )


class Packet(Base):
    """What one provider receives: the sections the child allowed, while it is live.

    ``sections`` are those the child's consent allowed when it was sent; the
    provider sees, on each request, the ones still allowed. ``snapshot`` keeps
    what was sent as a statutory record (``is_legal_hold``).
    """

    __tablename__ = "packets"
    __table_args__ = (
        CheckConstraint(
            f"response_decision IS NULL OR response_decision IN ({_in(DECISIONS)})",
            name="response_decision",
        ),
        Index("ix_packets_provider_id_sent_at", "provider_id", "sent_at"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    referral_id: Mapped[str] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), index=True
    )
    provider_id: Mapped[str] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    child_ref: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    authority_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    sections: Mapped[list[str]] = mapped_column(JSON)
    snapshot: Mapped[bytes] = mapped_column(LargeBinary)
    verification_id: Mapped[str] = mapped_column(String(VERIFICATION_LENGTH), unique=True)
    is_legal_hold: Mapped[bool] = mapped_column(default=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    response_decision: Mapped[str | None] = mapped_column(String(12), default=None)
    response_note: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    response_version: Mapped[int] = mapped_column(default=0)
    responded_at: Mapped[datetime | None] = mapped_column(default=None)
    responded_by_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )


class HomeProfile(Base):
    """ "About my new home": what an interested provider tells the child about the home.

    Written by the provider for the child, about the home rather than the child,
    so it is kept as the provider wrote it; pictures are re-encoded from pixels.
    """

    __tablename__ = "home_profiles"

    packet_id: Mapped[str] = mapped_column(
        ForeignKey("packets.id", ondelete="CASCADE"), primary_key=True
    )
    content: Mapped[dict[str, str]] = mapped_column(JSON)
    language: Mapped[str] = mapped_column(String(16), default="en")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    written_by_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )


class HomePhoto(Base):
    """A photo of the new home (a room, the garden, a pet), cleaned of metadata."""

    __tablename__ = "home_photos"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    packet_id: Mapped[str] = mapped_column(ForeignKey("packets.id", ondelete="CASCADE"), index=True)
    content_type: Mapped[str] = mapped_column(String(32))
    image: Mapped[bytes] = mapped_column(LargeBinary)
    thumbnail: Mapped[bytes] = mapped_column(LargeBinary)
    caption: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
