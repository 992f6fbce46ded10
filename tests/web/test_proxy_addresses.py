"""Behind a reverse proxy, per-address limits count each client, not the proxy.

Every request reaches gunicorn from the proxy's address; with
``ALLABOUTME_TRUSTED_PROXIES=1`` the client's address comes from the last
X-Forwarded-For entry the proxy wrote. Without it the header is ignored, so a
client talking to the app directly cannot pick a fresh address per attempt.
"""

from __future__ import annotations

from itertools import count

import pytest

from allaboutme.web.limits import LOGIN_LIMIT_KEY

PROXY = "127.0.0.1"
_attempts = count(1)


def failed_login(client, forwarded_for: str) -> int:
    answer = client.post(
        "/api/v1/session",
        json={"username": f"nobody{next(_attempts)}", "password": "x" * 12},
        headers={"X-Forwarded-For": forwarded_for},
        environ_base={"REMOTE_ADDR": PROXY},
    )
    return answer.status_code


class TestBehindOneProxy:
    @pytest.fixture
    def settings_changes(self):
        return {"ratelimits_enabled": True, "trusted_proxies": 1}

    def test_each_forwarded_client_has_its_own_limit(self, app, client):
        app.config[LOGIN_LIMIT_KEY] = "2 per day"
        first = [failed_login(client, "203.0.113.7") for _ in range(3)]
        other = failed_login(client, "203.0.113.8")
        assert first == [401, 401, 429]
        assert other == 401

    def test_only_the_entry_the_proxy_wrote_counts(self, app, client):
        app.config[LOGIN_LIMIT_KEY] = "2 per day"
        answers = [failed_login(client, f"198.51.100.{n}, 203.0.113.7") for n in range(3)]
        assert answers == [401, 401, 429]


class TestWithoutTrustedProxies:
    @pytest.fixture
    def settings_changes(self):
        return {"ratelimits_enabled": True}

    def test_forwarded_for_is_ignored(self, app, client):
        app.config[LOGIN_LIMIT_KEY] = "2 per day"
        answers = [failed_login(client, f"203.0.113.{n}") for n in range(3)]
        assert answers == [401, 401, 429]
