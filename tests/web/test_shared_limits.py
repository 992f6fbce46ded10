"""Per-address limits are one count across every app and process sharing a Redis.

Production runs several gunicorn workers, on several hosts, behind one address
limit; each worker is its own ``create_app``. These tests build apps on one
Redis (a key prefix of their own, so parallel tests never meet) and spread one
client's login attempts over them. Skipped when no Redis answers, unless
``ALLABOUTME_REQUIRE_REDIS=1`` (CI), which makes that a failure.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count
from pathlib import Path

import pytest
import redis
from flask import Flask

from allaboutme import create_app, db, encryption
from allaboutme.config import PROJECT_ROOT, PasswordCost, Settings, load_settings
from allaboutme.models import metadata
from allaboutme.web.limits import KEY_PREFIX_KEY, LOGIN_LIMIT_KEY
from tests import backends

LIMIT = 5
# A day-long window: nothing in these tests depends on how fast they run.
CONFIGURED_LIMIT = f"{LIMIT} per day"
CHEAP_PASSWORDS = PasswordCost(time_cost=1, memory_cost_kib=8, parallelism=1)
_attempts = count(1)

# A second process: its own interpreter and app, the same settings and Redis.
ANOTHER_PROCESS = """
import sys
from allaboutme import create_app
from allaboutme.web.limits import KEY_PREFIX_KEY, LOGIN_LIMIT_KEY
app = create_app({KEY_PREFIX_KEY: sys.argv[1], LOGIN_LIMIT_KEY: sys.argv[2]})
answer = app.test_client().post(
    "/api/v1/session", json={"username": "another-process", "password": "x" * 12}
)
print(answer.status_code)
"""


@dataclass
class SharedRedis:
    url: str
    prefix: str
    client: redis.Redis

    def counters(self) -> dict[str, int]:
        """Every limit counter this test wrote, read straight from Redis."""
        keys = self.client.scan_iter(match=f"*{self.prefix}*")
        return {key.decode(): int(self.client.get(key)) for key in keys}


@pytest.fixture
def shared_redis() -> Iterator[SharedRedis]:
    available, reason = backends.redis_available()
    if not available:
        if backends.is_required("ALLABOUTME_REQUIRE_REDIS"):
            pytest.fail(f"Redis is required but unusable: {reason}")
        pytest.skip(f"Redis not available here: {reason}")
    client = redis.Redis.from_url(backends.redis_url())
    shared = SharedRedis(backends.redis_url(), f"test-{uuid.uuid4().hex}", client)
    yield shared
    leftovers = list(client.scan_iter(match=f"*{shared.prefix}*"))
    if leftovers:
        client.delete(*leftovers)
    client.close()


@pytest.fixture
def environment(tmp_path: Path, shared_redis: SharedRedis) -> dict[str, str]:
    """One set of settings (databases, secrets, Redis) for every app and process."""
    return {
        "ALLABOUTME_ENV": "testing",
        "ALLABOUTME_INSTANCE_PATH": str(tmp_path),
        "ALLABOUTME_DATABASE_URL": f"sqlite:///{tmp_path / 'data.sqlite3'}",
        "ALLABOUTME_KEYSTORE_URL": f"sqlite:///{tmp_path / 'keys.sqlite3'}",
        "ALLABOUTME_SECRET_KEY": "test-secret-key-not-for-production",
        "ALLABOUTME_PASSWORD_PEPPER": "test-pepper-of-sufficient-length",
        "ALLABOUTME_RATELIMIT_STORAGE_URL": shared_redis.url,
        "ALLABOUTME_RATELIMITS": "on",
    }


@pytest.fixture
def settings(environment: dict[str, str]) -> Iterator[Settings]:
    loaded = dataclasses.replace(load_settings(environment), password_cost=CHEAP_PASSWORDS)
    schema_app = create_app({"ALLABOUTME_SETTINGS": loaded})
    with schema_app.app_context():
        metadata.create_all(db.database().engine)
        encryption.vault().create_schema()
        db.database().dispose()
    yield loaded


@pytest.fixture
def serving_apps(settings: Settings, shared_redis: SharedRedis) -> Iterator[list[Flask]]:
    """Apps built on demand by ``serve()``; their database engines closed at the end."""
    apps: list[Flask] = []
    yield apps
    for app in apps:
        with app.app_context():
            db.database().dispose()


def serve(apps: list[Flask], settings: Settings, prefix: str) -> Flask:
    app = create_app(
        {
            "ALLABOUTME_SETTINGS": settings,
            "TESTING": True,
            KEY_PREFIX_KEY: prefix,
            LOGIN_LIMIT_KEY: CONFIGURED_LIMIT,
        }
    )
    apps.append(app)
    return app


def failed_login(app: Flask) -> int:
    """One wrong login from the same address, each under a new name (no per-account delay)."""
    answer = app.test_client().post(
        "/api/v1/session", json={"username": f"nobody{next(_attempts)}", "password": "x" * 12}
    )
    return answer.status_code


def test_two_apps_on_one_redis_share_one_login_limit(serving_apps, settings, shared_redis):
    first = serve(serving_apps, settings, shared_redis.prefix)
    answers = [failed_login(first), failed_login(first)]
    # Built after the first app counted: a count kept in the process would restart here.
    second = serve(serving_apps, settings, shared_redis.prefix)
    answers += [failed_login(app) for app in (second, first, second, first, second)]

    assert answers == [401] * LIMIT + [429, 429]
    assert list(shared_redis.counters().values()) == [LIMIT + 2]


def test_another_process_sees_the_limit_this_one_spent(
    serving_apps, settings, shared_redis, environment
):
    app = serve(serving_apps, settings, shared_redis.prefix)
    assert [failed_login(app) for _ in range(LIMIT)] == [401] * LIMIT

    outside = {k: v for k, v in os.environ.items() if not k.startswith("ALLABOUTME_")}
    result = subprocess.run(
        [sys.executable, "-c", ANOTHER_PROCESS, shared_redis.prefix, CONFIGURED_LIMIT],
        env={**outside, **environment},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "429"
