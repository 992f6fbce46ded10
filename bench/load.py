"""``python -m bench.load``: the load profile, per route, then with 20 parallel photo uploads.

    python -m bench.load [--backend auto|postgresql|sqlite] [--duration 60] [--users 40]
    python -m bench.load --base-url http://localhost:8000 --seed instance/load-seed.json

Without ``--base-url`` it builds a throwaway instance in the production shape
(``ALLABOUTME_ENV=production`` with secrets made by ``allaboutme.provision``, MFA
on, PostgreSQL data and a separate key store database when a server answers,
gunicorn with as many workers as ``make serve`` starts), seeds it with
``bench.load_seed`` and serves it like ``bench.run`` does. With ``--base-url``
it drives an instance that is already serving (``make serve``), logging in with
the accounts of a ``bench.load_seed`` file made in that instance's environment.

Virtual users (``bench.load_mix``): 70% children on phones, 25% social workers,
5% providers and administrators, each with a think time. Two measured phases
follow a warm-up: the mix alone, then the mix while ``--uploads`` connections
each upload a 12-megapixel JPEG again and again. Per route: count, errors,
median, p95, p99; the error rate; the difference between the phases. Writes
``<out>/<UTC time>-load-<backend>.json`` and prints a table (``bench.load_report``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench import load_report
from bench.environment import REPO, Instance, busy_cores, machine, postgres_answers
from bench.load_logins import World, log_in_world
from bench.load_mix import ROUTES, UPLOAD_KINDS, PhotoUploads, split_users
from bench.loadgen import RunResult, run_closed_loop, summarise
from bench.results import save_and_show
from bench.server import backend_cpu_seconds, gunicorn

# A Redis database of its own: `make serve` counts its logins in 0, the tests in 15.
REDIS_URL = os.environ.get("ALLABOUTME_LOAD_REDIS_URL", "redis://127.0.0.1:6379/14")
QUIET_CORES = 0.25
OK_STATUSES = frozenset({200, 201})
LOOPBACK = {"127.0.0.1", "localhost"}


@dataclass(frozen=True)
class Plan:
    """What one run does (see ``--help``)."""

    base_url: str | None
    seed_file: Path | None
    backend: str
    users: int
    think: float
    duration: float
    warmup: float
    uploads: int
    workers: int
    rate_limits: bool
    wait_quiet: float
    out: Path

    @property
    def port(self) -> int | None:
        return urlsplit(self.base_url).port if self.base_url else None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--base-url", help="drive a serving instance (http://localhost:PORT)")
    parser.add_argument("--seed", type=Path, help="with --base-url: the bench.load_seed file")
    parser.add_argument("--backend", choices=("auto", "postgresql", "sqlite"), default="auto")
    parser.add_argument("--users", type=int, default=40, help="virtual users (default 40)")
    parser.add_argument("--think", type=float, default=0.5, help="mean think time, s (0.5)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per phase (60)")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds, discarded (10)")
    parser.add_argument("--uploads", type=int, default=20, help="parallel 12 MP uploads (20)")
    parser.add_argument(
        "--workers", type=int, default=max(2, os.cpu_count() or 1), help="gunicorn workers"
    )
    parser.add_argument(
        "--rate-limits",
        action="store_true",
        help="keep the per-address login limits on (in Redis); logins then wait when throttled",
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help=f"before each phase wait up to SECONDS for the machine to use <= {QUIET_CORES} cores",
    )
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    return parser


def parse_args(argv: list[str] | None) -> Plan:
    """The plan from the command line; refuses anything but a loopback ``--base-url``."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.base_url:
        parts = urlsplit(args.base_url)
        if parts.scheme != "http" or parts.hostname not in LOOPBACK or not parts.port:
            parser.error("--base-url must be http://localhost:PORT or http://127.0.0.1:PORT")
        if args.seed is None:
            parser.error("--base-url needs --seed (see bench/README.md, 'make load')")
    if not 3 <= args.users <= 500 or not 0 <= args.uploads <= 100:
        parser.error("--users must be 3..500 and --uploads 0..100")
    if not 5 <= args.duration <= 3600 or not 0 <= args.warmup <= 600:
        parser.error("--duration must be 5..3600 s and --warmup 0..600 s")
    if not 0 <= args.think <= 60 or not 1 <= args.workers <= 32:
        parser.error("--think must be 0..60 s and --workers 1..32")
    if not 0 <= args.wait_quiet <= 3600:
        parser.error("--wait-quiet must be 0..3600 s")
    backend = args.backend
    if args.base_url:
        backend = "external"
    elif backend == "auto":
        backend = "postgresql" if postgres_answers() else "sqlite"
    return Plan(
        base_url=args.base_url,
        seed_file=args.seed,
        backend=backend,
        users=args.users,
        think=args.think,
        duration=args.duration,
        warmup=args.warmup,
        uploads=args.uploads,
        workers=args.workers,
        rate_limits=args.rate_limits,
        wait_quiet=args.wait_quiet,
        out=args.out,
    )


@dataclass
class Target:
    """Where the load goes, and (for our own server) how to read its CPU time."""

    port: int
    server_cpu: Any = None
    database_cpu: Any = None


def production_shape(instance: Instance, plan: Plan) -> None:
    """Turn the throwaway instance's settings into production's, with secrets made for it.

    Rate limits stay off unless asked for: every virtual user logs in from one
    address, so the per-address login limit would ration the logins; it limits
    nothing but logins, which are not measured.
    """
    keys = instance.folder / "keys"
    instance.python("-m", "allaboutme.provision", str(keys))
    for line in (keys / "secrets.env").read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            instance.env[name.strip()] = value.strip()
    folder = instance.folder
    instance.env.setdefault("ALLABOUTME_DATABASE_URL", f"sqlite:///{folder / 'allaboutme.sqlite3'}")
    instance.env.setdefault("ALLABOUTME_KEYSTORE_URL", f"sqlite:///{folder / 'keystore.sqlite3'}")
    instance.env.update(
        {
            "ALLABOUTME_ENV": "production",
            "ALLABOUTME_MFA": "on",
            "ALLABOUTME_RATELIMIT_STORAGE_URL": REDIS_URL,
            "ALLABOUTME_RATELIMITS": "on" if plan.rate_limits else "off",
        }
    )


def _cpu(result: RunResult) -> dict[str, Any]:
    """Cores kept busy during a phase: load generator, gunicorn, PostgreSQL, everything else."""
    wall = result.wall_seconds
    machine_cores = (os.cpu_count() or 1) * result.machine_busy_fraction
    client = result.client_cpu_seconds / wall
    server = None if result.server_cpu_seconds is None else result.server_cpu_seconds / wall
    database = None if result.database_cpu_seconds is None else result.database_cpu_seconds / wall
    other = None if server is None else max(machine_cores - client - server - (database or 0), 0)

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 3)

    return {
        "machine_cores_busy": rounded(machine_cores),
        "client_cores_busy": rounded(client),
        "server_cores_busy": rounded(server),
        "database_cores_busy": rounded(database),
        "other_cores_busy": rounded(other),
        "wall_seconds": round(wall, 2),
        "reconnects": result.reconnects,
        "exceptions": dict(result.recorder.exceptions),
    }


def phase_figures(result: RunResult, duration: float) -> dict[str, Any]:
    """Per route (requests started inside the phase), the mix's error rate, and CPU."""
    window = (0.0, duration)
    kinds = set(result.recorder.kinds)
    routes = {
        kind: summarise(result, kind, ok_statuses=OK_STATUSES, window=window)
        for kind in ROUTES
        if kind in kinds
    }
    mix = [figures for kind, figures in routes.items() if kind not in UPLOAD_KINDS]
    requests = sum(figures["requests"] for figures in mix)
    errors = sum(figures["errors"] for figures in mix)
    return {
        "routes": routes,
        "mix_requests": requests,
        "mix_requests_per_second": round(requests / duration, 1),
        "mix_errors": errors,
        "mix_error_rate": round(errors / requests, 5) if requests else None,
        "cpu": _cpu(result),
    }


async def _wait_quiet(seconds: float) -> float:
    """Up to ``seconds`` for the rest of the machine to go (nearly) idle; the last sample."""
    deadline = time.monotonic() + seconds
    while True:
        busy = await asyncio.to_thread(busy_cores, 1.0)
        if busy <= QUIET_CORES or time.monotonic() >= deadline:
            return round(busy, 3)


async def measure(plan: Plan, seed: dict[str, Any], target: Target) -> dict[str, Any]:
    """Log everyone in, warm up, then the two measured phases on the same connections."""
    children, workers, others = split_users(plan.users)
    started = time.perf_counter()
    world: World = await log_in_world(target.port, seed, plan.think)
    results: dict[str, Any] = {"login_seconds": round(time.perf_counter() - started, 1)}
    users = world.virtual_users(children, workers, others)
    uploaders = world.uploaders(plan.uploads)
    upload_steps = []
    if uploaders:
        uploads = PhotoUploads()
        upload_steps = [uploads.step(connection, login) for connection, login in uploaders]
        results["upload_file_bytes"] = len(uploads.photo)
    results["virtual_users"] = {"children": children, "social_workers": workers, "others": others}
    connections = [user.connection for user in users]
    steps = [user.step for user in users]
    cpu = {"server_cpu": target.server_cpu, "database_cpu": target.database_cpu}
    quiet = results["other_cores_busy_before"] = {}
    try:
        if plan.warmup:
            await run_closed_loop(steps, connections, duration=plan.warmup)
        quiet["mix"] = await _wait_quiet(plan.wait_quiet)
        alone = await run_closed_loop(steps, connections, duration=plan.duration, **cpu)
        results["mix"] = phase_figures(alone, plan.duration)
        if uploaders:
            quiet["mix_with_uploads"] = await _wait_quiet(plan.wait_quiet)
            during = await run_closed_loop(
                steps + upload_steps,
                connections + [connection for connection, _ in uploaders],
                duration=plan.duration,
                **cpu,
            )
            results["mix_with_uploads"] = phase_figures(during, plan.duration)
            results["difference"] = load_report.difference(
                results["mix"], results["mix_with_uploads"]
            )
    finally:
        for connection in connections + [connection for connection, _ in uploaders]:
            connection.close()
    return results


def _serve_own_instance(plan: Plan, document: dict[str, Any]) -> None:
    instance = Instance.create(plan.backend)
    try:
        production_shape(instance, plan)
        phase = time.perf_counter()
        instance.flask("db", "upgrade")
        seed_file = instance.folder / "load-seed.json"
        children = split_users(plan.users)[0]
        instance.python("-m", "bench.load_seed", str(seed_file), "--children", str(children))
        seed = json.loads(seed_file.read_text())
        document["setup_seconds"] = round(time.perf_counter() - phase, 1)
        document["code_digest"] = instance.code_digest
        document["seed"] = load_report.seed_summary(seed)
        names = tuple(instance.postgres_databases)
        log = instance.folder / "gunicorn.log"
        with gunicorn(instance.code, instance.env, log, workers=plan.workers) as server:
            target = Target(
                port=server.port,
                server_cpu=server.cpu_seconds,
                database_cpu=(lambda: backend_cpu_seconds(names)) if names else None,
            )
            try:
                document["results"] = asyncio.run(measure(plan, seed, target))
            finally:
                document["server_errors"] = server.error_lines()
    finally:
        instance.close()


def run(plan: Plan) -> dict[str, Any]:
    """The whole run as one JSON document; a failure is recorded in it, not raised."""
    document: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(plan.backend),
        "plan": {
            "base_url": plan.base_url,
            "users": plan.users,
            "mean_think_seconds": plan.think,
            "phase_seconds": plan.duration,
            "warmup_seconds": plan.warmup,
            "parallel_uploads": plan.uploads,
            "gunicorn_workers": None if plan.base_url else plan.workers,
            "settings": None
            if plan.base_url
            else "production, MFA on, rate limits " + ("on" if plan.rate_limits else "off"),
        },
    }
    try:
        if plan.base_url:
            assert plan.seed_file is not None and plan.port is not None
            seed = json.loads(plan.seed_file.read_text())
            document["seed"] = load_report.seed_summary(seed)
            document["results"] = asyncio.run(measure(plan, seed, Target(port=plan.port)))
        else:
            _serve_own_instance(plan, document)
    except Exception:  # noqa: BLE001 - reported in the document, and the exit status
        document["error"] = traceback.format_exc()
    document["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return document


def main(argv: list[str] | None = None) -> int:
    plan = parse_args(argv)
    document = run(plan)
    save_and_show(plan.out, f"load-{plan.backend}", document, load_report.table(document))
    return 1 if "error" in document else 0


if __name__ == "__main__":
    sys.exit(main())
