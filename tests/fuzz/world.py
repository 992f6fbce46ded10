"""A small, real world for the fuzzer to hit: every id a path can name exists in it.

An authority with a social worker and an administrator, a child who has written
three sections, added a picture and shared two sections with a provider, a
referral for the child and the packet it sent. Built through the API, as users
would, so the fuzzer's path parameters can name real objects.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import Flask
from PIL import Image

from allaboutme import db
from allaboutme.accounts import services as accounts
from allaboutme.accounts.models import Organisation, User
from allaboutme.profiles.models import Profile
from tests.factories import ApiClient, Factory, Login

PROVIDER = {
    "name": "Sunrise Fostering",
    "ofsted_urn": "SC100001",
    "ofsted_rating": "good",
    "lots": ["2a"],
    "location": {"lat": 51.3760, "lon": -0.0980},
    "capabilities": ["semh"],
    "languages": ["en", "ar"],
    "vacancies": 2,
}
REFERRAL = {
    "lot": "2a",
    "needs": ["semh"],
    "location": {"lat": 51.3727, "lon": -0.1099},
    "summary": "Needs a calm foster home near school.",
}
ANSWERS = {
    "about_me": {"name": "Mira", "words_about_me": ["kind", "brave"]},
    "heritage": {"culture": "Sudanese", "languages": ["Arabic", "English"]},
    "worries": {"what_worries_me": "Moving far from my school"},
}
SHARED_SECTIONS = ["about_me", "worries"]
CHILD_BORN_ON = date.today() - timedelta(days=11 * 365)
ACTORS = ("anonymous", "child", "social_worker", "la_admin", "provider", "framework_admin")


@dataclass
class World:
    """Who is in the world, how to log them in, and the real value of each path parameter."""

    app: Flask
    factory: Factory
    logins: dict[str, Login] = field(default_factory=dict)
    clients: dict[str, ApiClient] = field(default_factory=dict)
    path_values: dict[str, list[Any]] = field(default_factory=dict)

    def client(self, actor: str) -> ApiClient:
        """The actor's logged-in client (a client with no session for ``anonymous``)."""
        if actor not in self.clients:
            api = ApiClient(self.app.test_client(), self.app)
            if actor != "anonymous":
                response = api.login(self.logins[actor])
                assert response.status_code == 201, response.get_json()
            self.clients[actor] = api
        return self.clients[actor]

    def fresh_client(self, actor: str) -> ApiClient:
        """A client logged in as a new user in the actor's role (its session may be ended)."""
        api = ApiClient(self.app.test_client(), self.app)
        response = api.login(self.fresh_login(actor))
        assert response.status_code == 201, response.get_json()
        return api

    def fresh_login(self, actor: str) -> Login:
        """Another user in the same role and organisation (for cases that end a session)."""
        if actor == "child":
            _child, login = self.factory.child(self.logins["social_worker"], with_login=True)
            assert login is not None
            return login
        return self.factory.user(actor, _organisation_of(self.app, self.logins[actor]))

    def with_real_values(self, body: dict[str, Any]) -> dict[str, Any]:
        """``body`` with ids set to world objects, and the values rules ask for set to good ones.

        Random text is never a section key nor a date of birth of a child of 5 to 18:
        without these, a new child or a consent grant would never be created.
        """
        real = {
            "child_id": self.path_values["child_id"][0],
            "org_id": self.path_values["provider_id"][0],
            "provider_ids": self.path_values["provider_id"],
            "sections": SHARED_SECTIONS,
            "date_of_birth": CHILD_BORN_ON.isoformat(),
        }
        return {
            key: self.with_real_values(value) if isinstance(value, dict) else real.get(key, value)
            for key, value in body.items()
        }

    def current_version(self) -> int:
        """The child's profile version now (the fuzzer's writes move it on)."""
        with self.app.app_context():
            profile = db.session().get(Profile, self.path_values["child_id"][0])
            return profile.current_version if profile else 0


def build_world(app: Flask) -> World:
    factory = Factory(app)
    world = World(app, factory)
    worker = factory.user("social_worker")
    world.logins.update(
        social_worker=worker,
        la_admin=factory.user("la_admin", _organisation_of(app, worker)),
        framework_admin=factory.user("framework_admin"),
    )
    child, child_login = factory.child(worker, name="Mira", with_login=True)
    assert child_login is not None
    world.logins["child"] = child_login
    provider_id = _created(world.client("framework_admin").post("/api/v1/providers", json=PROVIDER))
    with app.app_context():
        provider_org = accounts.get_organisation(provider_id)
    world.logins["provider"] = factory.user("provider", provider_org)
    world.path_values = _fill_world(world, child.id, provider_id)
    return world


def _organisation_of(app: Flask, login: Login) -> Organisation:
    with app.app_context():
        user = db.session().get(User, login.user_id)
        return accounts.get_organisation(user.org_id)


def _fill_world(world: World, child_id: str, provider_id: str) -> dict[str, list[Any]]:
    """The child writes, adds a picture and shares; the worker refers and sends a packet."""
    child = world.client("child")
    profile = f"/api/v1/children/{child_id}/profile"
    for version, (key, answers) in enumerate(ANSWERS.items()):
        _ok(
            child.put(
                f"{profile}/sections/{key}",
                json={"answers": answers, "language": "en"},
                headers={"If-Match": f'"{version}"'},
            )
        )
    media_id = _created(
        child.post(
            f"/api/v1/children/{child_id}/media",
            data={"section": "about_me", "file": (io.BytesIO(_small_png()), "me.png")},
            content_type="multipart/form-data",
        )
    )
    grant_id = _created(
        child.post(
            f"/api/v1/children/{child_id}/consents",
            json={
                "audience": {"kind": "provider", "org_id": provider_id},
                "sections": SHARED_SECTIONS,
                "purpose": "placement",
            },
        )
    )
    worker = world.client("social_worker")
    referral_id = _created(
        worker.post("/api/v1/referrals", json={**REFERRAL, "child_id": child_id})
    )
    sent = worker.post(
        f"/api/v1/referrals/{referral_id}/send", json={"provider_ids": [provider_id]}
    )
    assert sent.status_code == 201, sent.get_json()
    return {
        "child_id": [child_id],
        "key": list(ANSWERS),
        "version": list(range(1, len(ANSWERS) + 1)),
        "media_id": [media_id],
        "grant_id": [grant_id],
        "provider_id": [provider_id],
        "referral_id": [referral_id],
        "packet_id": [sent.get_json()["packets"][0]["id"]],
    }


def _small_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 16), (40, 120, 200)).save(out, "PNG")
    return out.getvalue()


def _created(response: Any) -> str:
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _ok(response: Any) -> None:
    assert response.status_code == 200, response.get_json()
