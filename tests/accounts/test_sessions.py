"""Server-side sessions end on time, and on any change that should end them."""

from __future__ import annotations

from datetime import timedelta

from allaboutme import db
from allaboutme.accounts import services
from allaboutme.accounts.models import User, UserSession
from allaboutme.accounts.session_store import ABSOLUTE_LIFETIME, STAFF_IDLE


def _age_sessions(app, *, last_seen_by=timedelta(0), created_by=timedelta(0)):
    with app.app_context():
        for row in db.session().query(UserSession).all():
            row.last_seen_at = row.last_seen_at - last_seen_by
            row.created_at = row.created_at - created_by
        db.session().commit()


def test_staff_session_ends_after_15_idle_minutes(app, api, factory):
    api.login(factory.user("social_worker"))
    _age_sessions(app, last_seen_by=STAFF_IDLE - timedelta(minutes=1))
    assert api.get("/api/v1/session").status_code == 200
    _age_sessions(app, last_seen_by=STAFF_IDLE + timedelta(minutes=1))
    assert api.get("/api/v1/session").status_code == 401


def test_child_session_lasts_30_idle_minutes(app, api, factory):
    worker = factory.user("social_worker")
    _child, child = factory.child(worker, with_login=True)
    api.login(child)
    _age_sessions(app, last_seen_by=timedelta(minutes=20))
    assert api.get("/api/v1/session").status_code == 200


def test_any_session_ends_after_12_hours(app, api, factory):
    api.login(factory.user("social_worker"))
    _age_sessions(app, created_by=ABSOLUTE_LIFETIME + timedelta(minutes=1))
    assert api.get("/api/v1/session").status_code == 401


def test_role_change_ends_sessions(app, api, factory):
    worker = factory.user("social_worker")
    api.login(worker)
    with app.app_context():
        services.change_role(db.session().get(User, worker.user_id), "la_admin")
        db.session().commit()
    assert api.get("/api/v1/session").status_code == 401


def test_the_session_cookie_is_random_and_only_its_digest_is_stored(app, api, factory, client):
    api.login(factory.user("social_worker"))
    cookie = client.get_cookie("aam_session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    with app.app_context():
        ids = [row.id for row in db.session().query(UserSession).all()]
    assert cookie.value not in ids
    assert len(ids) == 1


def test_login_gives_a_new_session_id(api, factory, client):
    client.get("/login")
    before = client.get_cookie("aam_session")
    api.login(factory.user("social_worker"))
    after = client.get_cookie("aam_session")
    assert after is not None
    assert before is None or before.value != after.value


def test_a_language_picked_before_logging_in_stays_picked(app, factory):
    worker = factory.user("social_worker")
    _child, login = factory.child(worker, with_login=True)
    client = app.test_client()
    client.get("/login?locale=ar")
    response = client.post(
        "/api/v1/session", json={"username": login.username, "password": login.secret}
    )
    assert response.status_code == 201
    assert '<html lang="ar" dir="rtl">' in client.get("/me").get_data(as_text=True)
