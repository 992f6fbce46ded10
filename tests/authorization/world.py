"""The world the matrix runs in: one child, everyone around them, a browser each.

The child has written a section and added pictures, and shares that section
with their allocated social worker and with three homes. A referral went to
those three homes; the child then withdrew consent from one, and another's
consent has run out. Spare objects (a child, a referral, grants, pictures)
are there for the rows that end something.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from allaboutme import db
from allaboutme.accounts import services as accounts
from allaboutme.accounts.models import User
from allaboutme.children.models import Allocation
from allaboutme.consent.models import ConsentGrant
from allaboutme.profiles import services as profiles
from allaboutme.referrals.models import HomePhoto
from tests.authorization.rows import ACTORS, PICTURE, Upload
from tests.factories import CSRF_FIELD, ApiClient, Factory, Login, next_otp

MISSING_ID = "0123456789abcdef0123456789abcdef"
CHILD_NAME = "Zephyrine"  # found in a page only where the child is listed
HOME = {"ofsted_rating": "good", "lots": ["2a"], "location": {"lat": 51.4, "lon": -0.1}}
HOME_URNS = {
    "home": "SC300001",
    "home_revoked": "SC300002",
    "home_expired": "SC300003",
    "home_other": "SC300004",
    "spare_home": "SC300005",
}
HOME_OF = {
    "provider": "home",
    "provider_revoked": "home_revoked",
    "provider_expired": "home_expired",
    "provider_other": "home_other",
}
SENT_TO = ("home", "home_revoked", "home_expired")


@dataclass
class Browser:
    """A test client with its session's CSRF token, sent the way a browser would send it."""

    client: FlaskClient
    csrf_token: str

    def send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        form: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> TestResponse:
        """The API gets the token as a header; a page's form carries it as a field."""
        sent = dict(headers or {})
        if path.startswith("/api/"):
            sent["X-CSRF-Token"] = self.csrf_token
            data = None if form is None else _parts(form)
            return self.client.open(path, method=method, json=json, data=data, headers=sent)
        data = None if method == "GET" else {"csrf_token": self.csrf_token, **_parts(form or {})}
        return self.client.open(path, method=method, data=data, headers=sent)


def _parts(form: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: (io.BytesIO(value.content), value.filename) if isinstance(value, Upload) else value
        for key, value in form.items()
    }


def log_in(app: Flask, login: Login) -> Browser:
    api = ApiClient(app.test_client(), app)
    response = api.login(login)
    assert response.status_code == 201, (login.username, response.get_json())
    assert api.csrf_token is not None
    return Browser(api.client, api.csrf_token)


def anonymous(app: Flask) -> Browser:
    """Someone who opened the login page: a session, a form token, nobody logged in."""
    client = app.test_client()
    found = CSRF_FIELD.search(client.get("/login").get_data(as_text=True))
    assert found is not None
    return Browser(client, found.group(1))


@dataclass
class World:
    app: Flask
    ids: dict[str, str]
    own_packets: dict[str, str]
    own_children: dict[str, str]
    browsers: dict[str, Browser]
    spares: dict[str, Browser]
    logins: dict[str, Login] = field(default_factory=dict)

    def values(self, actor: str) -> Values:
        return Values(self, actor)


class Values(Mapping[str, str]):
    """The placeholders of a row as one actor sends it."""

    def __init__(self, world: World, actor: str) -> None:
        self.world = world
        self.actor = actor

    def __getitem__(self, key: str) -> str:
        world = self.world
        if key == "packet":
            return world.own_packets.get(self.actor, world.ids["packet"])
        if key == "otp":  # a current code of the actor's authenticator app
            login = world.logins.get(self.actor)
            return (_fresh_otp(world.app, login) if login else None) or "000000"
        if key == "profile_version":
            child_id = world.own_children.get(self.actor, world.ids["child"])
            with world.app.app_context():
                return str(profiles.current_version(child_id))
        return world.ids[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.world.ids)

    def __len__(self) -> int:
        return len(self.world.ids)


def _fresh_otp(app: Flask, login: Login) -> str | None:
    """A code the actor's app shows now, usable again however many rows spent one.

    Building the world logs every actor in twice, and each row that needs a code
    spends one; within one 30-second window that would run out. The matrix is
    about who may do what, not about replayed codes (tests/accounts is), so the
    actor's last used step is forgotten first.
    """
    with app.app_context():
        db.session().get(User, login.user_id).totp_last_step = 0
        db.session().commit()
    return next_otp(login, app)


def expect(response: TestResponse, status: int) -> Any:
    """The JSON body of a setup step that must succeed."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    return response.get_json(silent=True)


def build_world(app: Flask, factory: Factory) -> World:
    logins, ids, own_children = _people(app, factory)
    framework = log_in(app, logins["framework_admin"])
    ids.update(_homes(framework))
    for actor, home in HOME_OF.items():
        with app.app_context():
            organisation = accounts.get_organisation(ids[home])
        logins[actor] = factory.user("provider", organisation)
    browsers = _browsers(app, logins, framework=framework)
    spares = _browsers(app, logins)
    world = World(app, ids, {}, own_children, browsers, spares, logins)
    _write_profiles(world)
    grants = _share(world)
    _refer(world)
    _answer_and_show_home(world)
    _withdraw_and_expire(world, grants)
    _deactivate(app, logins["deactivated_worker"])
    return world


def _people(
    app: Flask, factory: Factory
) -> tuple[dict[str, Login], dict[str, str], dict[str, str]]:
    authority = factory.organisation("local_authority")
    elsewhere = factory.organisation("local_authority")
    logins = {
        "worker_allocated": factory.user("social_worker", authority),
        "worker_unallocated": factory.user("social_worker", authority),
        "worker_same_authority": factory.user("social_worker", authority),
        "worker_other_authority": factory.user("social_worker", elsewhere),
        "admin_same_authority": factory.user("la_admin", authority),
        "admin_other_authority": factory.user("la_admin", elsewhere),
        "framework_admin": factory.user("framework_admin"),
        "deactivated_worker": factory.user("social_worker", authority),
    }
    child, logins["child_own"] = factory.child(
        logins["worker_allocated"], name=CHILD_NAME, with_login=True
    )
    other, logins["child_other"] = factory.child(
        logins["worker_same_authority"], name="Noor", with_login=True
    )
    spare, _login = factory.child(logins["worker_allocated"], name="Sol")
    _allocate(app, child.id, logins["deactivated_worker"], has_ended=False)
    _allocate(app, child.id, logins["worker_unallocated"], has_ended=True)
    ids = {
        "child": child.id,
        "child_name": CHILD_NAME,
        "spare_child": spare.id,
        "home_urn": HOME_URNS["home"],
    }
    return logins, ids, {"child_own": child.id, "child_other": other.id}


def _allocate(app: Flask, child_id: str, worker: Login, *, has_ended: bool) -> None:
    now = db.utcnow()
    with app.app_context():
        db.session().add(
            Allocation(
                child_id=child_id,
                worker_id=worker.user_id,
                allocated_at=now - timedelta(days=30),
                ended_at=now - timedelta(days=1) if has_ended else None,
            )
        )
        db.session().commit()


def _homes(framework: Browser) -> dict[str, str]:
    ids = {}
    for name, urn in HOME_URNS.items():
        body = {**HOME, "name": name.replace("_", " ").title(), "ofsted_urn": urn, "vacancies": 1}
        ids[name] = expect(framework.send("POST", "/api/v1/providers", json=body), 201)["id"]
    return ids


def _browsers(
    app: Flask, logins: dict[str, Login], *, framework: Browser | None = None
) -> dict[str, Browser]:
    browsers = {"anonymous": anonymous(app)}
    for actor in ACTORS:
        if actor == "framework_admin" and framework is not None:
            browsers[actor] = framework
        elif actor != "anonymous":
            browsers[actor] = log_in(app, logins[actor])
    return browsers


def _child_path(world: World, *parts: str, child: str = "child_own") -> str:
    return "/".join(("/api/v1/children", world.own_children[child], *parts))


def _write_profiles(world: World) -> None:
    section = {"answers": {"name": "Kit"}, "language": "en"}
    for child in ("child_own", "child_other"):
        path = _child_path(world, "profile/sections/about_me", child=child)
        browser = world.browsers[child]
        expect(browser.send("PUT", path, json=section, headers={"If-Match": '"0"'}), 200)
    for name in ("media", "spare_media", "spare_page_media"):
        upload = {"file": PICTURE, "section": "about_me"}
        posted = world.browsers["child_own"].send("POST", _child_path(world, "media"), form=upload)
        world.ids[name] = expect(posted, 201)["id"]


def _share(world: World) -> dict[str, str]:
    """The child's grants: about_me to the worker and three homes, spares to take back."""

    def grant(audience: dict[str, str], section: str, purpose: str) -> str:
        body = {"audience": audience, "sections": [section], "purpose": purpose}
        posted = world.browsers["child_own"].send("POST", _child_path(world, "consents"), json=body)
        return expect(posted, 201)["id"]

    worker = {"kind": "social_worker"}
    grant(worker, "about_me", "support")
    world.ids["spare_grant"] = grant(worker, "school", "support")
    world.ids["spare_page_grant"] = grant(worker, "school", "support")
    return {
        home: grant({"kind": "provider", "org_id": world.ids[home]}, "about_me", "placement")
        for home in SENT_TO
    }


def _refer(world: World) -> None:
    """A referral shortlisted, put to the child and sent to three homes; a spare draft."""
    worker = world.browsers["worker_allocated"]
    body = {
        "child_id": world.ids["child"],
        "lot": "2a",
        "location": HOME["location"],
        "summary": "A calm home near school.",
    }
    referral, spare = (
        expect(worker.send("POST", "/api/v1/referrals", json=body), 201)["id"] for _ in range(2)
    )
    world.ids["spare_referral"] = spare
    homes = {"provider_ids": [world.ids[home] for home in SENT_TO]}
    path = f"/api/v1/referrals/{referral}"
    expect(worker.send("PUT", f"{path}/shortlist", json=homes), 200)
    expect(worker.send("POST", f"{path}/ask-child"), 200)
    sent = expect(worker.send("POST", f"{path}/send", json=homes), 201)["packets"]
    packet_of = {packet["provider_id"]: packet["id"] for packet in sent}
    world.own_packets.update(
        {actor: packet_of[world.ids[home]] for actor, home in HOME_OF.items() if home in SENT_TO}
    )
    world.ids.update(referral=referral, packet=world.own_packets["provider"])


def _answer_and_show_home(world: World) -> None:
    """The recipient says it is interested and adds a photo of its home for the child."""
    provider, packet = world.browsers["provider"], world.ids["packet"]
    answer = {"decision": "interested", "note": ""}
    expect(provider.send("POST", f"/api/v1/packets/{packet}/response", json=answer), 200)
    photo = {"photo": PICTURE, "caption": ""}
    expect(provider.send("POST", f"/packets/{packet}/home/photos", form=photo), 303)
    with world.app.app_context():
        world.ids["home_photo"] = db.session().scalar(
            select(HomePhoto.id).where(HomePhoto.packet_id == packet)
        )


def _withdraw_and_expire(world: World, grants: dict[str, str]) -> None:
    """After sending: the child takes one home's consent back; another's runs out.

    No grant can be given already expired, so the end date is moved into the past.
    """
    revoked = _child_path(world, "consents", grants["home_revoked"])
    expect(world.browsers["child_own"].send("DELETE", revoked), 204)
    with world.app.app_context():
        grant = db.session().get(ConsentGrant, grants["home_expired"])
        grant.expires_at = db.utcnow() - timedelta(minutes=1)
        db.session().commit()


def _deactivate(app: Flask, login: Login) -> None:
    with app.app_context():
        accounts.deactivate_user(db.session().get(User, login.user_id))
        db.session().commit()
