"""``python -m bench.crash``: writes under SIGKILL, key rotation under SIGKILL, then checks.

    python -m bench.crash [--backend sqlite|postgresql] [--writes 1000] [--seed N]

Builds a throwaway instance (``bench.environment``), migrates and seeds it,
serves it with gunicorn (``bench.server``) and sends ``--writes`` writes
(section saves with If-Match, consent grants, picture uploads) from one
connection per child while the whole gunicorn process group is killed with
SIGKILL at random moments and restarted (``bench.crash_load``). Then, with no
server running, it checks the databases (``bench.crash_verify``,
``bench.crash_integrity``), kills ``keys rotate`` and ``keys rotate --root``
at random moments and reruns them until they finish (``bench.crash_rotation``),
checks again, and runs ``flask audit verify``.

It writes ``<out>/<UTC timestamp>-crash-<backend>.json`` and prints a summary;
the exit status is 0 only when nothing acknowledged was lost, every record
opens, nothing is half-written, the engines find their files sound, the audit
chains verify and both rotations completed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.crash_integrity import check_database, keystore_url
from bench.crash_load import (
    KillPlan,
    Ledger,
    Writer,
    sample_pictures,
    serve_until_killed,
    wait_until_gone,
)
from bench.crash_probe import TransactionProbe
from bench.crash_report import summary, verdict
from bench.crash_rotation import RotationPlan, killed_and_resumed, leftover_key_files
from bench.environment import REPO, SUBPROCESS_TIMEOUT, Instance, machine
from bench.results import save_and_show
from bench.scenarios import log_in_all
from bench.server import gunicorn


@dataclass(frozen=True)
class Plan:
    backend: str
    writes: int
    connections: int
    seed: int
    kill_every: tuple[int, int]
    kill_jitter: float
    rotation_kills: int
    rotation_keys: int
    rotation_batch: int
    out: Path


def parse_args(argv: list[str] | None) -> Plan:
    parser = argparse.ArgumentParser(
        prog="python -m bench.crash", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--writes", type=int, default=1000, help="write requests to send (1000)")
    parser.add_argument("--connections", type=int, default=4, help="children written at once (4)")
    parser.add_argument("--seed", type=int, help="random seed (default: chosen and reported)")
    parser.add_argument(
        "--kill-every",
        type=int,
        nargs=2,
        default=(20, 80),
        metavar=("MIN", "MAX"),
        help="acknowledged writes between two kills, drawn uniformly (20 80)",
    )
    parser.add_argument("--kill-jitter", type=float, default=0.05, help="then up to S more (0.05)")
    parser.add_argument("--rotation-kills", type=int, default=6, help="kills per rotation form (6)")
    parser.add_argument("--rotation-keys", type=int, default=10_000, help="extra child keys")
    parser.add_argument("--rotation-batch", type=int, default=100, help="keys rotate --batch-size")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    args = parser.parse_args(argv)
    if not 1 <= args.writes <= 100_000:
        parser.error("--writes must be 1..100,000")
    if not 1 <= args.connections <= 32:
        parser.error("--connections must be 1..32")
    low, high = args.kill_every
    if not 1 <= low <= high:
        parser.error("--kill-every needs 1 <= MIN <= MAX")
    if not 0 <= args.rotation_kills <= 50 or not 0 <= args.rotation_keys <= 1_000_000:
        parser.error("--rotation-kills must be 0..50 and --rotation-keys 0..1,000,000")
    return Plan(
        backend=args.backend,
        writes=args.writes,
        connections=args.connections,
        seed=args.seed if args.seed is not None else random.SystemRandom().randrange(2**32),
        kill_every=(low, high),
        kill_jitter=args.kill_jitter,
        rotation_kills=args.rotation_kills,
        rotation_keys=args.rotation_keys,
        rotation_batch=args.rotation_batch,
        out=args.out,
    )


def _seed(instance: Instance, plan: Plan) -> dict[str, Any]:
    instance.flask("db", "upgrade")
    seed_file = instance.folder / "seed.json"
    writers = str(plan.connections - 1)
    instance.python("-m", "bench.seed", "data", str(seed_file), "--writers", writers)
    instance.flask("audit", "checkpoint")
    seeded = json.loads(seed_file.read_text())
    baseline_file = instance.folder / "baseline.json"
    instance.python("-m", "bench.crash_verify", "baseline", str(baseline_file))
    seeded["baseline"] = json.loads(baseline_file.read_text())
    return seeded


def write_under_kills(
    instance: Instance, plan: Plan, seed: dict[str, Any], rng: random.Random, ledger: Ledger
) -> dict[str, Any]:
    """Serve, write, kill, restart, until every write was sent; then stop the last server."""
    accounts = [seed["measured"], *seed["writers"]]
    pictures = sample_pictures(rng)
    kill_plan = KillPlan(plan.writes, *plan.kill_every, plan.kill_jitter)
    probe = TransactionProbe(instance.database_url)
    writers: list[Writer] = []
    starts: list[float] = []
    started = time.perf_counter()
    try:
        while ledger.sent < plan.writes:
            booting = time.perf_counter()
            with gunicorn(instance.code, instance.env, instance.folder / "gunicorn.log") as server:
                starts.append(round(time.perf_counter() - booting, 2))
                if not writers:
                    logins = asyncio.run(log_in_all(server.port, accounts))
                    writers = [Writer(x, random.Random(rng.random()), pictures) for x in logins]
                pgid = server.process.pid
                killed = asyncio.run(
                    serve_until_killed(pgid, server.port, writers, ledger, kill_plan, rng, probe)
                )
            if killed:
                wait_until_gone(pgid)
    finally:
        probe.close()
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "server_starts": len(starts),
        "server_start_seconds": {"median": sorted(starts)[len(starts) // 2], "max": max(starts)},
    }


def verify(instance: Instance, ledger: Ledger, seed: dict[str, Any], name: str) -> dict[str, Any]:
    """The in-instance checks (``bench.crash_verify``) and the engines' own integrity checks."""
    ledger_file = instance.folder / f"ledger-{name}.json"
    result_file = instance.folder / f"verify-{name}.json"
    writes = {"acknowledged": ledger.acknowledged_writes(), "baseline": seed["baseline"]}
    ledger_file.write_text(json.dumps(writes))
    started = time.perf_counter()
    instance.python("-m", "bench.crash_verify", "check", str(ledger_file), str(result_file))
    result = json.loads(result_file.read_text())
    result["seconds"] = round(time.perf_counter() - started, 2)
    result["integrity"] = {
        "data": check_database(instance.database_url),
        "keystore": check_database(keystore_url(instance)),
    }
    return result


def rotate_under_kills(instance: Instance, plan: Plan, seed: dict[str, Any], rng: Any) -> dict:
    """Extra child keys (so a rotation lasts long enough to be cut), then both forms killed."""
    started = time.perf_counter()
    keys_file = instance.folder / "keys.json"
    instance.python(
        "-m", "bench.seed", "keys", str(keys_file), "--tenant", seed["authority_id"],
        "--count", str(plan.rotation_keys),
    )  # fmt: skip
    rotation_plan = RotationPlan(plan.rotation_kills, plan.rotation_batch)
    authority = seed["authority_id"]
    tenant = killed_and_resumed(instance, authority, rng, rotation_plan, root=False)
    root = killed_and_resumed(instance, authority, rng, rotation_plan, root=True)
    return {
        "extra_child_keys": plan.rotation_keys,
        "authority": tenant,
        "root": root,
        "leftover_key_files": leftover_key_files(instance),
        "seconds": round(time.perf_counter() - started, 2),
    }


def audit_verify(instance: Instance) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "allaboutme", "audit", "verify"],
        cwd=instance.code,
        env=instance.env,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        check=False,
    )
    output = completed.stdout if completed.returncode == 0 else completed.stdout + completed.stderr
    lines = output.strip().splitlines()
    return {"exit_code": completed.returncode, "ok": completed.returncode == 0, "last": lines[-3:]}


def run(plan: Plan) -> dict[str, Any]:
    started = time.perf_counter()
    document: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(plan.backend),
        "plan": {
            "backend": plan.backend,
            "writes": plan.writes,
            "connections": plan.connections,
            "seed": plan.seed,
            "kill_every_acknowledged_writes": list(plan.kill_every),
            "kill_jitter_seconds": plan.kill_jitter,
            "rotation_kills_per_form": plan.rotation_kills,
            "rotation_extra_keys": plan.rotation_keys,
            "rotation_batch_size": plan.rotation_batch,
            "gunicorn": {"workers": 2, "config": "gunicorn.conf.py"},
        },
    }
    ledger = Ledger()
    try:
        _run_instance(plan, document, ledger)
    except Exception:  # noqa: BLE001 - reported in the document, and the exit status
        document["error"] = traceback.format_exc()
    document["writes"] = ledger.as_json() | document.get("writes", {})
    document["seconds"] = round(time.perf_counter() - started, 1)
    document["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    document["verdict"] = verdict(document)
    return document


def _run_instance(plan: Plan, document: dict[str, Any], ledger: Ledger) -> None:
    rng = random.Random(plan.seed)
    instance = Instance.create(plan.backend)
    try:
        document["code_digest"] = instance.code_digest
        phase = time.perf_counter()
        seed = _seed(instance, plan)
        document["setup_seconds"] = round(time.perf_counter() - phase, 2)
        document["writes"] = write_under_kills(instance, plan, seed, rng, ledger)
        document["after_writes"] = verify(instance, ledger, seed, "writes")
        document["rotation"] = rotate_under_kills(instance, plan, seed, rng)
        document["after_rotation"] = verify(instance, ledger, seed, "rotation")
        document["audit_verify"] = audit_verify(instance)
        document["server_errors"] = _server_errors(instance)
    finally:
        instance.close()


def _server_errors(instance: Instance) -> dict[str, int]:
    """Error lines the servers logged, by message (a SIGKILL leaves none; a crash would)."""
    counts: dict[str, int] = {}
    log = instance.folder / "gunicorn.log"
    for line in log.read_text(errors="replace").splitlines() if log.exists() else []:
        if '"level": "error"' in line or '"level": "critical"' in line or "Traceback" in line:
            try:
                key = json.loads(line).get("message", "?")
            except ValueError:
                key = line.strip()[:80]
            counts[key] = counts.get(key, 0) + 1
    return counts


def main(argv: list[str] | None = None) -> int:
    plan = parse_args(argv)
    document = run(plan)
    save_and_show(plan.out, f"crash-{plan.backend}", document, summary(document))
    return 0 if document["verdict"]["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
