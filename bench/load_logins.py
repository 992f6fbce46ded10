"""Logging the load world in (once per account, untimed) and handing out virtual users.

Every account of a ``bench.load_seed`` file logs in once, one after another
(Argon2 at production cost is deliberately slow, and not what is measured).
Professionals send a TOTP code when the seed enrolled them: the code of the
*next* time step, since enrolment (or an earlier run) may have spent the
current one and a spent step is refused. When the server's per-address login
limit answers 429, the login waits as long as it is told and tries again.
Virtual users of one account share its session, as tabs of one browser do.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import pyotp

from bench.load_mix import VirtualUser, admin_user, child_user, provider_user, worker_user
from bench.loadgen import Connection
from bench.scenarios import Login, LoginThrottled, log_in, profile_path

TOTP_STEP_SECONDS = 30
MAX_THROTTLED_WAIT = 120.0
MAX_THROTTLED_TRIES = 40
RANDOM_SEED = 20_260_101  # the same choices of routes and ids in every run


def _next_code(secret: str | None) -> str | None:
    return None if secret is None else pyotp.TOTP(secret).at(time.time() + TOTP_STEP_SECONDS)


async def _log_in(port: int, account: dict[str, Any], child_id: str = "") -> Login:
    """One account's login, waiting out a login limit and, once, a spent TOTP step."""
    throttled = 0
    retried_code = False
    while True:
        otp = _next_code(account.get("totp_secret"))
        try:
            return await log_in(port, account["username"], account["password"], child_id, otp=otp)
        except LoginThrottled as refusal:
            throttled += 1
            if throttled > MAX_THROTTLED_TRIES:
                raise
            wait = min(refusal.retry_after, MAX_THROTTLED_WAIT)
            print(f"login limit reached; waiting {wait:.0f} s", file=sys.stderr, flush=True)
            await asyncio.sleep(wait)
        except RuntimeError:
            if otp is None or retried_code:
                raise
            retried_code = True
            await asyncio.sleep(TOTP_STEP_SECONDS - time.time() % TOTP_STEP_SECONDS + 1)


async def _current_etag(port: int, login: Login) -> str | None:
    """The child's profile version now (an earlier run may have moved it on)."""
    connection = Connection(port, login.cookie)
    try:
        response = await connection.request(
            "GET", profile_path(login.child_id), {"Accept": "application/json"}
        )
    finally:
        connection.close()
    if response.status != 200:
        raise RuntimeError(f"the child's profile answered {response.status}")
    return response.headers.get("etag")


@dataclass
class World:
    """The logged-in accounts of one seed file."""

    port: int
    think: float
    children: list[tuple[Login, str | None]] = field(default_factory=list)
    workers: list[tuple[Login, list[str], list[str]]] = field(default_factory=list)
    providers: list[tuple[Login, list[str]]] = field(default_factory=list)
    admins: list[Login] = field(default_factory=list)

    def _connection(self, login: Login) -> Connection:
        return Connection(self.port, login.cookie)

    def virtual_users(self, children: int, workers: int, others: int) -> list[VirtualUser]:
        """The mix: one child account per child user; staff accounts shared round-robin."""
        if children > len(self.children):
            raise RuntimeError(f"{children} child users, but the seed has {len(self.children)}")
        rng = random.Random(RANDOM_SEED)
        users = []
        for login, etag in self.children[:children]:
            users.append(child_user(self._connection(login), login, etag, self.think, _rng(rng)))
        for index in range(workers):
            login, child_ids, referral_ids = self.workers[index % len(self.workers)]
            connection = self._connection(login)
            users.append(worker_user(connection, child_ids, referral_ids, self.think, _rng(rng)))
        for index in range(others):
            if index % 2 == 0 or not self.admins:
                login, packet_ids = self.providers[(index // 2) % len(self.providers)]
                connection = self._connection(login)
                users.append(provider_user(connection, packet_ids, self.think, _rng(rng)))
            else:
                login = self.admins[(index // 2) % len(self.admins)]
                users.append(admin_user(self._connection(login), self.think, _rng(rng)))
        return users

    def uploaders(self, count: int) -> list[tuple[Connection, Login]]:
        """``count`` connections of children (their own sessions) to upload photos on."""
        logins = [login for login, _ in self.children]
        return [
            (self._connection(logins[i % len(logins)]), logins[i % len(logins)])
            for i in range(count)
        ]


def _rng(parent: random.Random) -> random.Random:
    return random.Random(parent.getrandbits(64))


async def log_in_world(port: int, seed: dict[str, Any], think: float) -> World:
    """Log every account of ``seed`` in, one at a time."""
    world = World(port, think)
    for account in seed["children"]:
        login = await _log_in(port, account, account["child_id"])
        world.children.append((login, await _current_etag(port, login)))
    for account in seed["workers"]:
        login = await _log_in(port, account)
        world.workers.append((login, account["child_ids"], account["referral_ids"]))
    for account in seed["providers"]:
        world.providers.append((await _log_in(port, account), account["packet_ids"]))
    for account in seed["admins"]:
        world.admins.append(await _log_in(port, account))
    if not world.workers or not world.providers:
        raise RuntimeError("the seed needs at least one social worker and one provider")
    return world
