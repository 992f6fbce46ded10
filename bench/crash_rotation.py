"""``keys rotate`` killed with SIGKILL at random points, then run again until it finishes.

The rotation works in short batches, one transaction each, and keeps old key
versions until nothing points at them, so a run killed anywhere is finished by
running the same command again (README, "Command line"). Here that is done for
real: the command runs in its own process against the instance's databases and
is killed at a random point of its work. A point is a fraction *f*, drawn
uniformly in [0, 1): the harness watches the key store and kills the process
once the run is re-wrapping the authority's keys and *f* of them are under the
new authority key version. For ``--root``, the first kill lands right after the
new root key version was written to the root key file, before any key was
re-wrapped under it. Start-up takes most of
a run's wall time on a busy machine, so a point in time would mostly kill an
import; a point in the work does not depend on how fast the machine is.

After each kill, ``keys status`` says whether the kill left a rotation half
done; then the command is run again until ``keys status`` shows nothing
unfinished. The caller then checks that every key unwraps and every record opens.

Both forms are exercised: ``keys rotate`` (new authority key versions) and
``keys rotate --root`` (a new root key version first, then everything below).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, func, select

from allaboutme.crypto.schema import subject_keys, tenant_keys
from bench.crash_integrity import keystore_url
from bench.environment import Instance

COMMAND_TIMEOUT = 300.0
POLL_SECONDS = 0.005
MAX_RERUNS = 5
UNFINISHED = "rotation unfinished"
ROOT_KEY_ADDED = "new root key version written"


@dataclass(frozen=True)
class RotationPlan:
    kills: int  # per form of the command
    batch_size: int


@dataclass(frozen=True)
class KeyProgress:
    """Where a tenant's rotation stands: key versions, and live keys under the current one."""

    root_version: int
    tenant_versions: tuple[int, ...]
    current_version: int
    moved: int
    live: int

    @property
    def fraction(self) -> float:
        return self.moved / self.live if self.live else 1.0


class KeyWatcher:
    """Reads a tenant's rotation progress from the key store and the root key file."""

    def __init__(self, instance: Instance, tenant_id: str) -> None:
        self.engine: Engine = create_engine(keystore_url(instance))
        self.root_file = instance.folder / "root-keys.json"
        self.tenant_id = tenant_id

    def close(self) -> None:
        self.engine.dispose()

    def progress(self) -> KeyProgress:
        t, s = tenant_keys.c, subject_keys.c
        with self.engine.connect() as connection:
            versions = connection.execute(
                select(t.version, t.is_current).where(t.tenant_id == self.tenant_id)
            ).all()
            current = next(v for v, is_current in versions if is_current)
            live = s.tenant_id == self.tenant_id, s.destroyed_at.is_(None)
            counts = dict(
                connection.execute(
                    select(s.tenant_key_version, func.count())
                    .where(*live)
                    .group_by(s.tenant_key_version)
                ).all()
            )
        return KeyProgress(
            root_version=_root_version(self.root_file),
            tenant_versions=tuple(sorted(v for v, _ in versions)),
            current_version=current,
            moved=counts.get(current, 0),
            live=sum(counts.values()),
        )


def _root_version(path: Path) -> int:
    try:
        return int(json.loads(path.read_text())["current"])
    except (OSError, ValueError, KeyError):
        return -1  # caught mid-replace: the file is swapped atomically, so read it again later


def _command(root: bool, batch_size: int) -> list[str]:
    args = ["keys", "rotate", "--batch-size", str(batch_size), *(["--root"] if root else [])]
    return [sys.executable, "-m", "flask", "--app", "allaboutme", *args]


def _start(instance: Instance, command: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command,
        cwd=instance.code,
        env=instance.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _run_to_the_end(instance: Instance, command: list[str]) -> dict[str, Any]:
    started = time.perf_counter()
    process = _start(instance, command)
    try:
        stdout, _ = process.communicate(timeout=COMMAND_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise RuntimeError(f"keys rotate took longer than {COMMAND_TIMEOUT:.0f} s") from None
    return {
        "outcome": "finished" if process.returncode == 0 else f"failed ({process.returncode})",
        "seconds": round(time.perf_counter() - started, 3),
        "output": stdout.decode(errors="replace").strip().splitlines()[-2:],
    }


def _due(before: KeyProgress, now: KeyProgress, point: float | str) -> bool:
    """Whether this run has reached ``point`` of its work (see the module's docstring)."""
    if now.root_version == -1:
        return False
    if point == ROOT_KEY_ADDED:
        return now.root_version != before.root_version
    is_rotating = len(now.tenant_versions) > 1 and now != before
    return is_rotating and now.fraction >= float(point)


def _kill_at(
    instance: Instance, command: list[str], watcher: KeyWatcher, point: float | str
) -> dict[str, Any]:
    """Run the command and SIGKILL it once it has reached ``point`` of its work."""
    before = watcher.progress()
    process = _start(instance, command)
    deadline = time.monotonic() + COMMAND_TIMEOUT
    try:
        while process.poll() is None and time.monotonic() < deadline:
            now = watcher.progress()
            if _due(before, now, point):
                process.kill()  # SIGKILL: no cleanup, no atexit, no finally
                process.wait()
                return {"point": point, "outcome": "killed", "moved_at_kill": now.fraction}
            time.sleep(POLL_SECONDS)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"keys rotate failed ({process.returncode}) before the kill")
    return {"point": point, "outcome": "finished first", "moved_at_kill": None}


def key_status(instance: Instance) -> bool:
    """Whether ``keys status`` says a rotation is unfinished (as an operator reads it)."""
    return UNFINISHED in instance.flask("keys", "status")


def killed_and_resumed(
    instance: Instance, tenant_id: str, rng: random.Random, plan: RotationPlan, *, root: bool
) -> dict[str, Any]:
    """Kill ``plan.kills`` runs at random points of their work; rerun until finished."""
    command = _command(root, plan.batch_size)
    watcher = KeyWatcher(instance, tenant_id)
    try:
        kills = []
        points: list[float | str] = [round(rng.random(), 3) for _ in range(plan.kills)]
        if root and points:
            points[0] = ROOT_KEY_ADDED  # between the root key file and the key store
        for point in points:
            killed = _kill_at(instance, command, watcher, point)
            kills.append(killed | {"left_unfinished": key_status(instance)})
        reruns = []
        unfinished = key_status(instance)
        while (unfinished or not reruns) and len(reruns) < MAX_RERUNS:
            run = _run_to_the_end(instance, command)
            unfinished = key_status(instance)
            reruns.append(run | {"left_unfinished": unfinished})
            if run["outcome"] != "finished":
                break
        final = watcher.progress()
    finally:
        watcher.close()
    return {
        "command": " ".join(command[2:]),
        "kills": kills,
        "killed": sum(k["outcome"] == "killed" for k in kills),
        "killed_mid_rotation": sum(k["left_unfinished"] for k in kills),
        "reruns": reruns,
        "completed": not unfinished and reruns[-1]["outcome"] == "finished",
        "root_version": final.root_version,
        "tenant_key_versions": list(final.tenant_versions),
    }


def leftover_key_files(instance: Instance) -> list[str]:
    """Temporary root key files a killed ``--root`` run may have left behind."""
    return sorted(p.name for p in instance.folder.glob(".*.tmp"))
