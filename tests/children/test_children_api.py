"""Children, allocation and invitations through the API."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from allaboutme import db
from allaboutme.accounts.models import Invitation
from allaboutme.children.models import Child
from tests.factories import ApiClient

CHILD = {"preferred_name": "  Amira  ", "date_of_birth": "2013-04-01", "locale": "ar"}


def _worker_api(app, factory, organisation=None):
    worker = factory.user("social_worker", organisation)
    client = ApiClient(app.test_client(), app)
    assert client.login(worker).status_code == 201
    return worker, client


def test_worker_adds_a_child_and_is_allocated(app, factory):
    _worker, api = _worker_api(app, factory)
    created = api.post("/api/v1/children", json=CHILD)
    assert created.status_code == 201
    body = created.get_json()
    assert body["preferred_name"] == "Amira"
    assert body["locale"] == "ar"
    listed = api.get("/api/v1/children").get_json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]
    assert listed["next_cursor"] is None


def test_preferred_name_is_not_stored_in_plaintext(app, factory):
    _worker, api = _worker_api(app, factory)
    child_id = api.post("/api/v1/children", json=CHILD).get_json()["id"]
    with app.app_context():
        stored = db.session().get(Child, child_id).preferred_name
    assert b"Amira" not in stored


def test_workers_see_only_their_own_children(app, factory):
    worker, api = _worker_api(app, factory)
    api.post("/api/v1/children", json=CHILD)
    colleague_org = factory.organisation("local_authority")
    _other, other_api = _worker_api(app, factory, colleague_org)
    assert other_api.get("/api/v1/children").get_json()["items"] == []


def test_children_list_pages_with_a_cursor(app, factory):
    _worker, api = _worker_api(app, factory)
    for name in ("Ada", "Ben", "Cai"):
        api.post("/api/v1/children", json={**CHILD, "preferred_name": name})
    first = api.get("/api/v1/children?limit=2").get_json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = api.get(f"/api/v1/children?limit=2&cursor={first['next_cursor']}").get_json()
    assert len(second["items"]) == 1 and second["next_cursor"] is None
    names = {item["preferred_name"] for item in first["items"] + second["items"]}
    assert names == {"Ada", "Ben", "Cai"}
    assert api.get("/api/v1/children?limit=500").status_code == 422


def test_bad_child_input_is_refused_and_nothing_is_stored(app, factory):
    _worker, api = _worker_api(app, factory)
    cases = [
        {"preferred_name": "A", "date_of_birth": "not-a-date"},
        {"preferred_name": "x" * 81, "date_of_birth": "2013-04-01"},
        {"preferred_name": "Amira", "date_of_birth": "2024-01-01"},
        {"preferred_name": "Amira", "date_of_birth": "2013-04-01", "extra": 1},
        {"preferred_name": "   ", "date_of_birth": "2013-04-01"},
    ]
    for case in cases:
        response = api.post("/api/v1/children", json=case)
        assert response.status_code == 422, case
        assert response.get_json()["errors"], case
    assert api.get("/api/v1/children").get_json()["items"] == []


def test_invitation_is_one_use_and_logs_the_child_in(app, factory):
    _worker, api = _worker_api(app, factory)
    child_id = api.post("/api/v1/children", json=CHILD).get_json()["id"]
    invite = api.post(f"/api/v1/children/{child_id}/invites")
    assert invite.status_code == 201
    code = invite.get_json()["code"]
    assert len(code) == 14 and code.count("-") == 2

    phone = app.test_client()
    joined = phone.post(
        "/api/v1/invites/redeem",
        json={"code": code.lower(), "username": "amira.k", "password": "482916"},
    )
    assert joined.status_code == 201
    assert joined.get_json()["user"]["role"] == "child"
    assert phone.get("/api/v1/session").status_code == 200

    again = app.test_client().post(
        "/api/v1/invites/redeem",
        json={"code": code, "username": "someone.else", "password": "482916"},
    )
    assert again.status_code == 410


def test_expired_invitation_is_gone(app, factory):
    _worker, api = _worker_api(app, factory)
    child_id = api.post("/api/v1/children", json=CHILD).get_json()["id"]
    code = api.post(f"/api/v1/children/{child_id}/invites").get_json()["code"]
    with app.app_context():
        invitation = db.session().scalar(select(Invitation))
        invitation.expires_at = db.utcnow() - timedelta(minutes=1)
        db.session().commit()
    response = app.test_client().post(
        "/api/v1/invites/redeem", json={"code": code, "username": "amira.k", "password": "482916"}
    )
    assert response.status_code == 410


def test_weak_pin_is_refused_and_the_code_still_works(app, factory):
    _worker, api = _worker_api(app, factory)
    child_id = api.post("/api/v1/children", json=CHILD).get_json()["id"]
    code = api.post(f"/api/v1/children/{child_id}/invites").get_json()["code"]
    phone = app.test_client()
    weak = phone.post(
        "/api/v1/invites/redeem", json={"code": code, "username": "amira.k", "password": "123456"}
    )
    assert weak.status_code == 422
    assert "password" in weak.get_json()["errors"]
    good = phone.post(
        "/api/v1/invites/redeem", json={"code": code, "username": "amira.k", "password": "482916"}
    )
    assert good.status_code == 201


def test_a_new_invitation_replaces_the_old_one(app, factory):
    _worker, api = _worker_api(app, factory)
    child_id = api.post("/api/v1/children", json=CHILD).get_json()["id"]
    old = api.post(f"/api/v1/children/{child_id}/invites").get_json()["code"]
    api.post(f"/api/v1/children/{child_id}/invites")
    response = app.test_client().post(
        "/api/v1/invites/redeem", json={"code": old, "username": "amira.k", "password": "482916"}
    )
    assert response.status_code == 410


def test_only_the_allocated_worker_can_invite(app, factory):
    organisation = factory.organisation("local_authority")
    _worker, api = _worker_api(app, factory, organisation)
    child_id = api.post("/api/v1/children", json=CHILD).get_json()["id"]
    _colleague, colleague_api = _worker_api(app, factory, organisation)
    assert colleague_api.post(f"/api/v1/children/{child_id}/invites").status_code == 404
    assert colleague_api.post("/api/v1/children/does-not-exist/invites").status_code == 404
