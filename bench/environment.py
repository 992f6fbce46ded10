"""A throwaway instance: temp folder, code snapshot, settings env, databases, the machine.

The code is copied into the temp folder first and every process of the run
(migrations, seeding, gunicorn and its restarted workers, key rotation) runs
from that copy, so edits made to the working tree during a run cannot change
what is measured half-way. Everything created here is removed by
:meth:`Instance.close` (temp folder and, for PostgreSQL, the two throwaway
databases), whatever happened in between.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
POSTGRES_SERVER_URL = os.environ.get(
    "ALLABOUTME_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SUBPROCESS_TIMEOUT = 600  # seconds; every child process we start is bounded
SNAPSHOT_IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "__pycache__",
    "*.pyc",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "node_modules",
    "test-artifacts",
    "instance",
    "results",
    "*.egg-info",
)


def postgres_answers(timeout: int = 2) -> bool:
    """Whether the PostgreSQL server the benchmarks use answers at all."""
    _check_local(POSTGRES_SERVER_URL)
    engine = create_engine(make_url(POSTGRES_SERVER_URL), connect_args={"connect_timeout": timeout})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False
    finally:
        engine.dispose()
    return True


def _check_local(url: str) -> None:
    host = make_url(url).host or "127.0.0.1"
    if host not in {"127.0.0.1", "localhost"}:
        raise SystemExit(f"benchmarks only talk to 127.0.0.1, not {host}")


@dataclass
class Instance:
    """One instance folder and its settings; databases are fresh and owned by us."""

    backend: str
    root: Path
    folder: Path  # the instance folder (ALLABOUTME_INSTANCE_PATH)
    code: Path  # the snapshot of the code every process runs from
    env: dict[str, str]
    code_digest: str = ""
    postgres_databases: list[str] = field(default_factory=list)

    @classmethod
    def create(cls, backend: str) -> Instance:
        root = Path(tempfile.mkdtemp(prefix="aam-bench-"))
        folder, code = root / "instance", root / "code"
        folder.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith("ALLABOUTME_")}
        env.update(
            {
                "ALLABOUTME_ENV": "development",
                "ALLABOUTME_INSTANCE_PATH": str(folder),
                "ALLABOUTME_RATELIMITS": "off",  # benchmarks only
                "ALLABOUTME_MFA": "off",
                "PYTHONUNBUFFERED": "1",
                "PYTHONDONTWRITEBYTECODE": "1",
                "PYTHONPATH": str(code),
            }
        )
        instance = cls(backend=backend, root=root, folder=folder, code=code, env=env)
        try:
            shutil.copytree(REPO, code, ignore=SNAPSHOT_IGNORE, symlinks=True)
            instance.code_digest = tree_digest(code)
            instance._check_snapshot_is_used()
            if backend == "postgresql":
                instance._create_postgres()
        except BaseException:
            instance.close()
            raise
        return instance

    def _check_snapshot_is_used(self) -> None:
        where = self.python("-c", "import allaboutme, bench; print(allaboutme.__file__)").strip()
        if not Path(where).resolve().is_relative_to(self.code.resolve()):
            raise RuntimeError(f"the code snapshot is not what runs: allaboutme from {where}")

    def _create_postgres(self) -> None:
        _check_local(POSTGRES_SERVER_URL)
        server = make_url(POSTGRES_SERVER_URL)
        suffix = uuid.uuid4().hex[:10]
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                for prefix, var in (
                    ("aam_bench", "ALLABOUTME_DATABASE_URL"),
                    ("aam_bench_ks", "ALLABOUTME_KEYSTORE_URL"),
                ):
                    name = f"{prefix}_{suffix}"
                    connection.execute(text(f'CREATE DATABASE "{name}"'))
                    self.postgres_databases.append(name)
                    url = server.set(database=name).render_as_string(hide_password=False)
                    self.env[var] = url
        finally:
            admin.dispose()

    @property
    def database_url(self) -> str:
        """The data database, as the app's settings name it (``allaboutme.config``)."""
        return self.env.get("ALLABOUTME_DATABASE_URL") or (
            f"sqlite:///{self.folder / 'allaboutme.sqlite3'}"
        )

    def flask(self, *args: str, timeout: float = SUBPROCESS_TIMEOUT) -> str:
        """Run ``flask --app allaboutme ARGS`` in this instance; return its stdout."""
        return self.python("-m", "flask", "--app", "allaboutme", *args, timeout=timeout)

    def python(self, *args: str, timeout: float = SUBPROCESS_TIMEOUT) -> str:
        completed = subprocess.run(
            [sys.executable, *args],
            cwd=self.code,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if completed.returncode != 0:
            raise RuntimeError(
                f"{' '.join(args)} failed ({completed.returncode}):\n"
                f"{completed.stdout[-2000:]}\n{completed.stderr[-4000:]}"
            )
        return completed.stdout

    def close(self) -> None:
        if self.postgres_databases:
            admin = create_engine(make_url(POSTGRES_SERVER_URL), isolation_level="AUTOCOMMIT")
            try:
                with admin.connect() as connection:
                    for name in self.postgres_databases:
                        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            finally:
                admin.dispose()
            self.postgres_databases.clear()
        shutil.rmtree(self.root, ignore_errors=True)


def tree_digest(folder: Path) -> str:
    """SHA-256 over the snapshot's file names and contents: the exact code measured."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _meminfo_kib(name: str) -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def machine(backend: str) -> dict[str, object]:
    """What the figures were measured on (so two reports can be compared fairly)."""
    total_kib = _meminfo_kib("MemTotal")
    available_kib = _meminfo_kib("MemAvailable")
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    return {
        "nproc": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": _cpu_model(),
        "memory_total_mib": None if total_kib is None else total_kib // 1024,
        "memory_available_mib": None if available_kib is None else available_kib // 1024,
        "load_average": list(os.getloadavg()),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "backend": backend,
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": bool(dirty) if dirty is not None else None,
    }


def read_cpu_times() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return 0.0, 0.0
    values = [float(v) for v in fields]
    idle = values[3] + (values[4] if len(values) > 4 else 0.0)
    return sum(values) - idle, sum(values)


def busy_cores(seconds: float) -> float:
    """How many cores the whole machine kept busy over the next ``seconds`` (blocking)."""
    busy_before, total_before = read_cpu_times()
    time.sleep(seconds)
    busy_after, total_after = read_cpu_times()
    total = total_after - total_before
    return (os.cpu_count() or 1) * (busy_after - busy_before) / total if total > 0 else 0.0
