"""Photo upload: a 12-megapixel JPEG through the running server, against Pillow alone.

The file is a photo-like 4000x3000 JPEG (smooth colour and fine grain, about 3 MB,
with EXIF GPS as a phone writes it). Each round uploads it once as the measured
child (``POST /api/v1/children/<id>/media``, multipart, CSRF header, one keep-alive
connection, one request at a time) and, in this process, lets Pillow do what any
server must at least do with it: decode, resize to the stored 2048 px and encode a
JPEG (``Image.thumbnail`` with LANCZOS, quality 85). Rounds alternate the two, so a
busy moment of the machine falls on both. The ratio of the medians is the figure.

Memory is the peak resident memory (``VmHWM``, what ``ru_maxrss`` reports) of the
gunicorn worker that served the first upload, read from /proc before and after it:
the delta is how far one upload lifts the worker above what it had needed so far.
The worker has served the other scenarios first, so the delta is the upload's own
extra, not the app's start-up. The picture itself is decoded in the worker's image
pool process (``allaboutme.media.pool``), started by that first upload; its peak
after the upload is reported beside the worker's.
"""

from __future__ import annotations

import asyncio
import io
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

from PIL import Image, ImageFilter

from bench.loadgen import Connection, percentile

SIZE = (4000, 3000)  # 12 megapixels
STORED_SIDE = 2048  # what allaboutme.media.imaging keeps (output_max_side)
JPEG_QUALITY = 85  # and the quality it encodes with
GPS_IFD = 0x8825
TIMEOUT = 60.0


def twelve_megapixel_jpeg() -> bytes:
    """A photo-like 12 MP JPEG (about 3 MB) with GPS in its EXIF, made the same every run."""
    width, height = SIZE
    red = Image.radial_gradient("L").resize(SIZE)
    green = Image.linear_gradient("L").resize(SIZE).rotate(37)
    grain = Image.effect_noise((width, height), 48).filter(ImageFilter.GaussianBlur(0.5))
    exif = Image.Exif()
    exif[0x010F] = "PhoneCo"
    exif[GPS_IFD] = {1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)}
    out = io.BytesIO()
    Image.merge("RGB", (red, green, grain)).save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def pillow_alone(data: bytes) -> float:
    """Seconds Pillow takes to decode, resize to the stored size and encode ``data``."""
    started = time.perf_counter()
    with Image.open(io.BytesIO(data)) as image:
        image.thumbnail((STORED_SIDE, STORED_SIDE), Image.Resampling.LANCZOS)
        image.save(io.BytesIO(), "JPEG", quality=JPEG_QUALITY)
    return time.perf_counter() - started


def _multipart(data: bytes, section: str) -> tuple[str, bytes]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="section"\r\n\r\n{section}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="caption"\r\n\r\nBench photo\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    return boundary, head + data + f"\r\n--{boundary}--\r\n".encode()


async def _upload(connection: Connection, path: str, headers: dict[str, str], body: bytes) -> float:
    started = time.perf_counter()
    response = await asyncio.wait_for(
        connection.request("POST", path, headers=headers, body=body), TIMEOUT
    )
    if response.status != 201:
        raise RuntimeError(f"upload answered {response.status}: {response.body[:300]!r}")
    return time.perf_counter() - started


def worker_memory_kib(master_pid: int) -> dict[int, int]:
    """``VmHWM`` (peak resident set, KiB) of each gunicorn worker (the master left out)."""
    return _children_peaks({master_pid})


def pool_memory_kib(worker_pids: set[int]) -> dict[int, int]:
    """``VmHWM`` (KiB) of the image pool processes the workers started."""
    return _children_peaks(worker_pids, command=b"spawn_main")


def _children_peaks(parents: set[int], command: bytes = b"") -> dict[int, int]:
    peaks: dict[int, int] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
            stat = (status.parent / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (status.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if int(stat[2]) in parents and command in cmdline and "VmHWM" in fields:
            peaks[int(status.parent.name)] = int(fields["VmHWM"].split()[0])
    return peaks


def _figures(seconds: list[float]) -> dict[str, Any]:
    ordered = sorted(seconds)
    return {
        "runs": len(ordered),
        "median_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round((percentile(ordered, 0.95) or 0) * 1000, 1),
        "min_ms": round(ordered[0] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


async def measure_upload(
    *, port: int, cookie: str, csrf_token: str, child_id: str, master_pid: int, rounds: int
) -> dict[str, Any]:
    """Upload the photo ``rounds`` times (after one upload for memory) and time Pillow alone."""
    data = await asyncio.to_thread(twelve_megapixel_jpeg)
    boundary, body = _multipart(data, "likes")
    headers = {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Accept": "application/json",
        "X-CSRF-Token": csrf_token,
    }
    path = f"/api/v1/children/{child_id}/media"
    connection = Connection(port, cookie)
    try:
        before = worker_memory_kib(master_pid)
        first = await _upload(connection, path, headers, body)  # also the warm-up
        after = worker_memory_kib(master_pid)
        pools = pool_memory_kib(set(after))
        await asyncio.to_thread(pillow_alone, data)  # Pillow's warm-up
        server, pillow = [], []
        for _round in range(rounds):
            server.append(await _upload(connection, path, headers, body))
            pillow.append(await asyncio.to_thread(pillow_alone, data))
    finally:
        connection.close()
    return {
        "file_bytes": len(data),
        "megapixels": SIZE[0] * SIZE[1] / 1e6,
        "first_upload_ms": round(first * 1000, 1),
        "server": _figures(server),
        "pillow": _figures(pillow),
        "server_vs_pillow_median": round(statistics.median(server) / statistics.median(pillow), 3),
        "peak_memory": _peak_memory(before, after, pools),
    }


def _peak_memory(
    before: dict[int, int], after: dict[int, int], pools: dict[int, int]
) -> dict[str, Any]:
    """How far the first upload lifted the peak memory of the worker that served it."""
    grown = {pid: after[pid] - before[pid] for pid in after if pid in before}
    served_by = max(grown, key=lambda pid: grown[pid]) if grown else None
    figures: dict[str, Any] = {
        "method": "VmHWM (ru_maxrss) of the gunicorn worker that served the first upload, "
        "read from /proc before and after it"
    }
    if served_by is not None:
        figures["worker_peak_before_mib"] = round(before[served_by] / 1024, 1)
        figures["worker_peak_after_mib"] = round(after[served_by] / 1024, 1)
        figures["delta_mib"] = round(grown[served_by] / 1024, 1)
    if pools:
        figures["pool_process_peak_mib"] = round(max(pools.values()) / 1024, 1)
    return figures
