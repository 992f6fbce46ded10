"""The database store behind the server-side session cookie.

Saving runs its own short transactions on the engine (not the request's
session): a session must be saved even when the request's own work was rolled
back, and it is saved after the request's commit. Loading reads through the
request's session, which then holds the user for the rest of the request.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import g
from sqlalchemy import bindparam, delete, select, update

from allaboutme import db
from allaboutme.accounts.models import User, UserSession
from allaboutme.crypto.tokens import token_digest

STAFF_IDLE = timedelta(minutes=15)
CHILD_IDLE = timedelta(minutes=30)
ABSOLUTE_LIFETIME = timedelta(hours=12)
TOUCH_INTERVAL = timedelta(seconds=60)

USER_KEY = "_user_id"
IDLE_KEY = "_idle_seconds"


_SESSION_AND_USER = (
    select(
        UserSession.data,
        UserSession.created_at,
        UserSession.last_seen_at,
        UserSession.idle_timeout_seconds,
        User,
    )
    .outerjoin(User, User.id == UserSession.user_id)
    .where(UserSession.id == bindparam("digest"))
)


def idle_timeout_for(role: str | None) -> timedelta:
    return CHILD_IDLE if role in (None, "child") else STAFF_IDLE


class DatabaseSessionStore:
    """Implements :class:`allaboutme.web.sessions.SessionStore`."""

    def __init__(self, clock: Any = db.utcnow) -> None:
        self.clock = clock

    def load(self, token: str) -> dict[str, Any] | None:
        """The session's data, its user loaded alongside into the request's database session.

        One statement serves both: the user loader then finds the user already in
        the session's identity map instead of asking the database again.
        """
        row = db.session().execute(_SESSION_AND_USER, {"digest": token_digest(token)}).first()
        if row is None:
            return None
        now = self.clock()
        if self._has_expired(now, row.created_at, row.last_seen_at, row.idle_timeout_seconds):
            self.delete(token)
            return None
        g._session_last_seen = row.last_seen_at
        g._session_user = row.User  # held, so the identity map keeps it for the user loader
        return dict(row.data)

    @staticmethod
    def _has_expired(
        now: datetime, created_at: datetime, last_seen_at: datetime, idle_seconds: int
    ) -> bool:
        return now - created_at > ABSOLUTE_LIFETIME or now - last_seen_at > timedelta(
            seconds=idle_seconds
        )

    def save(self, token: str, data: dict[str, Any], *, is_new: bool) -> None:
        digest = token_digest(token)
        now = self.clock()
        values = {
            "data": data,
            "user_id": data.get(USER_KEY),
            "idle_timeout_seconds": int(data.get(IDLE_KEY) or CHILD_IDLE.total_seconds()),
            "last_seen_at": now,
        }
        with db.database().engine.begin() as connection:
            if is_new:
                connection.execute(
                    UserSession.__table__.insert().values(id=digest, created_at=now, **values)
                )
            else:
                connection.execute(
                    update(UserSession).where(UserSession.id == digest).values(**values)
                )

    def delete(self, token: str) -> None:
        with db.database().engine.begin() as connection:
            connection.execute(delete(UserSession).where(UserSession.id == token_digest(token)))

    def touch(self, token: str) -> None:
        now = self.clock()
        last_seen = g.get("_session_last_seen")
        if last_seen is not None and now - last_seen < TOUCH_INTERVAL:
            return
        with db.database().engine.begin() as connection:
            connection.execute(
                update(UserSession)
                .where(UserSession.id == token_digest(token))
                .values(last_seen_at=now)
            )


def end_sessions_of(user_id: str) -> None:
    """End every session of a user at once (logout everywhere, deactivation, role change)."""
    db.session().execute(delete(UserSession).where(UserSession.user_id == user_id))
