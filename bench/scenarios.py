"""The measured scenarios: bare JSON endpoint, profile reads (the child's own and the
social worker's consented, audited one), a section write.

Logging in happens once per login, before any timing (Argon2 at production
cost is deliberately slow and is not what these scenarios measure).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.answers import sample_answers, section_keys
from bench.loadgen import Connection, Recorder, Step

JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
SESSION_COOKIE = "aam_session"
# Outside development and testing the session cookie is a secure ``__Host-`` cookie.
SESSION_COOKIES = (SESSION_COOKIE, f"__Host-{SESSION_COOKIE}")
LOGIN_CONCURRENCY = 1  # concurrent logins are not what is measured here


@dataclass
class Login:
    child_id: str
    cookie: str
    csrf_token: str
    version: int


def _cookie_value(set_cookie: str, name: str) -> str | None:
    for line in set_cookie.split("\n"):
        first = line.split(";", 1)[0]
        key, _, value = first.partition("=")
        if key.strip() == name and value:
            return value.strip()
    return None


class LoginThrottled(RuntimeError):
    """The server's per-address login limit answered 429; try again after ``retry_after`` s."""

    def __init__(self, username: str, retry_after: float) -> None:
        super().__init__(f"login of {username} throttled for {retry_after:.0f} s")
        self.retry_after = retry_after


async def log_in(
    port: int,
    username: str,
    password: str,
    child_id: str = "",
    version: int = 0,
    otp: str | None = None,
) -> Login:
    """One login (``otp``: the TOTP code, when the instance asks professionals for one)."""
    connection = Connection(port)
    payload = {"username": username, "password": password}
    if otp is not None:
        payload["otp"] = otp
    try:
        body = json.dumps(payload).encode()
        response = await asyncio.wait_for(
            connection.request("POST", "/api/v1/session", headers=JSON_HEADERS, body=body), 60
        )
    finally:
        connection.close()
    if response.status == 429:
        raise LoginThrottled(username, float(response.headers.get("retry-after") or 60))
    if response.status != 201:
        raise RuntimeError(f"login of {username} failed: {response.status} {response.body[:300]!r}")
    set_cookie = response.headers.get("set-cookie", "")
    cookies = [(name, _cookie_value(set_cookie, name)) for name in SESSION_COOKIES]
    found = [f"{name}={token}" for name, token in cookies if token]
    if not found:
        raise RuntimeError(f"login of {username} set no {SESSION_COOKIE} cookie")
    csrf = json.loads(response.body)["csrf_token"]
    return Login(child_id, found[0], csrf, version)


async def log_in_all(port: int, accounts: Sequence[dict[str, Any]]) -> list[Login]:
    gate = asyncio.Semaphore(LOGIN_CONCURRENCY)

    async def one(account: dict[str, Any]) -> Login:
        async with gate:
            return await log_in(
                port,
                account["username"],
                account["password"],
                account.get("child_id", ""),
                account.get("version", 0),
            )

    return list(await asyncio.gather(*(one(a) for a in accounts)))


def bare_step(connection: Connection) -> Step:
    async def step(recorder: Recorder) -> None:
        await recorder.timed("bare", connection, "GET", "/healthz")

    return step


def profile_path(child_id: str) -> str:
    return f"/api/v1/children/{child_id}/profile"


def read_step(connection: Connection, child_id: str) -> Step:
    path = profile_path(child_id)
    headers = {"Accept": "application/json"}

    async def step(recorder: Recorder) -> None:
        await recorder.timed("read", connection, "GET", path, headers=headers)

    return step


def worker_read_step(connection: Connection, child_id: str) -> Step:
    """The social worker reads one child's profile: consent decision, then an audit append."""
    path = profile_path(child_id)
    headers = {"Accept": "application/json"}

    async def step(recorder: Recorder) -> None:
        await recorder.timed("worker_read", connection, "GET", path, headers=headers)

    return step


def packet_view_step(connection: Connection, packet_id: str) -> Step:
    """The provider opens one packet: a live consent decision, decryption and an audit append."""
    path = f"/api/v1/packets/{packet_id}"
    headers = {"Accept": "application/json"}

    async def step(recorder: Recorder) -> None:
        await recorder.timed("packet_view", connection, "GET", path, headers=headers)

    return step


@dataclass
class Writer:
    """One connection writing its own child's sections in turn, If-Match on the last ETag."""

    connection: Connection
    login: Login
    etag: str | None = None
    counter: int = 0
    conflicts: int = 0
    rereads: int = 0
    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.etag = f'"{self.login.version}"'
        self.bodies = {key: sample_answers(key, "Bench write") for key in section_keys()}

    async def _reread(self, recorder: Recorder) -> None:
        self.rereads += 1
        response = await recorder.timed(
            "reread", self.connection, "GET", profile_path(self.login.child_id)
        )
        if response is not None and response.status == 200:
            self.etag = response.headers.get("etag", self.etag)

    async def step(self, recorder: Recorder) -> None:
        keys = section_keys()
        key = keys[self.counter % len(keys)]
        answers = dict(self.bodies[key])
        first_text = next((k for k, v in answers.items() if isinstance(v, str) and " " in v), None)
        if first_text is not None:
            answers[first_text] = f"Bench write {self.counter}"
        body = json.dumps({"answers": answers, "language": "en"}).encode()
        headers = dict(JSON_HEADERS)
        headers["If-Match"] = self.etag or '"0"'
        headers["X-CSRF-Token"] = self.login.csrf_token
        path = f"{profile_path(self.login.child_id)}/sections/{key}"
        response = await recorder.timed(
            "write", self.connection, "PUT", path, headers=headers, body=body
        )
        if response is not None and response.status == 200:
            self.etag = response.headers.get("etag", self.etag)
            self.counter += 1
        elif response is not None and response.status == 409:
            self.conflicts += 1  # re-read, then retry the same section next step
            await self._reread(recorder)
        else:
            self.counter += 1
            await self._reread(recorder)
