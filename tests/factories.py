"""Builders for organisations, users and children, and a logged-in API client."""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from allaboutme import db
from allaboutme.accounts import mfa
from allaboutme.accounts import services as accounts
from allaboutme.accounts.models import Organisation, User
from allaboutme.children import services as children
from allaboutme.children.models import Child

PASSWORD = "correct-horse-battery"
# The CSRF token every page's forms carry (what a browser would post back).
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
CHILD_PIN = "482916"

_counter = itertools.count(1)


@dataclass
class Login:
    """A user with what it takes to log in."""

    user_id: str
    username: str
    secret: str
    role: str
    totp_secret: str | None = None


def _in_app_context(method: Any) -> Any:
    """Run a factory method in its own app context, so test requests get theirs."""

    @functools.wraps(method)
    def wrapper(self: Factory, *args: Any, **kwargs: Any) -> Any:
        with self.app.app_context():
            return method(self, *args, **kwargs)

    return wrapper


class Factory:
    def __init__(self, app: Flask) -> None:
        self.app = app

    @_in_app_context
    def organisation(self, kind: str = "local_authority", name: str | None = None) -> Organisation:
        organisation = accounts.create_organisation(
            kind=kind, name=name or f"{kind} {next(_counter)}"
        )
        db.session().commit()
        return organisation

    @_in_app_context
    def user(
        self,
        role: str,
        organisation: Organisation | None = None,
        *,
        enrol_mfa: bool = True,
        username: str | None = None,
    ) -> Login:
        kind = {"provider": "provider", "framework_admin": "framework"}.get(role, "local_authority")
        organisation = organisation or self.organisation(kind)
        name = username or f"{role.replace('_', '')}{next(_counter)}"
        user = accounts.create_user(
            organisation=organisation, role=role, username=name, secret=PASSWORD
        )
        totp_secret = None
        if enrol_mfa and user.is_professional:
            totp_secret = mfa.begin_enrolment(user).secret
            user.totp_enrolled_at = db.utcnow()
        db.session().commit()
        return Login(user.id, name, PASSWORD, role, totp_secret)

    @_in_app_context
    def child(
        self, worker: Login, *, name: str = "Amira", with_login: bool = False
    ) -> tuple[Child, Login | None]:
        actor = db.session().get(User, worker.user_id)
        child = children.create_child(
            actor=actor,
            preferred_name=name,
            date_of_birth=date(2013, 3, 9),
            locale="en",
            now=db.utcnow(),
        )
        login = None
        if with_login:
            username = f"child{next(_counter)}"
            organisation = accounts.get_organisation(child.authority_id)
            user = accounts.create_user(
                organisation=organisation,
                role="child",
                username=username,
                secret=CHILD_PIN,
                child_id=child.id,
            )
            login = Login(user.id, username, CHILD_PIN, "child")
        db.session().commit()
        return child, login


def next_otp(login: Login, app: Flask) -> str | None:
    """A valid, not yet used TOTP code for ``login`` (None for children)."""
    if login.totp_secret is None:
        return None
    with app.app_context():
        last_step = db.session().get(User, login.user_id).totp_last_step
    now_step = int(db.utcnow().timestamp()) // mfa.STEP_SECONDS
    step = max(now_step - 1, last_step + 1)
    return pyotp.TOTP(login.totp_secret).at(step * mfa.STEP_SECONDS)


class ApiClient:
    """A test client that logs in through the API and sends the CSRF header."""

    def __init__(self, client: FlaskClient, app: Flask) -> None:
        self.client = client
        self.app = app
        self.csrf_token: str | None = None

    def login(self, login: Login) -> TestResponse:
        body: dict[str, Any] = {"username": login.username, "password": login.secret}
        otp = next_otp(login, self.app)
        if otp:
            body["otp"] = otp
        response = self.client.post("/api/v1/session", json=body)
        if response.status_code == 201:
            self.csrf_token = response.get_json()["csrf_token"]
        return response

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        merged = dict(headers or {})
        if self.csrf_token:
            merged.setdefault("X-CSRF-Token", self.csrf_token)
        return merged

    def post_form(self, page: str, path: str, data: dict[str, Any], **kwargs: Any) -> TestResponse:
        """Post a page's form as a browser would: with the token the page ``page`` carries."""
        found = CSRF_FIELD.search(self.get(page).get_data(as_text=True))
        assert found, f"{page} has no form token"
        return self.client.post(path, data={"csrf_token": found.group(1), **data}, **kwargs)

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.client.get(path, **kwargs)

    def post(self, path: str, headers: dict[str, str] | None = None, **kwargs: Any) -> TestResponse:
        return self.client.post(path, headers=self._headers(headers), **kwargs)

    def put(self, path: str, headers: dict[str, str] | None = None, **kwargs: Any) -> TestResponse:
        return self.client.put(path, headers=self._headers(headers), **kwargs)

    def patch(
        self, path: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> TestResponse:
        return self.client.patch(path, headers=self._headers(headers), **kwargs)

    def delete(
        self, path: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> TestResponse:
        return self.client.delete(path, headers=self._headers(headers), **kwargs)
