"""The shared store behind rate limits is down: requests fail closed with a 503, not a 500."""

from __future__ import annotations

import pytest

from tests.factories import Factory


@pytest.fixture
def settings_changes():
    # Nothing listens on the discard port: every call to the store fails to connect.
    return {"ratelimits_enabled": True, "ratelimit_storage_url": "redis://127.0.0.1:9/0"}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_login_while_the_rate_limit_store_is_down_answers_503(app, factory: Factory):
    worker = factory.user("social_worker")
    response = app.test_client().post(
        "/api/v1/session", json={"username": worker.username, "password": worker.secret}
    )
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "5"
    assert "redis" not in response.get_data(as_text=True).lower()
