"""Guessing is bounded, and nobody can lock a child out of their own phone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from allaboutme import db
from allaboutme.accounts import authentication, services
from allaboutme.errors import InvalidCredentials, RateLimited
from tests.factories import CHILD_PIN


def _try(username, secret, now, device=None):
    try:
        return authentication.authenticate(
            username, secret, otp=None, device_token=device, mfa_required=True, now=now
        )
    finally:
        db.session().rollback()


def _fail_times(username, times, now):
    for _ in range(times):
        with pytest.raises(InvalidCredentials):
            _try(username, "999999999", now)


def test_delays_grow_from_the_fifth_failure(app, factory):
    worker = factory.user("social_worker")
    _child, child = factory.child(worker, with_login=True)
    now = db.utcnow()
    with app.app_context():
        _fail_times(child.username, 4, now)
        _fail_times(child.username, 1, now)  # the 5th is still answered
        with pytest.raises(RateLimited) as waited:
            _try(child.username, CHILD_PIN, now)
        assert waited.value.retry_after_seconds >= 1
        later = now + timedelta(seconds=2)
        assert _try(child.username, CHILD_PIN, later).user.id == child.user_id


def test_unknown_usernames_are_throttled_like_real_ones(app):
    now = db.utcnow()
    with app.app_context():
        _fail_times("no.such.person", 5, now)
        with pytest.raises(RateLimited):
            _try("no.such.person", "whatever-it-is", now)


def test_hard_stop_after_100_failures_until_a_worker_resets(app, factory):
    worker = factory.user("social_worker")
    _child, child = factory.child(worker, with_login=True)
    start = db.utcnow()
    with app.app_context():
        for attempt in range(100):
            moment = start + timedelta(hours=attempt)  # always past the growing delay
            with pytest.raises(InvalidCredentials):
                _try(child.username, "999999999", moment)
        much_later = start + timedelta(days=30)
        with pytest.raises(RateLimited):
            _try(child.username, CHILD_PIN, much_later)
        services.reset_login_throttle(child.username)
        db.session().commit()
        assert _try(child.username, CHILD_PIN, much_later).user.id == child.user_id


def test_a_known_device_keeps_working_while_someone_else_guesses(app, factory):
    worker = factory.user("social_worker")
    _child, child = factory.child(worker, with_login=True)
    now = db.utcnow()
    with app.app_context():
        outcome = authentication.authenticate(
            child.username, CHILD_PIN, otp=None, device_token=None, mfa_required=True, now=now
        )
        db.session().commit()
        device = outcome.device_token
        assert device
        for attempt in range(30):
            with pytest.raises(InvalidCredentials):
                _try(child.username, "999999999", now + timedelta(hours=attempt))
        last = now + timedelta(hours=29)
        with pytest.raises(RateLimited):
            _try(child.username, CHILD_PIN, last)
        assert _try(child.username, CHILD_PIN, last, device=device).user.id == child.user_id


def test_failures_survive_the_rolled_back_request(api, factory, app):
    worker = factory.user("social_worker")
    for _ in range(5):
        api.client.post(
            "/api/v1/session", json={"username": worker.username, "password": "bad-bad-bad-bad"}
        )
    response = api.client.post(
        "/api/v1/session", json={"username": worker.username, "password": "bad-bad-bad-bad"}
    )
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert response.content_type == "application/problem+json"


class TestPerAddressLimit:
    @pytest.fixture
    def settings_changes(self):
        return {"ratelimits_enabled": True}

    def test_one_address_is_limited_across_usernames(self, client):
        answers = [
            client.post(
                "/api/v1/session", json={"username": f"someone{index}", "password": "x" * 12}
            ).status_code
            for index in range(21)
        ]
        assert answers[:20] == [401] * 20
        assert answers[20] == 429
