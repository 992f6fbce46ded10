"""A small closed-loop HTTP/1.1 load generator: asyncio, keep-alive, 127.0.0.1 only.

Each connection sends one request, reads the whole response, and sends the
next (closed loop: at most one request in flight per connection). Every request
is recorded with its start time, latency, status and kind. Loops are bounded by
a deadline and a request cap; every request has a timeout.

The generator also measures its own CPU time, so a report can show whether the
client (not the server) was the bottleneck.
"""

from __future__ import annotations

import asyncio
import time
from array import array
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.environment import read_cpu_times

HOST = "127.0.0.1"
REQUEST_TIMEOUT = 10.0
MAX_REQUESTS_PER_RUN = 2_000_000
MAX_RESPONSE_BYTES = 16 * 1024 * 1024
STATUS_ERROR = 0  # recorded status of a request that got no HTTP response


class HttpError(Exception):
    """The connection failed before a complete response arrived."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


class Connection:
    """One keep-alive connection; reopens itself when the server closed it."""

    def __init__(self, port: int, cookie: str | None = None) -> None:
        self.port = port
        self.cookie = cookie
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.reconnects = 0
        self.opened = 0

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        self.opened += 1

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
    ) -> Response:
        """Send and read one exchange; one retry on a fresh connection if a reused one died.

        A server may close an idle keep-alive connection at any time (gunicorn
        does when a worker restarts), so like any HTTP client we retry once on
        a new connection when nothing at all came back on a reused one.
        """
        reused = self.writer is not None
        try:
            return await self._exchange(method, path, headers, body)
        except (HttpError, OSError, asyncio.IncompleteReadError):
            self.close()
            if not reused:
                raise
        self.reconnects += 1
        return await self._exchange(method, path, headers, body)

    async def _exchange(
        self, method: str, path: str, headers: dict[str, str] | None, body: bytes
    ) -> Response:
        if self.writer is None:
            await self._open()
        assert self.reader is not None and self.writer is not None
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}"]
        if self.cookie:
            lines.append(f"Cookie: {self.cookie}")
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        if body or method in {"POST", "PUT", "PATCH"}:
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await self.writer.drain()
        response = await self._read_response()
        if response.headers.get("connection", "").lower() == "close":
            self.close()
        return response

    async def _read_response(self) -> Response:
        assert self.reader is not None
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            raise HttpError("connection closed before a response") from exc
        status_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
            raise HttpError(f"bad status line {status_line!r}")
        status = int(parts[1])
        headers: dict[str, str] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            key = name.strip().lower()
            value = value.strip()
            if key == "set-cookie" and key in headers:
                headers[key] += "\n" + value
            else:
                headers[key] = value
        if "content-length" in headers:
            length = int(headers["content-length"])
            if length > MAX_RESPONSE_BYTES:
                raise HttpError("response too large")
            body = await self.reader.readexactly(length)
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = await self._read_chunked()
        elif status in (204, 304) or 100 <= status < 200:
            body = b""
        else:
            body = await self.reader.read(MAX_RESPONSE_BYTES)
            headers["connection"] = "close"
        return Response(status, headers, body)

    async def _read_chunked(self) -> bytes:
        assert self.reader is not None
        chunks = []
        total = 0
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")  # no trailers expected
                return b"".join(chunks)
            total += size
            if total > MAX_RESPONSE_BYTES:
                raise HttpError("response too large")
            chunks.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)


@dataclass
class Recorder:
    """Every request of one run: start offset (s), latency (s), status, kind."""

    started_at: float = field(default_factory=time.perf_counter)
    starts: array = field(default_factory=lambda: array("d"))
    latencies: array = field(default_factory=lambda: array("d"))
    statuses: array = field(default_factory=lambda: array("H"))
    kinds: list[str] = field(default_factory=list)
    exceptions: Counter = field(default_factory=Counter)

    def __len__(self) -> int:
        return len(self.latencies)

    def add(self, kind: str, start: float, latency: float, status: int) -> None:
        self.starts.append(start - self.started_at)
        self.latencies.append(latency)
        self.statuses.append(status)
        self.kinds.append(kind)

    async def timed(
        self, kind: str, connection: Connection, method: str, path: str, **kwargs: Any
    ) -> Response | None:
        """One recorded request; None (recorded as status 0) when it failed outright."""
        start = time.perf_counter()
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                response = await connection.request(method, path, **kwargs)
        except (TimeoutError, HttpError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            connection.close()
            self.exceptions[type(exc).__name__] += 1
            self.add(kind, start, time.perf_counter() - start, STATUS_ERROR)
            return None
        self.add(kind, start, time.perf_counter() - start, response.status)
        return response


Step = Callable[[Recorder], Awaitable[None]]


@dataclass
class RunResult:
    recorder: Recorder
    wall_seconds: float
    client_cpu_seconds: float
    server_cpu_seconds: float | None
    database_cpu_seconds: float | None
    machine_busy_fraction: float
    reconnects: int
    connections_opened: int


async def run_closed_loop(
    steps: Sequence[Step],
    connections: Sequence[Connection],
    *,
    duration: float,
    stop: asyncio.Event | None = None,
    max_requests: int = MAX_REQUESTS_PER_RUN,
    recorder: Recorder | None = None,
    server_cpu: Callable[[], float] | None = None,
    database_cpu: Callable[[], dict[int, float]] | None = None,
) -> RunResult:
    """Run each step in a loop on its own connection until the deadline (or ``stop``)."""
    recorder = recorder or Recorder()
    deadline = time.perf_counter() + duration
    stopped = stop or asyncio.Event()
    reconnects_before = sum(c.reconnects for c in connections)
    opened_before = sum(c.opened for c in connections)

    async def loop(step: Step) -> None:
        while time.perf_counter() < deadline and not stopped.is_set():
            if len(recorder) >= max_requests:
                return
            await step(recorder)

    server_before = server_cpu() if server_cpu else None
    database_before = database_cpu() if database_cpu else None
    cpu_before = time.process_time()
    busy_before, total_before = read_cpu_times()
    recorder.started_at = time.perf_counter()
    await asyncio.gather(*(loop(step) for step in steps))
    wall = time.perf_counter() - recorder.started_at
    busy_after, total_after = read_cpu_times()
    client_cpu = time.process_time() - cpu_before
    server_after = server_cpu() if server_cpu else None
    database_after = database_cpu() if database_cpu else None
    total = total_after - total_before
    return RunResult(
        recorder=recorder,
        wall_seconds=wall,
        client_cpu_seconds=client_cpu,
        server_cpu_seconds=(
            None if server_before is None or server_after is None else server_after - server_before
        ),
        database_cpu_seconds=_per_process_delta(database_before, database_after),
        machine_busy_fraction=(busy_after - busy_before) / total if total > 0 else 0.0,
        reconnects=sum(c.reconnects for c in connections) - reconnects_before,
        connections_opened=sum(c.opened for c in connections) - opened_before,
    )


def _per_process_delta(
    before: dict[int, float] | None, after: dict[int, float] | None
) -> float | None:
    """CPU used between two per-process samples (processes that exited meanwhile are lost)."""
    if before is None or after is None:
        return None
    return sum(max(seconds - before.get(pid, 0.0), 0.0) for pid, seconds in after.items())


def percentile(sorted_values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return None
    rank = max(1, min(len(sorted_values), int(-(-fraction * len(sorted_values) // 1))))
    return sorted_values[rank - 1]


def summarise(
    result: RunResult,
    kind: str,
    *,
    ok_statuses: frozenset[int] = frozenset({200}),
    window: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """Throughput and latency of the requests of ``kind`` (optionally started within ``window``)."""
    rec = result.recorder
    chosen = [
        i
        for i in range(len(rec))
        if rec.kinds[i] == kind and (window is None or window[0] <= rec.starts[i] < window[1])
    ]
    latencies = sorted(rec.latencies[i] for i in chosen)
    statuses = Counter(rec.statuses[i] for i in chosen)
    seconds = (window[1] - window[0]) if window is not None else result.wall_seconds
    errors = sum(n for status, n in statuses.items() if status not in ok_statuses)

    def ms(value: float | None) -> float | None:
        return None if value is None else round(value * 1000, 2)

    return {
        "requests": len(chosen),
        "seconds": round(seconds, 3),
        "requests_per_second": round(len(chosen) / seconds, 1) if seconds > 0 else None,
        "median_ms": ms(percentile(latencies, 0.50)),
        "p95_ms": ms(percentile(latencies, 0.95)),
        "p99_ms": ms(percentile(latencies, 0.99)),
        "max_ms": ms(latencies[-1] if latencies else None),
        "mean_ms": ms(sum(latencies) / len(latencies) if latencies else None),
        "errors": errors,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }
