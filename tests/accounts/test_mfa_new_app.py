"""Setting up a new authenticator app: it takes a code from the old one, which stays in
force until the new one works."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pyotp

from allaboutme import db
from allaboutme.accounts import mfa
from allaboutme.accounts.models import User
from tests.factories import CSRF_FIELD, ApiClient, Login, next_otp


def _fresh(app) -> ApiClient:
    return ApiClient(app.test_client(), app)


def _password_only(app, login: Login):
    body = {"username": login.username, "password": login.secret}
    return _fresh(app).client.post("/api/v1/session", json=body)


def _start_new_app(api, app, login: Login):
    return api.post("/api/v1/session/mfa/enrol", json={"otp": next_otp(login, app)})


def test_a_session_alone_cannot_swap_the_app(app, api, factory):
    worker = factory.user("social_worker")
    assert api.login(worker).status_code == 201
    missing = api.post("/api/v1/session/mfa/enrol")
    wrong = api.post("/api/v1/session/mfa/enrol", json={"otp": "000000"})
    for refused in (missing, wrong):
        assert refused.status_code == 422
        assert "otp" in refused.get_json()["errors"]
    assert _fresh(app).login(worker).status_code == 201  # nothing changed
    assert _start_new_app(api, app, worker).status_code == 201


def test_the_page_asks_for_a_code_from_the_app_in_force(app, api, factory):
    worker = factory.user("social_worker")
    assert api.login(worker).status_code == 201
    page = api.client.get("/mfa").get_data(as_text=True)
    token = CSRF_FIELD.search(page).group(1)
    refused = api.client.post("/mfa/start", data={"csrf_token": token, "otp": ""})
    assert refused.status_code == 422
    assert "Type the 6-digit code from your authenticator app." in refused.get_data(as_text=True)
    started = api.client.post(
        "/mfa/start", data={"csrf_token": token, "otp": next_otp(worker, app)}
    )
    assert started.status_code == 303


def test_while_a_new_app_is_set_up_a_password_alone_still_does_not_log_in(app, api, factory):
    worker = factory.user("social_worker")
    assert api.login(worker).status_code == 201
    started = _start_new_app(api, app, worker)
    assert started.status_code == 201

    refused = _password_only(app, worker)
    assert refused.status_code == 401
    assert refused.get_json()["code"] == "otp_required"
    assert _fresh(app).login(worker).status_code == 201  # the old app's codes still work


def test_the_new_app_replaces_the_old_one_once_it_gives_a_right_code(app, api, factory):
    worker = factory.user("social_worker")
    assert api.login(worker).status_code == 201
    new_secret = _start_new_app(api, app, worker).get_json()["secret"]
    with_new_app = dataclasses.replace(worker, totp_secret=new_secret)

    old_code = api.post("/api/v1/session/mfa/verify", json={"otp": next_otp(worker, app)})
    assert old_code.status_code == 422  # only the new app can confirm itself

    confirmed = api.post("/api/v1/session/mfa/verify", json={"otp": next_otp(with_new_app, app)})
    assert confirmed.status_code == 200
    # A minute on (this window's codes are spent): only the new app's codes work.
    later = db.utcnow() + timedelta(seconds=90)
    at_later = int(later.timestamp()) // mfa.STEP_SECONDS * mfa.STEP_SECONDS
    with app.app_context():
        user = db.session().get(User, worker.user_id)
        assert not mfa.verify_code(user, pyotp.TOTP(worker.totp_secret).at(at_later), now=later)
        assert mfa.verify_code(user, pyotp.TOTP(new_secret).at(at_later), now=later)


def test_the_page_shows_the_new_app_s_code_until_it_is_confirmed(app, api, factory):
    worker = factory.user("social_worker")
    assert api.login(worker).status_code == 201
    new_secret = _start_new_app(api, app, worker).get_json()["secret"]
    page = api.client.get("/mfa").get_data(as_text=True)
    assert new_secret in page
    assert worker.totp_secret not in page
