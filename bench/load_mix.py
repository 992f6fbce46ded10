"""The virtual users of the load profile, and the 12 MP photo uploaders.

A virtual user is one keep-alive connection with one person's session. Each
step it waits a random think time (uniform, 0 to twice the mean), picks one of
its role's actions by weight and sends that one request, so the mix of routes
follows the mix of people rather than whichever route happens to be fastest:

- children on phones: read their own profile, save a section with ``If-Match``
  (``bench.scenarios.Writer``), look at who has looked, list their pictures;
- social workers: the caseload page, a consented profile read (audited), a
  referral's matches, the referral page;
- providers: the packet inbox page, one packet's page (audited);
  authority administrators: the audit page.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from bench.loadgen import STATUS_ERROR, Connection, HttpError, Recorder, Step
from bench.scenarios import Login, Writer, profile_path
from bench.upload import _multipart, twelve_megapixel_jpeg

CHILD_SHARE, WORKER_SHARE = 0.70, 0.25  # the rest are providers and administrators
UPLOAD_TIMEOUT = 120.0  # seconds; twenty 12 MP uploads at once queue for a long time
JSON = {"Accept": "application/json"}
HTML = {"Accept": "text/html"}

# Each kind of request the mix records, as the report names its route.
ROUTES = {
    "child_profile": "child    GET  /api/v1/children/{id}/profile",
    "write": "child    PUT  /api/v1/children/{id}/profile/sections/{key}",
    "reread": "child    GET  /api/v1/children/{id}/profile (after a 409)",
    "child_looked": "child    GET  /api/v1/children/{id}/access-log",
    "child_pictures": "child    GET  /api/v1/children/{id}/media",
    "worker_caseload": "worker   GET  /caseload",
    "worker_profile": "worker   GET  /api/v1/children/{id}/profile (audited)",
    "worker_matches": "worker   GET  /api/v1/referrals/{id}/matches",
    "worker_referral": "worker   GET  /referrals/{id}",
    "provider_inbox": "provider GET  /packets",
    "provider_packet": "provider GET  /packets/{id} (audited)",
    "admin_audit": "admin    GET  /admin/audit",
    "upload": "child    POST /api/v1/children/{id}/media (12 MP photo)",
    "upload_busy": "child    POST /api/v1/children/{id}/media (503: busy, Retry-After)",
}
UPLOAD_KINDS = frozenset({"upload", "upload_busy"})
Action = Callable[[Recorder], Awaitable[None]]


def split_users(users: int) -> tuple[int, int, int]:
    """Children, social workers, providers+administrators: 70/25/5, largest remainders."""
    shares = (CHILD_SHARE, WORKER_SHARE, 1 - CHILD_SHARE - WORKER_SHARE)
    exact = [users * share for share in shares]
    counts = [int(value) for value in exact]
    by_remainder = sorted(range(3), key=lambda i: exact[i] - counts[i], reverse=True)
    for index in by_remainder[: users - sum(counts)]:
        counts[index] += 1
    return counts[0], counts[1], counts[2]


def _get(connection: Connection, kind: str, path: str, headers: dict[str, str]) -> Action:
    async def action(recorder: Recorder) -> None:
        await recorder.timed(kind, connection, "GET", path, headers=headers)

    return action


def _pick(rng: random.Random, connection: Connection, kind: str, paths: Sequence[str]) -> Action:
    """A GET of one of ``paths``, chosen afresh each time."""
    headers = JSON if "/api/" in paths[0] else HTML

    async def action(recorder: Recorder) -> None:
        await recorder.timed(kind, connection, "GET", rng.choice(paths), headers=headers)

    return action


@dataclass
class VirtualUser:
    """One person on one connection: think, then one weighted action per step."""

    role: str
    connection: Connection
    actions: list[Action]
    weights: list[float]
    think_seconds: float
    rng: random.Random
    steps: int = field(default=0)

    async def step(self, recorder: Recorder) -> None:
        if self.think_seconds > 0:
            await asyncio.sleep(self.rng.uniform(0, 2 * self.think_seconds))
        action = self.rng.choices(self.actions, weights=self.weights)[0]
        self.steps += 1
        await action(recorder)


def child_user(
    connection: Connection, login: Login, etag: str | None, think: float, rng: random.Random
) -> VirtualUser:
    """A child on their phone; saves go through ``Writer`` (If-Match on the last ETag)."""
    writer = Writer(connection, login)
    if etag:
        writer.etag = etag
    base = f"/api/v1/children/{login.child_id}"
    actions = [
        _get(connection, "child_profile", profile_path(login.child_id), JSON),
        writer.step,
        _get(connection, "child_looked", f"{base}/access-log", JSON),
        _get(connection, "child_pictures", f"{base}/media", JSON),
    ]
    return VirtualUser("child", connection, actions, [35, 35, 15, 15], think, rng)


def worker_user(
    connection: Connection,
    child_ids: Sequence[str],
    referral_ids: Sequence[str],
    think: float,
    rng: random.Random,
) -> VirtualUser:
    """A social worker at a desk: caseload, a child's profile, a referral and its matches."""
    actions = [
        _get(connection, "worker_caseload", "/caseload", HTML),
        _pick(rng, connection, "worker_profile", [profile_path(c) for c in child_ids]),
        _pick(
            rng,
            connection,
            "worker_matches",
            [f"/api/v1/referrals/{r}/matches" for r in referral_ids],
        ),
        _pick(rng, connection, "worker_referral", [f"/referrals/{r}" for r in referral_ids]),
    ]
    return VirtualUser("social_worker", connection, actions, [30, 30, 20, 20], think, rng)


def provider_user(
    connection: Connection, packet_ids: Sequence[str], think: float, rng: random.Random
) -> VirtualUser:
    """Provider staff: the inbox page, then a packet's page."""
    actions = [
        _get(connection, "provider_inbox", "/packets", HTML),
        _pick(rng, connection, "provider_packet", [f"/packets/{p}" for p in packet_ids]),
    ]
    return VirtualUser("provider", connection, actions, [50, 50], think, rng)


def admin_user(connection: Connection, think: float, rng: random.Random) -> VirtualUser:
    """An authority administrator reading the audit page."""
    actions = [_get(connection, "admin_audit", "/admin/audit", HTML)]
    return VirtualUser("la_admin", connection, actions, [1], think, rng)


class PhotoUploads:
    """Uploaders that each send the same 12 MP JPEG again and again as a child (no think time).

    The file is made once (``bench.upload``); each upload is timed here with a
    longer timeout than other requests, since twenty at once queue for seconds.
    An upload refused because the server's image pool is full (503) is recorded
    as ``upload_busy``, and its uploader waits the Retry-After asked for, as a
    well-behaved client does, before sending the next.
    """

    def __init__(self) -> None:
        self.photo = twelve_megapixel_jpeg()
        self.boundary, self.body = _multipart(self.photo, "likes")

    def step(self, connection: Connection, login: Login) -> Step:
        headers = {
            "Content-Type": f"multipart/form-data; boundary={self.boundary}",
            "Accept": "application/json",
            "X-CSRF-Token": login.csrf_token,
        }
        path = f"/api/v1/children/{login.child_id}/media"

        async def upload(recorder: Recorder) -> None:
            started = time.perf_counter()
            try:
                async with asyncio.timeout(UPLOAD_TIMEOUT):
                    response = await connection.request("POST", path, headers, self.body)
            except (
                TimeoutError,
                HttpError,
                OSError,
                asyncio.IncompleteReadError,
                ValueError,
            ) as exc:
                connection.close()
                recorder.exceptions[type(exc).__name__] += 1
                recorder.add("upload", started, time.perf_counter() - started, STATUS_ERROR)
                return
            if response.status == 503:
                recorder.add("upload_busy", started, time.perf_counter() - started, 503)
                await asyncio.sleep(_retry_after_seconds(response.headers))
                return
            recorder.add("upload", started, time.perf_counter() - started, response.status)

        return upload


def _retry_after_seconds(headers: dict[str, str]) -> float:
    value = headers.get("retry-after", "")
    return float(value) if value.isdigit() else 1.0
