"""gunicorn for the benchmark: the shipped ``gunicorn.conf.py``, 2 workers, a free port.

Started in its own process group and always stopped (SIGTERM, then SIGKILL of
that group only) when the ``with`` block ends, whatever happened inside it.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.environment import VENV_BIN

HOST = "127.0.0.1"
READY_TIMEOUT = 90.0
STOP_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    workers: int
    extra_args: tuple[str, ...]

    def worker_boots(self) -> int:
        """How many workers gunicorn has booted so far (restarts included)."""
        return self._log_count(b"Booting worker with pid")

    def workers_ready(self) -> int:
        """How many workers have loaded the app so far (``post_worker_init``; restarts too)."""
        return self._log_count(b"Worker ready (pid:")

    def _log_count(self, marker: bytes) -> int:
        try:
            with self.log_path.open("rb") as log:
                return sum(line.count(marker) for line in log)
        except OSError:
            return 0

    def cpu_seconds(self) -> float:
        """CPU time of gunicorn's process group so far, reaped (restarted) workers included."""
        return group_cpu_seconds(self.process.pid)

    def cpu_by_process(self) -> dict[int, float]:
        return group_cpu_by_process(self.process.pid)

    def error_lines(self, keep: int = 20) -> dict[str, Any]:
        """Error lines of the server log: counts per message, and the last few."""
        counts: Counter[str] = Counter()
        last: list[str] = []
        try:
            with self.log_path.open(errors="replace") as log:
                for line in log:
                    if not any(marker in line for marker in _ERROR_MARKERS):
                        continue
                    last = [*last[-(keep - 1) :], line.rstrip()]
                    try:
                        record = json.loads(line)
                        key = f"{record.get('message')} {record.get('error_class', '')}".strip()
                    except ValueError:
                        key = line.strip()[:120]
                    counts[key] += 1
        except OSError:
            pass
        return {"counts": dict(counts), "last": last}

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(text[-lines:])


_ERROR_MARKERS = ('"level": "error"', '"level": "critical"', "[ERROR]", "[CRITICAL]", "Traceback")
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def group_cpu_by_process(pgid: int) -> dict[int, float]:
    """utime+stime (and of reaped children) of each process in process group ``pgid``."""
    seconds: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # fields[0] is the state (field 3); pgrp is field 5; utime..cstime are 14..17
        if int(fields[2]) == pgid:
            seconds[int(stat.parent.name)] = sum(int(v) for v in fields[11:15]) / _CLOCK_TICKS
    return seconds


def group_cpu_seconds(pgid: int) -> float:
    return sum(group_cpu_by_process(pgid).values())


def backend_cpu_seconds(database_names: tuple[str, ...]) -> dict[int, float]:
    """CPU time of the PostgreSQL backends serving our throwaway databases (by process title).

    Per backend pid: one that exits between two samples (a restarted worker's
    pool) takes its time with it, so the difference can undercount, never go
    negative.
    """
    seconds: dict[int, float] = {}
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            title = cmdline.read_bytes()
            if not title.startswith(b"postgres:"):
                continue
            if not any(name.encode() in title for name in database_names):
                continue
            fields = (cmdline.parent / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        seconds[int(cmdline.parent.name)] = sum(int(v) for v in fields[11:13]) / _CLOCK_TICKS
    return seconds


def _ready(port: int) -> bool:
    connection = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        connection.request("GET", "/readyz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


@contextmanager
def gunicorn(
    code: Path,
    env: dict[str, str],
    log_path: Path,
    *,
    workers: int = 2,
    extra_args: tuple[str, ...] = (),
) -> Iterator[Server]:
    """gunicorn serving the code in ``code`` (the run's snapshot) with ``env``."""
    port = free_port()
    server_env = dict(env, ALLABOUTME_BIND=f"{HOST}:{port}", ALLABOUTME_WORKERS=str(workers))
    command = [str(VENV_BIN / "gunicorn"), "-c", "gunicorn.conf.py", *extra_args, "wsgi:app"]
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            cwd=code,
            env=server_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, port, log_path, workers, extra_args)
    try:
        _wait_ready(server)
        yield server
    finally:
        _stop(process)


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited early:\n{server.log_tail()}")
        # Every worker must have loaded the app: a worker still importing it accepts
        # no connections, and the keep-alive connections opened meanwhile would all
        # stay with the other one for the whole scenario.
        if _ready(server.port) and server.workers_ready() >= server.workers:
            return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn not ready after {READY_TIMEOUT:.0f} s:\n{server.log_tail()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # our own process group, started above
        process.wait(timeout=10)
    except ProcessLookupError:
        pass
