"""``python -m bench.scale``: the same profile reads with 1,000 and with 100,000 children.

    python -m bench.scale [--backend auto|postgresql|sqlite] [--small 1000] [--large 100000]
                          [--connections 32] [--duration 10] [--rounds 3] [--wait-quiet S]

One throwaway instance (``bench.environment``; PostgreSQL when a server answers),
seeded by ``bench.seed`` (the measured child, one child per connection, their
social worker) and grown with ``bench.scale_seed`` to ``--small`` children,
served by one gunicorn (2 workers, as ``bench.run``). Measured: the bare
endpoint, the child's own profile read and the social worker's consented,
audited read (``bench.run.Bench``, 32 connections). Then, with the same server
still running, the database grows to ``--large`` children (timed) and the same
scenarios run again on the same number of connections, after fresh logins.
Each size runs ``--rounds`` rounds of the three scenarios; each figure is the
median of its rounds. The figure is large / small for each scenario, on
throughput, p99 and gunicorn CPU per request, with read / bare at each size.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text
from sqlalchemy import table as sql_table
from sqlalchemy.pool import NullPool

from bench import scale_report
from bench.environment import REPO, Instance, machine, postgres_answers
from bench.results import save_and_show
from bench.run import Bench
from bench.run import Plan as RunPlan
from bench.scenarios import log_in_all
from bench.server import gunicorn

SCENARIOS = ("bare", "read", "worker_read")
MEDIAN_FIGURES = (
    "requests_per_second",
    "median_ms",
    "p95_ms",
    "p99_ms",
    "server_cpu_ms_per_request",
    "database_server_cores_busy",
)
TABLES = ("children", "users", "profile_sections", "consent_grants", "audit_events")
GROW_TIMEOUT = 3 * 3600  # seconds; the growth is killed after this


def parse_args(argv: list[str] | None) -> tuple[argparse.Namespace, RunPlan]:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--backend", choices=("auto", "postgresql", "sqlite"), default="auto")
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per scenario")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per size (median kept)")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before each scenario wait up to SECONDS for the rest of the machine to go idle",
    )
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    args = parser.parse_args(argv)
    if not 100 <= args.small < args.large <= 1_000_000:
        parser.error("need 100 <= --small < --large <= 1,000,000")
    if not 1 <= args.connections <= 256 or not 1 <= args.rounds <= 20:
        parser.error("--connections must be 1..256 and --rounds 1..20")
    if not 1 <= args.duration <= 600 or not 0 <= args.wait_quiet <= 3600:
        parser.error("--duration must be 1..600 s and --wait-quiet 0..3600 s")
    if args.backend == "auto":
        args.backend = "postgresql" if postgres_answers() else "sqlite"
    plan = RunPlan(
        quick=False,
        backend=args.backend,
        connections=args.connections,
        duration=args.duration,
        warmup=2.0,
        rotation_children=1,
        recycle_workers=True,
        out=args.out,
        wait_quiet=args.wait_quiet,
    )
    return args, plan


def grow(instance: Instance, authority_id: str, children: int) -> dict[str, Any]:
    """``bench.scale_seed`` in its own process, timed from here too."""
    out = instance.folder / f"grow-{children}.json"
    started = time.perf_counter()
    instance.python(
        "-m",
        "bench.scale_seed",
        str(out),
        "--authority",
        authority_id,
        "--to",
        str(children),
        timeout=GROW_TIMEOUT,
    )
    figures = json.loads(out.read_text())
    figures["command_wall_seconds"] = round(time.perf_counter() - started, 1)
    return figures


def database_size(instance: Instance) -> dict[str, Any]:
    """Rows of the tables that grow, and the data and key store sizes on disk."""
    engine = create_engine(instance.database_url, poolclass=NullPool)
    sizes: dict[str, Any] = {}
    try:
        with engine.connect() as connection:
            for name in TABLES:
                rows = select(func.count()).select_from(sql_table(name))
                sizes[name] = connection.execute(rows).scalar()
            if engine.dialect.name == "postgresql":
                for database in instance.postgres_databases:
                    bytes_ = connection.execute(
                        text("SELECT pg_database_size(:name)"), {"name": database}
                    ).scalar()
                    kind = "keystore" if "_ks_" in database else "data"
                    sizes[f"{kind}_database_mib"] = round(bytes_ / 2**20, 1)
    finally:
        engine.dispose()
    if instance.backend == "sqlite":
        for path in instance.folder.glob("*.sqlite3"):
            sizes[f"{path.stem}_file_mib"] = round(path.stat().st_size / 2**20, 1)
    return sizes


async def measure_size(bench: Bench, rounds: int) -> dict[str, Any]:
    """Fresh logins, then ``rounds`` rounds of bare, read and worker read; the median round."""
    seed = bench.seed
    accounts = [seed["measured"], *seed["writers"], seed["worker"]]
    logins = await log_in_all(bench.server.port, accounts)
    bench.measured, bench.writers, bench.worker = logins[0], logins[1:-1], logins[-1]
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in SCENARIOS}
    for _ in range(rounds):
        await bench.bare()
        await bench.read()
        await bench.worker_read()
        for name in SCENARIOS:
            runs[name].append(bench.results.pop(name))
    return {name: _medians(figures) for name, figures in runs.items()} | {
        "worker_boots": bench.results.pop("worker_boots", {}),
        "other_cores_busy_before": bench.results.pop("other_cores_busy_before", {}),
        "rounds": runs,
    }


def _medians(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Each figure's median over the rounds (on its own: a busy moment spoils one round,
    not the comparison); errors are summed, the busiest round's ``other`` is kept."""
    figures: dict[str, Any] = {
        key: statistics.median(r[key] for r in rounds if r.get(key) is not None)
        for key in MEDIAN_FIGURES
    }
    figures["errors"] = sum(r.get("errors") or 0 for r in rounds)
    figures["other_cores_busy"] = max(r.get("other_cores_busy") or 0.0 for r in rounds)
    figures["rounds"] = len(rounds)
    return figures


def _measure_instance(args: argparse.Namespace, plan: RunPlan, document: dict[str, Any]) -> None:
    instance = Instance.create(plan.backend)
    try:
        instance.flask("db", "upgrade")
        seed_file = instance.folder / "seed.json"
        instance.python(
            "-m", "bench.seed", "data", str(seed_file), "--writers", str(args.connections)
        )
        seed = json.loads(seed_file.read_text())
        document["code_digest"] = instance.code_digest
        growth = document["growth"] = {
            str(args.small): grow(instance, seed["authority_id"], args.small)
        }
        sizes = document["sizes"] = {}
        with gunicorn(
            instance.code, instance.env, instance.folder / "gunicorn.log", workers=2
        ) as server:
            bench = Bench(plan, instance, server, seed)
            try:
                for children in (args.small, args.large):
                    if children == args.large:
                        growth[str(children)] = grow(instance, seed["authority_id"], children)
                    figures = asyncio.run(measure_size(bench, args.rounds))
                    sizes[str(children)] = figures | {"database": database_size(instance)}
            finally:
                document["server_errors"] = server.error_lines()
    finally:
        instance.close()


def main(argv: list[str] | None = None) -> int:
    args, plan = parse_args(argv)
    document: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(plan.backend),
        "plan": {
            "small": args.small,
            "large": args.large,
            "connections": args.connections,
            "duration_seconds": args.duration,
            "rounds": args.rounds,
            "wait_quiet_seconds": args.wait_quiet,
            "gunicorn": {"workers": 2, "config": "gunicorn.conf.py"},
        },
    }
    try:
        _measure_instance(args, plan, document)
        document["comparison"] = scale_report.compare(document)
    except Exception:  # noqa: BLE001 - reported in the document, and the exit status
        document["error"] = traceback.format_exc()
    document["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    save_and_show(args.out, f"scale-{plan.backend}", document, scale_report.table(document))
    return 1 if "error" in document else 0


if __name__ == "__main__":
    sys.exit(main())
