"""Organisations, users, server-side sessions, login throttles and known devices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from allaboutme.db import ID_LENGTH, Base, new_id, utcnow

ORG_KINDS = ("local_authority", "provider", "framework")
ROLES = ("child", "social_worker", "provider", "la_admin", "framework_admin")
PROFESSIONAL_ROLES = ("social_worker", "provider", "la_admin", "framework_admin")

# Which kind of organisation each role belongs to.
ROLE_ORG_KIND = {
    "child": "local_authority",
    "social_worker": "local_authority",
    "la_admin": "local_authority",
    "provider": "provider",
    "framework_admin": "framework",
}


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


class Organisation(Base):
    __tablename__ = "organisations"
    __table_args__ = (CheckConstraint(f"kind IN ({_in(ORG_KINDS)})", name="kind"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN ({_in(ROLES)})", name="role"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    locale: Mapped[str] = mapped_column(String(16), default="en")
    password_hash: Mapped[str] = mapped_column(String(256))
    is_active: Mapped[bool] = mapped_column(default=True)
    child_id: Mapped[str | None] = mapped_column(
        ForeignKey("children.id", ondelete="CASCADE"), unique=True, default=None
    )
    totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    # A new app being set up by someone already enrolled: the old secret stays in
    # force until this one has given a right code.
    totp_pending_secret: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    totp_version: Mapped[int] = mapped_column(default=0)
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(default=None)
    totp_last_step: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="joined")

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return self.id

    @property
    def is_professional(self) -> bool:
        return self.role in PROFESSIONAL_ROLES

    @property
    def has_mfa(self) -> bool:
        return self.totp_enrolled_at is not None


class UserSession(Base):
    """A login session; the primary key is the SHA-256 of the cookie's random id."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, default=None
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    idle_timeout_seconds: Mapped[int] = mapped_column(default=1800)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginThrottle(Base):
    """Consecutive failed logins per username (known or not, so both look alike)."""

    __tablename__ = "login_throttles"

    username_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(default=None)


class KnownDevice(Base):
    """A browser a user has logged in from; it keeps working while others guess."""

    __tablename__ = "known_devices"
    __table_args__ = (Index("ix_known_devices_token_digest", "token_digest", unique=True),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_digest: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(default=utcnow)


class Invitation(Base):
    """A one-time code a social worker gives a child to create their login."""

    __tablename__ = "invitations"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    child_id: Mapped[str] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    authority_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
