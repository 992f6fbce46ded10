"""Server-side sessions: the cookie carries a random id, the database its digest.

Flask's ``session`` keeps working (Flask-Login and Flask-WTF use it), but its
contents live in a store a feature installs (``accounts`` does), so logout,
deactivation or a role change end a session at once, on every host.
"""

from __future__ import annotations

import secrets
from typing import Any, Protocol

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict


class ServerSession(CallbackDict[str, Any], SessionMixin):
    """Session data plus what should happen to its stored record."""

    def __init__(self, data: dict[str, Any] | None = None, token: str | None = None) -> None:
        def on_update(_self: Any) -> None:
            self.modified = True

        super().__init__(data or {}, on_update)
        self.token = token
        self.modified = False
        self.rotate_requested = False
        self.destroy_requested = False

    def rotate(self) -> None:
        """Give this session a new id (after login or a privilege change)."""
        self.rotate_requested = True
        self.modified = True

    def destroy(self) -> None:
        """End this session for good, server-side."""
        self.destroy_requested = True
        self.clear()


class SessionStore(Protocol):
    def load(self, token: str) -> dict[str, Any] | None:
        """The live data for ``token``, or None when unknown, idle or expired."""

    def save(self, token: str, data: dict[str, Any], *, is_new: bool) -> None:
        """Store ``data`` under ``token``."""

    def delete(self, token: str) -> None:
        """Forget ``token``."""

    def touch(self, token: str) -> None:
        """Note that ``token`` was used now (idle timeout)."""


class ServerSessionInterface(SessionInterface):
    def __init__(self, store: SessionStore, cookie_name: str) -> None:
        self.store = store
        self.cookie_name = cookie_name

    def get_cookie_name(self, app: Flask) -> str:
        return self.cookie_name

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        token = request.cookies.get(self.cookie_name)
        if token:
            data = self.store.load(token)
            if data is not None:
                return ServerSession(data, token)
        return ServerSession()

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSession)
        if session.destroy_requested or (session.token and not session and session.modified):
            self._forget(app, session, response)
            return
        if session.token and session.rotate_requested:
            self.store.delete(session.token)
            session.token = None
        if session.token is None:
            if not session:
                return
            session.token = secrets.token_urlsafe(32)
            self.store.save(session.token, dict(session), is_new=True)
        elif session.modified:
            self.store.save(session.token, dict(session), is_new=False)
        else:
            self.store.touch(session.token)
            return
        self._set_cookie(app, session.token, response)

    def _forget(self, app: Flask, session: ServerSession, response: Response) -> None:
        if session.token:
            self.store.delete(session.token)
        response.delete_cookie(
            self.cookie_name,
            path="/",
            secure=self.get_cookie_secure(app),
            httponly=True,
            samesite="Lax",
        )

    def _set_cookie(self, app: Flask, token: str, response: Response) -> None:
        response.set_cookie(
            self.cookie_name,
            token,
            path="/",
            httponly=True,
            samesite="Lax",
            secure=self.get_cookie_secure(app),
        )
        response.vary.add("Cookie")
