"""``python -m bench.run``: profile reads and section write against the bare endpoint; rotation.

    python -m bench.run [--quick] [--backend sqlite|postgresql] [--out bench/results]

Builds a throwaway instance (temp folder; fresh PostgreSQL databases when asked),
migrates and seeds it through the app's own services, serves it with gunicorn
(``gunicorn.conf.py``, 2 workers), drives it from 127.0.0.1 with 32 keep-alive
connections, and writes ``<out>/<timestamp>.json`` plus a table on stdout.
Everything it started or created is stopped or removed at the end, even on error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import time
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from bench import report
from bench.audit_count import AuditCount, count_audit_events, written_between
from bench.environment import REPO, Instance, busy_cores, machine
from bench.loadgen import Connection, Recorder, RunResult, run_closed_loop, summarise
from bench.page_weight import measure_page_weight
from bench.results import save_and_show
from bench.scenarios import (
    Login,
    Writer,
    bare_step,
    log_in_all,
    packet_view_step,
    profile_path,
    read_step,
    worker_read_step,
)
from bench.server import Server, backend_cpu_seconds, gunicorn
from bench.upload import measure_upload

ROTATION_MAX_SECONDS = 300.0  # the rotation command is killed after this
ROTATION_LOAD_LEAD = 1.0  # seconds of read load before the rotation starts
ROTATION_LOAD_TAIL = 0.5
MAX_ROTATIONS_UNDER_LOAD = 10
QUIET_CORES = 0.25
UPLOAD_ROUNDS = 15
UPLOAD_ROUNDS_QUICK = 6


@dataclass(frozen=True)
class Plan:
    quick: bool
    backend: str
    connections: int
    duration: float
    warmup: float
    rotation_children: int
    recycle_workers: bool
    out: Path
    wait_quiet: float


def parse_args(argv: list[str] | None) -> Plan:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run (3 s per scenario)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, help="seconds per scenario (10, quick 3)")
    parser.add_argument("--rotation-children", type=int, default=10_000)
    parser.add_argument(
        "--no-worker-recycling",
        action="store_true",
        help="pass --max-requests 0 to gunicorn (the shipped config restarts a worker "
        "after max_requests requests)",
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before each scenario wait up to SECONDS for other processes to use "
        f"<= {QUIET_CORES} cores (shared machines)",
    )
    args = parser.parse_args(argv)
    if not 0 <= args.wait_quiet <= 3600:
        parser.error("--wait-quiet must be 0..3600 s")
    if not 1 <= args.connections <= 256:
        parser.error("--connections must be 1..256")
    duration = args.duration or (3.0 if args.quick else 10.0)
    if not 0.5 <= duration <= 600:
        parser.error("--duration must be 0.5..600 s")
    if not 1 <= args.rotation_children <= 1_000_000:
        parser.error("--rotation-children must be 1..1,000,000")
    return Plan(
        quick=args.quick,
        backend=args.backend,
        connections=args.connections,
        duration=duration,
        warmup=1.0 if args.quick else 2.0,
        rotation_children=args.rotation_children,
        recycle_workers=not args.no_worker_recycling,
        wait_quiet=args.wait_quiet,
        out=args.out,
    )


class Bench:
    def __init__(self, plan: Plan, instance: Instance, server: Server, seed: dict[str, Any]):
        self.plan = plan
        self.instance = instance
        self.server = server
        self.seed = seed
        self.results: dict[str, Any] = {}
        self.measured: Login | None = None
        self.writers: list[Login] = []
        self.worker: Login | None = None
        self.provider: Login | None = None
        names = tuple(instance.postgres_databases)
        self.database_cpu = (lambda: backend_cpu_seconds(names)) if names else None
        self.audit_written: dict[str, dict[str, Any]] = {}

    async def _count_audit(self, actor_user_id: str | None) -> AuditCount | None:
        if actor_user_id is None:
            return None
        url = self.instance.database_url
        return await asyncio.to_thread(count_audit_events, url, actor_user_id)

    def _connections(self, cookie: str | None = None, count: int = 0) -> list[Connection]:
        count = count or self.plan.connections
        return [Connection(self.server.port, cookie) for _ in range(count)]

    async def _run(
        self,
        name: str,
        steps: list[Any],
        connections: list[Connection],
        *,
        audit_actor: str | None = None,
        **kwargs: Any,
    ) -> RunResult:
        """Warm up (discarded), then measure; connections are fresh and closed after.

        With ``audit_actor``, ``audit_events`` is counted right before and right
        after the measured period (no request in flight either time); what the
        measured requests appended goes to ``self.audit_written[name]``.
        """
        try:
            await self._wait_workers_ready()
            await self._wait_quiet(name)
            await run_closed_loop(steps, connections, duration=self.plan.warmup)
            audit_before = await self._count_audit(audit_actor)
            boots = self.server.worker_boots()
            per_process = self.server.cpu_by_process()
            result = await run_closed_loop(
                steps,
                connections,
                duration=self.plan.duration,
                server_cpu=self.server.cpu_seconds,
                database_cpu=self.database_cpu,
                **kwargs,
            )
            audit_after = await self._count_audit(audit_actor)
            if audit_before is not None and audit_after is not None:
                self.audit_written[name] = written_between(audit_before, audit_after)
            booted = self.server.worker_boots() - boots
            self.results.setdefault("worker_boots", {})[name] = booted
            after = self.server.cpu_by_process()
            shares = sorted(
                (
                    round((seconds - per_process.get(pid, 0.0)) / result.wall_seconds, 3)
                    for pid, seconds in after.items()
                    if pid != self.server.process.pid
                ),
                reverse=True,
            )
            # Cores each live worker used: an uneven split means connections were not
            # spread over the workers (keep-alive connections stay where they were accepted).
            # Only meaningful when no worker restarted during the measurement.
            self.results.setdefault("worker_cores_busy", {})[name] = None if booted else shares
            return result
        finally:
            for connection in connections:
                connection.close()

    async def _wait_workers_ready(self, timeout: float = 60.0) -> None:
        """A worker restarted (max_requests) loads the app before the scenario connects.

        Connections are opened at the warm-up and kept: any opened while a worker
        was still loading would all go to the others for the whole scenario.
        """
        deadline = time.monotonic() + timeout
        while self.server.workers_ready() < self.server.worker_boots():
            if time.monotonic() > deadline:
                raise RuntimeError("a restarted gunicorn worker did not become ready")
            await asyncio.sleep(0.2)

    async def _wait_quiet(self, name: str) -> None:
        """Up to ``--wait-quiet`` seconds for the rest of the machine to go (nearly) idle.

        Sampled over 1 s with our server idle; the last sample is recorded either way.
        """
        deadline = time.monotonic() + self.plan.wait_quiet
        while True:
            busy = await asyncio.to_thread(busy_cores, 1.0)
            if busy <= QUIET_CORES or time.monotonic() >= deadline:
                break
        self.results.setdefault("other_cores_busy_before", {})[name] = round(busy, 3)

    def _client(self, result: RunResult) -> dict[str, Any]:
        wall = result.wall_seconds
        cores = (os.cpu_count() or 1) * result.machine_busy_fraction
        server = result.server_cpu_seconds
        database = result.database_cpu_seconds
        ours = result.client_cpu_seconds + (server or 0.0) + (database or 0.0)
        other = None if server is None else cores - ours / wall
        return {
            "client_cpu_seconds": round(result.client_cpu_seconds, 3),
            "client_cpu_of_one_core": round(result.client_cpu_seconds / wall, 3),
            "server_cpu_seconds": None if server is None else round(server, 3),
            "database_server_cpu_seconds": None if database is None else round(database, 3),
            "database_server_cores_busy": None if database is None else round(database / wall, 3),
            "server_cores_busy": None if server is None else round(server / wall, 3),
            "server_cpu_ms_per_request": (
                round(server * 1000 / len(result.recorder), 3)
                if server is not None and len(result.recorder)
                else None
            ),
            "other_cores_busy": None if other is None else round(max(other, 0.0), 3),
            "machine_busy_fraction": round(result.machine_busy_fraction, 3),
            "reconnects": result.reconnects,
            "connections_opened": result.connections_opened,
            "exceptions": dict(result.recorder.exceptions),
        }

    async def log_in(self) -> None:
        accounts = [
            self.seed["measured"],
            *self.seed["writers"],
            self.seed["worker"],
            self.seed["provider"],
        ]
        started = time.perf_counter()
        logins = await log_in_all(self.server.port, accounts)
        self.results["login_seconds"] = round(time.perf_counter() - started, 2)
        self.measured, self.writers = logins[0], logins[1:-2]
        self.worker, self.provider = logins[-2], logins[-1]
        self.results["profile"] = await self._check_profile(self.measured.cookie)
        self.results["worker_profile"] = await self._check_profile(self.worker.cookie)
        self._check_audit_database()

    async def _check_profile(self, cookie: str) -> dict[str, Any]:
        """The measured child's profile answers 200 with every section, or nothing is measured.

        Asked as the child and as the social worker (every section is shared with them).
        """
        assert self.measured is not None
        connection = Connection(self.server.port, cookie)
        try:
            response = await connection.request("GET", profile_path(self.measured.child_id))
        finally:
            connection.close()
        if response.status != 200:
            raise RuntimeError(f"profile read answered {response.status}: {response.body[:300]!r}")
        sections = json.loads(response.body)["sections"]
        expected = self.results.get("profile", {}).get("sections")
        if expected is not None and len(sections) != expected:
            raise RuntimeError(f"the worker sees {len(sections)} of {expected} sections")
        return {
            "sections": len(sections),
            "response_bytes": len(response.body),
            "etag": response.headers.get("etag"),
        }

    def _check_audit_database(self) -> None:
        """The audit counts read the database the app writes (the seed's grants are in it)."""
        ours = make_url(self.instance.database_url).render_as_string(hide_password=True)
        if ours != self.seed["database_url"]:
            raise RuntimeError(f"audit counts would read {ours}, the app uses another database")
        count = count_audit_events(self.instance.database_url, self.seed["worker"]["user_id"])
        grants = count.by_action.get("consent.grant allowed", 0)
        if grants != self.seed["grants"]:
            raise RuntimeError(f"{grants} consent.grant events, {self.seed['grants']} seeded")

    async def bare(self) -> None:
        connections = self._connections()
        result = await self._run("bare", [bare_step(c) for c in connections], connections)
        self.results["bare"] = summarise(result, "bare") | self._client(result)

    async def read(self, name: str = "read", connections_count: int = 0) -> dict[str, Any]:
        assert self.measured is not None
        connections = self._connections(self.measured.cookie, connections_count)
        steps = [read_step(c, self.measured.child_id) for c in connections]
        result = await self._run(name, steps, connections)
        self.results[name] = summarise(result, "read") | self._client(result)
        return self.results[name]

    async def worker_read(self) -> None:
        """The social worker reads, on each connection, a different child's shared profile.

        One session (cookie) on every connection; each read is a consent decision and
        an audit append in the same transaction (on SQLite: the write lock).
        """
        assert self.worker is not None
        children = [w.child_id for w in self.writers]  # one per connection
        connections = self._connections(self.worker.cookie)
        steps = [
            worker_read_step(c, children[i % len(children)]) for i, c in enumerate(connections)
        ]
        result = await self._run(
            "worker_read", steps, connections, audit_actor=self.seed["worker"]["user_id"]
        )
        summary = summarise(result, "worker_read")
        audit = dict(self.audit_written.get("worker_read", {}))
        ok = summary["statuses"].get("200", 0)
        audit["ok_responses"] = ok
        audit["every_read_audited"] = (
            audit.get("audited_reads") == ok and audit.get("events_written") == ok
        )
        summary["children"] = len({children[i % len(children)] for i in range(len(steps))})
        summary["audit"] = audit
        self.results["worker_read"] = summary | self._client(result)

    async def packet_view(self) -> None:
        """The provider opens, on each connection, a different child's packet.

        Every view asks the consent gate afresh, decrypts the sections still shared
        and appends an audit event (on SQLite: under the write lock).
        """
        assert self.provider is not None
        packets = self.seed["provider"]["packet_ids"]
        connections = self._connections(self.provider.cookie)
        steps = [packet_view_step(c, packets[i % len(packets)]) for i, c in enumerate(connections)]
        result = await self._run(
            "packet_view", steps, connections, audit_actor=self.seed["provider"]["user_id"]
        )
        summary = summarise(result, "packet_view")
        summary["audit"] = dict(self.audit_written.get("packet_view", {}))
        self.results["packet_view"] = summary | self._client(result)

    async def write(self) -> None:
        connections = [Connection(self.server.port, w.cookie) for w in self.writers]
        writers = [Writer(c, login) for c, login in zip(connections, self.writers, strict=True)]
        result = await self._run("write", [w.step for w in writers], connections)
        summary = summarise(result, "write", ok_statuses=frozenset({200, 409}))
        summary["conflicts_409"] = summary["statuses"].get("409", 0)
        saved = summary["statuses"].get("200", 0)
        summary["saved_per_second"] = round(saved / result.wall_seconds, 1)
        summary["rereads"] = summarise(result, "reread")
        self.results["write"] = summary | self._client(result)

    async def upload(self) -> None:
        """A 12 MP photo uploaded by the measured child, against Pillow alone (bench.upload)."""
        assert self.measured is not None
        await self._wait_quiet("upload")
        self.results["upload"] = await measure_upload(
            port=self.server.port,
            cookie=self.measured.cookie,
            csrf_token=self.measured.csrf_token,
            child_id=self.measured.child_id,
            master_pid=self.server.process.pid,
            rounds=UPLOAD_ROUNDS_QUICK if self.plan.quick else UPLOAD_ROUNDS,
        )

    async def page_weight(self) -> None:
        """What the child's phone downloads for ``/me``, gzipped (bench.page_weight)."""
        assert self.measured is not None
        self.results["page_weight"] = await measure_page_weight(
            port=self.server.port, cookie=self.measured.cookie
        )

    async def rotation(self) -> None:
        rotation: dict[str, Any] = {"children": self.plan.rotation_children}
        self.results["rotation"] = rotation
        out = self.instance.folder / "keys.json"
        await asyncio.to_thread(
            self.instance.python,
            "-m",
            "bench.seed",
            "keys",
            str(out),
            "--tenant",
            self.seed["authority_id"],
            "--count",
            str(self.plan.rotation_children),
        )
        rotation["key_creation"] = json.loads(out.read_text())
        rotation["read_without_rotation"] = await self.read("read_before_rotation")
        await self._wait_quiet("rotation_under_load")
        rotation["under_read_load"] = await self._rotate_under_load()
        rotation["alone"] = await _rotate(self.instance)

    async def _rotate_under_load(self) -> dict[str, Any]:
        """Rotate (again and again, up to one scenario duration) while the read scenario runs.

        One rotation of 10,000 keys may take about a second: too few reads for a
        p99. Rotations follow each other until the window lasts ``duration``
        (at most ``MAX_ROTATIONS_UNDER_LOAD``); the first one is the rotation figure.
        """
        assert self.measured is not None
        connections = self._connections(self.measured.cookie)
        steps = [read_step(c, self.measured.child_id) for c in connections]
        stop = asyncio.Event()
        recorder = Recorder()
        boots = self.server.worker_boots()
        rotations: list[dict[str, Any]] = []
        try:
            await run_closed_loop(steps, connections, duration=self.plan.warmup)
            load = asyncio.create_task(
                run_closed_loop(
                    steps,
                    connections,
                    duration=ROTATION_MAX_SECONDS + self.plan.duration + 30,
                    stop=stop,
                    recorder=recorder,
                    server_cpu=self.server.cpu_seconds,
                    database_cpu=self.database_cpu,
                )
            )
            await asyncio.sleep(ROTATION_LOAD_LEAD)
            window_start = window_end = time.perf_counter() - recorder.started_at
            while len(rotations) < MAX_ROTATIONS_UNDER_LOAD and not load.done():
                rotations.append(await _rotate(self.instance))
                window_end = time.perf_counter() - recorder.started_at
                if window_end - window_start >= self.plan.duration:
                    break
            await asyncio.sleep(ROTATION_LOAD_TAIL)
            stop.set()
            result = await load
        finally:
            stop.set()
            for connection in connections:
                connection.close()
        rotated = dict(rotations[0])
        rotated["rotations"] = len(rotations)
        rotated["all_reported_seconds"] = [r["reported_seconds"] for r in rotations]
        rotated["all_command_wall_seconds"] = [r["command_wall_seconds"] for r in rotations]
        during = summarise(result, "read", window=(window_start, window_end))
        rotated["read_during_rotation"] = during | self._client(result)
        rotated["read_whole_run"] = summarise(result, "read")
        rotated["worker_boots"] = self.server.worker_boots() - boots
        return rotated


_DONE = re.compile(r"done: (\d+) keys re-wrapped in ([0-9.]+) s")


async def _rotate(instance: Instance) -> dict[str, Any]:
    """Run ``flask --app allaboutme keys rotate`` and time it (wall, and as it reports itself)."""
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "flask",
        "--app",
        "allaboutme",
        "keys",
        "rotate",
        cwd=instance.code,
        env=instance.env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), ROTATION_MAX_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise RuntimeError(f"keys rotate took longer than {ROTATION_MAX_SECONDS:.0f} s") from None
    wall = time.perf_counter() - started
    text = stdout.decode(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"keys rotate failed:\n{text}\n{stderr.decode(errors='replace')}")
    found = _DONE.search(text)
    return {
        "command_wall_seconds": round(wall, 3),
        "rewrapped": int(found.group(1)) if found else None,
        "reported_seconds": float(found.group(2)) if found else None,
        "output": text.strip().splitlines()[-3:],
    }


async def measure(bench: Bench) -> None:
    await bench.log_in()
    await bench.bare()
    await bench.read()
    await bench.read("read_one_connection", connections_count=1)
    await bench.worker_read()  # before the write scenario adds history to these children
    await bench.packet_view()
    await bench.write()
    await bench.rotation()
    await bench.upload()  # last: the workers have served everything else first
    await bench.page_weight()


def run(plan: Plan) -> dict[str, Any]:
    started = datetime.now(UTC)
    document: dict[str, Any] = {
        "started_at": started.isoformat(timespec="seconds"),
        "machine": machine(plan.backend),
        "plan": {
            "quick": plan.quick,
            "connections": plan.connections,
            "duration_seconds": plan.duration,
            "warmup_seconds": plan.warmup,
            "rotation_children": plan.rotation_children,
            "gunicorn": {
                "workers": 2,
                "config": "gunicorn.conf.py",
                "worker_recycling": plan.recycle_workers,
            },
        },
    }
    try:
        _run_instance(plan, document)
    except Exception:  # noqa: BLE001 - reported in the document, and the exit status
        document["error"] = traceback.format_exc()
    document["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    document["targets"] = report.targets(document)
    return document


def _run_instance(plan: Plan, document: dict[str, Any]) -> None:
    instance = Instance.create(plan.backend)
    try:
        phase = time.perf_counter()
        instance.flask("db", "upgrade")
        seed_file = instance.folder / "seed.json"
        instance.python(
            "-m", "bench.seed", "data", str(seed_file), "--writers", str(plan.connections)
        )
        seed = json.loads(seed_file.read_text())
        document["setup_seconds"] = round(time.perf_counter() - phase, 2)
        packet_pdf = _packet_pdf(instance, plan)
        extra = () if plan.recycle_workers else ("--max-requests", "0")
        document["code_digest"] = instance.code_digest
        with gunicorn(
            instance.code,
            instance.env,
            instance.folder / "gunicorn.log",
            workers=2,
            extra_args=extra,
        ) as server:
            bench = Bench(plan, instance, server, seed)
            bench.results["packet_pdf"] = packet_pdf
            bench.results["matching"] = _matching(instance, plan)
            try:
                asyncio.run(measure(bench))
            finally:
                document["results"] = bench.results
                document["server_errors"] = server.error_lines()
    finally:
        instance.close()


def _packet_pdf(instance: Instance, plan: Plan) -> dict[str, Any]:
    """Packet PDF render times (``bench.packet_pdf``), before the server starts: in-process."""
    out = instance.folder / "packet_pdf.json"
    renders = "5" if plan.quick else "20"
    instance.python("-m", "bench.packet_pdf", "--renders", renders, "--out", str(out))
    return json.loads(out.read_text())


def _matching(instance: Instance, plan: Plan) -> dict[str, Any]:
    """Ranking 2,000 providers (``bench.matching``): pure CPU, in its own process."""
    out = instance.folder / "matching.json"
    runs = "10" if plan.quick else "50"
    instance.python("-m", "bench.matching", "--runs", runs, "--out", str(out))
    return json.loads(out.read_text())


def main(argv: list[str] | None = None) -> int:
    plan = parse_args(argv)
    document = run(plan)
    name = f"{plan.backend}{'-quick' if plan.quick else ''}"
    save_and_show(plan.out, name, document, report.table(document))
    return 1 if "error" in document else 0


if __name__ == "__main__":
    sys.exit(main())
