"""Logging in and out through the API, and what a session may do."""

from __future__ import annotations

import pyotp

from allaboutme import db
from allaboutme.accounts import services
from allaboutme.accounts.models import User
from tests.factories import PASSWORD, ApiClient, next_otp


def test_professional_logs_in_with_password_and_code(api, factory):
    worker = factory.user("social_worker")
    response = api.login(worker)
    assert response.status_code == 201
    body = response.get_json()
    assert body["user"]["role"] == "social_worker"
    assert body["mfa"] == "ok"
    assert body["csrf_token"]
    assert api.get("/api/v1/session").status_code == 200


def test_unknown_user_and_wrong_password_get_the_same_answer(client, factory):
    worker = factory.user("social_worker")
    wrong = client.post(
        "/api/v1/session", json={"username": worker.username, "password": "nope-nope-nope"}
    )
    unknown = client.post(
        "/api/v1/session", json={"username": "nobody.here", "password": "nope-nope-nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.content_type == unknown.content_type == "application/problem+json"
    strip = lambda body: {k: v for k, v in body.items() if k != "request_id"}  # noqa: E731
    assert strip(wrong.get_json()) == strip(unknown.get_json())


def test_professional_without_code_is_refused(client, factory):
    worker = factory.user("social_worker")
    response = client.post(
        "/api/v1/session", json={"username": worker.username, "password": PASSWORD}
    )
    assert response.status_code == 401
    assert response.get_json()["code"] == "otp_required"


def test_a_used_code_cannot_be_replayed(app, client, factory):
    worker = factory.user("social_worker")
    code = next_otp(worker, app)
    body = {"username": worker.username, "password": PASSWORD, "otp": code}
    assert client.post("/api/v1/session", json=body).status_code == 201
    other = app.test_client()
    replay = other.post("/api/v1/session", json=body)
    assert replay.status_code == 401
    assert replay.get_json()["code"] == "invalid_otp"
    assert replay.get_json()["errors"]["otp"]


def test_wrong_code_is_refused_without_revealing_the_secret(app, client, factory, caplog):
    worker = factory.user("social_worker")
    response = client.post(
        "/api/v1/session", json={"username": worker.username, "password": PASSWORD, "otp": "000000"}
    )
    assert response.status_code == 401
    assert PASSWORD not in caplog.text


def test_logout_kills_the_session_on_the_server(api, factory, client):
    worker = factory.user("social_worker")
    api.login(worker)
    stolen_cookie = client.get_cookie("aam_session").value
    response = api.delete("/api/v1/session")
    assert response.status_code == 204
    assert "storage" in response.headers["Clear-Site-Data"]
    client.set_cookie("aam_session", stolen_cookie)
    assert client.get("/api/v1/session").status_code == 401


def test_unsafe_request_with_cookie_needs_the_csrf_header(api, factory):
    worker = factory.user("social_worker")
    api.login(worker)
    response = api.client.post(
        "/api/v1/children", json={"preferred_name": "Ty", "date_of_birth": "2012-02-02"}
    )
    assert response.status_code == 403
    assert response.get_json()["code"] == "csrf_failed"


def test_new_professional_must_enrol_before_doing_anything(app, api, factory):
    worker = factory.user("social_worker", enrol_mfa=False)
    response = api.login(worker)
    assert response.status_code == 201
    assert response.get_json()["mfa"] == "enrol_required"
    blocked = api.get("/api/v1/children")
    assert blocked.status_code == 403
    assert blocked.get_json()["code"] == "mfa_enrolment_required"

    enrolment = api.post("/api/v1/session/mfa/enrol")
    assert enrolment.status_code == 201
    secret = enrolment.get_json()["secret"]
    assert enrolment.get_json()["otpauth_uri"].startswith("otpauth://totp/")

    wrong = api.post("/api/v1/session/mfa/verify", json={"otp": "123456"})
    assert wrong.status_code == 422
    assert "otp" in wrong.get_json()["errors"]

    verified = api.post("/api/v1/session/mfa/verify", json={"otp": pyotp.TOTP(secret).now()})
    assert verified.status_code == 200
    assert verified.get_json()["mfa"] == "ok"
    assert api.get("/api/v1/children").status_code == 200


def test_totp_secret_is_stored_encrypted(app, factory):
    worker = factory.user("social_worker")
    with app.app_context():
        stored = db.session().get(User, worker.user_id).totp_secret
    assert stored is not None
    assert worker.totp_secret.encode() not in stored


def test_child_logs_in_without_a_second_factor(api, factory):
    worker = factory.user("social_worker")
    _child, login = factory.child(worker, with_login=True)
    response = api.login(login)
    assert response.status_code == 201
    assert response.get_json()["user"]["role"] == "child"


def test_login_rejects_unknown_fields_and_wrong_types(client):
    unknown = client.post("/api/v1/session", json={"username": "a", "password": "b", "admin": True})
    assert unknown.status_code == 422
    assert "admin" in unknown.get_json()["errors"]
    wrong_type = client.post("/api/v1/session", json={"username": 5, "password": "b"})
    assert wrong_type.status_code == 422
    assert "username" in wrong_type.get_json()["errors"]


def test_deactivated_user_loses_their_session_at_once(app, api, factory):
    worker = factory.user("social_worker")
    api.login(worker)
    with app.app_context():
        services.deactivate_user(db.session().get(User, worker.user_id))
        db.session().commit()
    assert api.get("/api/v1/session").status_code == 401
    again = ApiClient(app.test_client(), app).login(worker)
    assert again.status_code == 401
