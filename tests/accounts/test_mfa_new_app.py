"""Setting up a new authenticator app: the old one stays in force until the new one works."""

from __future__ import annotations

import dataclasses

from tests.factories import ApiClient, Login, next_otp


def _fresh(app) -> ApiClient:
    return ApiClient(app.test_client(), app)


def _password_only(app, login: Login):
    body = {"username": login.username, "password": login.secret}
    return _fresh(app).client.post("/api/v1/session", json=body)


def test_while_a_new_app_is_set_up_a_password_alone_still_does_not_log_in(app, api, factory):
    worker = factory.user("social_worker")
    assert api.login(worker).status_code == 201
    started = api.post("/api/v1/session/mfa/enrol")
    assert started.status_code == 201

    refused = _password_only(app, worker)
    assert refused.status_code == 401
    assert refused.get_json()["code"] == "otp_required"
    assert _fresh(app).login(worker).status_code == 201  # the old app's codes still work


def test_the_new_app_replaces_the_old_one_once_it_gives_a_right_code(app, api, factory):
    worker = factory.user("social_worker")
    assert api.login(worker).status_code == 201
    new_secret = api.post("/api/v1/session/mfa/enrol").get_json()["secret"]
    with_new_app = dataclasses.replace(worker, totp_secret=new_secret)

    old_code = api.post("/api/v1/session/mfa/verify", json={"otp": next_otp(worker, app)})
    assert old_code.status_code == 422  # only the new app can confirm itself

    confirmed = api.post("/api/v1/session/mfa/verify", json={"otp": next_otp(with_new_app, app)})
    assert confirmed.status_code == 200
    assert _fresh(app).login(worker).status_code == 401  # the old app no longer logs in
    assert _fresh(app).login(with_new_app).status_code == 201


def test_the_page_shows_the_new_app_s_code_until_it_is_confirmed(app, api, factory):
    worker = factory.user("social_worker")
    assert api.login(worker).status_code == 201
    new_secret = api.post("/api/v1/session/mfa/enrol").get_json()["secret"]
    page = api.client.get("/mfa").get_data(as_text=True)
    assert new_secret in page
    assert worker.totp_secret not in page
