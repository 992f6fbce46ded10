"""Writes under fire: sections, grants and pictures sent while gunicorn is SIGKILLed at random.

Each child is written by its own connection, one request at a time, through the
public API. A write counts as acknowledged only when its 2xx answer arrived, and
only acknowledged writes go into the :class:`Ledger` that is checked against the
database afterwards. A write whose answer never came (the server died under it)
is "in doubt": it may or may not have been stored, and either is correct as long
as it was stored whole or not at all.

After a random number of acknowledged writes (and a random few milliseconds
more, so the kill lands at any point of a request; every second kill also waits
until a write transaction is open) the whole gunicorn process group, master and
workers, is killed with SIGKILL; a fresh gunicorn is started on the same
databases and the writers carry on from what the server now says.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import os
import random
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from allaboutme.children.sections import SECTION_KEYS
from bench.answers import sample_answers, section_keys
from bench.crash_probe import TransactionProbe
from bench.crash_report import RETRY_LATER
from bench.loadgen import Connection, HttpError, Response
from bench.scenarios import JSON_HEADERS, Login, profile_path

REQUEST_TIMEOUT = 30.0
GONE_TIMEOUT = 10.0  # seconds for every process of a killed group to disappear
AIM_SECONDS = 2.0  # an aimed kill waits at most this long for a write transaction to open
WRITE_MIX = (("section", 70), ("grant", 15), ("picture", 15))
BOUNDARY = "aam-crash-boundary-7f3e"


def answers_digest(answers: Any) -> str:
    """The same digest of a section's answers on both sides (answer JSON, stored plaintext)."""
    canonical = json.dumps(answers, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class Ledger:
    """What was sent, what the server acknowledged, and what is in doubt."""

    sent: int = 0
    sent_by_kind: Counter[str] = field(default_factory=Counter)
    acknowledged_by_kind: Counter[str] = field(default_factory=Counter)
    answers: Counter[str] = field(default_factory=Counter)  # "kind status[ retry later]" -> n
    sections: list[dict[str, Any]] = field(default_factory=list)
    grants: list[dict[str, Any]] = field(default_factory=list)
    pictures: list[dict[str, Any]] = field(default_factory=list)
    in_doubt: Counter[str] = field(default_factory=Counter)
    in_doubt_sections: Counter[str] = field(default_factory=Counter)  # how each was resolved
    unexpected_failures: int = 0
    kills: list[dict[str, Any]] = field(default_factory=list)

    @property
    def acknowledged(self) -> int:
        return sum(self.acknowledged_by_kind.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "sent_by_kind": dict(self.sent_by_kind),
            "acknowledged": self.acknowledged,
            "acknowledged_by_kind": dict(self.acknowledged_by_kind),
            "answers": dict(sorted(self.answers.items())),
            "in_doubt": dict(self.in_doubt),
            "in_doubt_sections": dict(self.in_doubt_sections),
            "unexpected_failures": self.unexpected_failures,
            "kills": self.kills,
        }

    def acknowledged_writes(self) -> dict[str, Any]:
        """Every acknowledged write, for the check against the database."""
        return {"sections": self.sections, "grants": self.grants, "pictures": self.pictures}


def sample_pictures(rng: random.Random) -> list[tuple[str, bytes]]:
    """A few small pictures (noise, so they do not compress to nothing): JPEG and PNG."""
    pictures = []
    for index, kind in enumerate(("JPEG", "PNG", "JPEG", "PNG")):
        size = (320 + 16 * index, 240)
        image = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
        buffer = io.BytesIO()
        image.save(buffer, kind)
        pictures.append((kind.lower(), buffer.getvalue()))
    return pictures


def _multipart(fields: dict[str, str], picture: tuple[str, bytes]) -> bytes:
    kind, data = picture
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="p.{kind}"\r\n'
        f"Content-Type: image/{kind}\r\n\r\n"
    )
    return "".join(parts).encode() + data + f"\r\n--{BOUNDARY}--\r\n".encode()


async def send_once(
    port: int, cookie: str, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> Response | None:
    """One exchange on a fresh connection, never retried; None when no answer came back.

    A retry would send a write twice without the caller knowing: the first may
    have been stored before the server died.
    """
    connection = Connection(port, cookie)
    try:
        async with asyncio.timeout(REQUEST_TIMEOUT):
            return await connection.request(method, path, headers=headers, body=body)
    except (TimeoutError, HttpError, OSError, asyncio.IncompleteReadError, ValueError):
        return None
    finally:
        connection.close()


@dataclass
class Writer:
    """One child's connection: writes in turn, remembers what is in doubt."""

    login: Login
    rng: random.Random
    pictures: list[tuple[str, bytes]]
    version: int = 0
    counter: int = 0
    in_flight: bool = False
    doubtful_section: dict[str, Any] | None = None

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = dict(JSON_HEADERS)
        headers["X-CSRF-Token"] = self.login.csrf_token
        headers.update(extra or {})
        return headers

    async def sync(self, port: int, ledger: Ledger) -> None:
        """Take the profile version the server has now; settle a section write in doubt."""
        response = await send_once(
            port, self.login.cookie, "GET", profile_path(self.login.child_id), self._headers()
        )
        if response is None or response.status != 200:
            raise RuntimeError(
                f"profile read after restart answered {response and response.status}"
            )
        profile = json.loads(response.body)
        self.version = profile["version"]
        doubt, self.doubtful_section = self.doubtful_section, None
        if doubt is not None:
            ledger.in_doubt_sections[_settle(doubt, profile)] += 1

    async def step(self, port: int, ledger: Ledger) -> bool:
        """Send one write; False when no answer came back (the server died under it)."""
        kind = self.rng.choices([k for k, _ in WRITE_MIX], [w for _, w in WRITE_MIX])[0]
        ledger.sent += 1
        ledger.sent_by_kind[kind] += 1
        self.counter += 1
        self.in_flight = True
        try:
            if kind == "section":
                return await self._write_section(port, ledger)
            if kind == "grant":
                return await self._grant(port, ledger)
            return await self._upload(port, ledger)
        finally:
            self.in_flight = False

    def _answered(self, ledger: Ledger, kind: str, response: Response | None) -> bool:
        if response is None:
            ledger.in_doubt[kind] += 1
            return False
        # A 503 with Retry-After is the server asking to be asked again later (the
        # image pool is full, or a dependency is down): an answer, not an error; the
        # checks still require that nothing of it was stored.
        later = response.status == 503 and "retry-after" in response.headers
        ledger.answers[f"{kind} {response.status}{RETRY_LATER if later else ''}"] += 1
        if 200 <= response.status < 300:
            ledger.acknowledged_by_kind[kind] += 1
        return True

    async def _write_section(self, port: int, ledger: Ledger) -> bool:
        key = self.rng.choice(section_keys())
        answers = sample_answers(key, f"Crash write {self.counter}")
        expected = self.version
        body = json.dumps({"answers": answers, "language": "en"}).encode()
        path = f"{profile_path(self.login.child_id)}/sections/{key}"
        headers = self._headers({"If-Match": f'"{expected}"'})
        response = await send_once(port, self.login.cookie, "PUT", path, headers, body)
        if not self._answered(ledger, "section", response):
            self.doubtful_section = {
                "expected": expected,
                "key": key,
                "digest": answers_digest(answers),
            }
            return False
        assert response is not None
        if response.status == 200:
            profile = json.loads(response.body)
            self.version = profile["version"]
            stored = profile["sections"][key]
            ledger.sections.append(
                {
                    "child_id": self.login.child_id,
                    "version": self.version,
                    "key": key,
                    "digest": answers_digest(stored["answers"]),
                }
            )
        elif response.status == 409:
            await self.sync(port, ledger)
        return True

    async def _grant(self, port: int, ledger: Ledger) -> bool:
        sections = self.rng.sample(list(SECTION_KEYS), self.rng.randint(1, 3))
        body = json.dumps(
            {"audience": {"kind": "social_worker"}, "sections": sections, "purpose": "support"}
        ).encode()
        path = f"/api/v1/children/{self.login.child_id}/consents"
        response = await send_once(port, self.login.cookie, "POST", path, self._headers(), body)
        if self._answered(ledger, "grant", response) and response and response.status == 201:
            grant = json.loads(response.body)
            ledger.grants.append({"child_id": self.login.child_id, "grant_id": grant["id"]})
        return response is not None

    async def _upload(self, port: int, ledger: Ledger) -> bool:
        fields = {"section": self.rng.choice(list(SECTION_KEYS))}
        if self.rng.random() < 0.5:
            fields["caption"] = f"Crash picture {self.counter}"
        body = _multipart(fields, self.rng.choice(self.pictures))
        headers = self._headers({"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
        path = f"/api/v1/children/{self.login.child_id}/media"
        response = await send_once(port, self.login.cookie, "POST", path, headers, body)
        if self._answered(ledger, "picture", response) and response and response.status == 201:
            item = json.loads(response.body)
            ledger.pictures.append(
                {
                    "child_id": self.login.child_id,
                    "media_id": item["id"],
                    "byte_size": item["byte_size"],
                    "caption": fields.get("caption"),
                }
            )
        return response is not None


def _settle(doubt: dict[str, Any], profile: dict[str, Any]) -> str:
    """Whether a section write in doubt was stored whole, not at all, or (wrongly) otherwise."""
    if profile["version"] == doubt["expected"]:
        return "not stored"
    section = profile["sections"].get(doubt["key"])
    if (
        profile["version"] == doubt["expected"] + 1
        and section is not None
        and section["version"] == profile["version"]
        and answers_digest(section["answers"]) == doubt["digest"]
    ):
        return "stored whole"
    return "inconsistent"


@dataclass(frozen=True)
class KillPlan:
    total_writes: int
    every_min: int  # acknowledged writes between two kills, drawn uniformly in [min, max]
    every_max: int
    jitter_seconds: float  # then up to this much longer, so kills land mid-request


@dataclass
class Killer:
    """Kills gunicorn's whole process group once enough writes were acknowledged.

    Every second kill is aimed: after the random delay it waits (up to
    ``AIM_SECONDS``) until the probe sees a write transaction open, so that
    half of the kills certainly cut a transaction in half; the others land
    wherever the random moment falls.
    """

    server_pid: int
    writers: list[Writer]
    ledger: Ledger
    plan: KillPlan
    rng: Any
    probe: TransactionProbe
    killed: asyncio.Event = field(default_factory=asyncio.Event)

    def _all_sent(self) -> bool:
        return self.ledger.sent >= self.plan.total_writes

    async def run(self) -> None:
        threshold = self.ledger.acknowledged + self.rng.randint(
            self.plan.every_min, self.plan.every_max
        )
        while self.ledger.acknowledged < threshold:
            if self._all_sent():
                return
            await asyncio.sleep(0.001)
        await asyncio.sleep(self.rng.uniform(0, self.plan.jitter_seconds))
        is_aimed = len(self.ledger.kills) % 2 == 1
        open_transactions = await self._wait_for_a_transaction(is_aimed)
        if self._all_sent() and not any(w.in_flight for w in self.writers):
            return
        self.killed.set()
        in_flight = sum(w.in_flight for w in self.writers)
        os.killpg(self.server_pid, signal.SIGKILL)  # gunicorn's group: master and workers
        self.ledger.kills.append(
            {
                "after_sent": self.ledger.sent,
                "after_acknowledged": self.ledger.acknowledged,
                "requests_in_flight": in_flight,
                "aimed_at_a_transaction": is_aimed,
                "open_transactions": open_transactions,
            }
        )

    async def _wait_for_a_transaction(self, is_aimed: bool) -> int:
        deadline = time.monotonic() + (AIM_SECONDS if is_aimed else 0.0)
        while True:
            found = self.probe.open_transactions()
            if found or time.monotonic() >= deadline or self._all_sent():
                return found
            await asyncio.sleep(0.001)  # the writers keep sending meanwhile


async def serve_until_killed(
    server_pid: int,
    port: int,
    writers: list[Writer],
    ledger: Ledger,
    plan: KillPlan,
    rng: Any,
    probe: TransactionProbe,
) -> bool:
    """Write until the kill (True) or until every write was sent (False)."""
    for writer in writers:
        await writer.sync(port, ledger)
    killer = Killer(server_pid, writers, ledger, plan, rng, probe)

    async def write(writer: Writer) -> None:
        while not killer.killed.is_set() and ledger.sent < plan.total_writes:
            if not await writer.step(port, ledger) and not killer.killed.is_set():
                ledger.unexpected_failures += 1
                await asyncio.sleep(0.05)

    killing = asyncio.create_task(killer.run())
    await asyncio.gather(*(write(w) for w in writers))
    if not killer.killed.is_set():
        killing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await killing
    return killer.killed.is_set()


def _live_members(pgid: int) -> list[int]:
    """Processes of group ``pgid`` that still run (zombies hold no file and are skipped)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def wait_until_gone(pgid: int) -> None:
    """Every process of the killed group has gone (none may keep a database open)."""
    deadline = time.monotonic() + GONE_TIMEOUT
    while _live_members(pgid):
        if time.monotonic() > deadline:
            raise RuntimeError(f"processes of group {pgid} outlived SIGKILL")
        time.sleep(0.05)
