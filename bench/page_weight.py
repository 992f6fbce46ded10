"""The child's first page load: what a phone downloads to show ``/me``, gzipped.

As the measured child (logged in), ``GET /me``, then every stylesheet and script the
page names (``<link rel="stylesheet">``, ``<script src>``). Each body is compressed
with gzip at level 6, as a web server in front of the app would send it, and the
sizes are added up. KB are 1,000 bytes. Pictures, icons and the manifest are not
counted: the figure is HTML + CSS + JS, the part that blocks the first paint.
"""

from __future__ import annotations

import asyncio
import gzip
from html.parser import HTMLParser
from typing import Any

from bench.loadgen import Connection

PAGE = "/me"
GZIP_LEVEL = 6
TIMEOUT = 30.0


class _Assets(HTMLParser):
    """The same-origin stylesheets and scripts a page names, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "link" and "stylesheet" in (named.get("rel") or "").split():
            self._add(named.get("href"))
        elif tag == "script":
            self._add(named.get("src"))

    def _add(self, path: str | None) -> None:
        if path and path.startswith("/") and not path.startswith("//") and path not in self.paths:
            self.paths.append(path)


async def _get(connection: Connection, path: str) -> bytes:
    response = await asyncio.wait_for(connection.request("GET", path), TIMEOUT)
    if response.status != 200:
        raise RuntimeError(f"GET {path} answered {response.status}")
    return response.body


def _entry(path: str, body: bytes) -> dict[str, Any]:
    return {
        "path": path,
        "bytes": len(body),
        "gzip_bytes": len(gzip.compress(body, compresslevel=GZIP_LEVEL)),
    }


async def measure_page_weight(*, port: int, cookie: str) -> dict[str, Any]:
    """The page and its CSS and JS: raw and gzipped bytes each, and the gzipped total."""
    connection = Connection(port, cookie)
    try:
        html = await _get(connection, PAGE)
        if b"section-cards" not in html:
            raise RuntimeError(f"GET {PAGE} did not show the child's home page")
        finder = _Assets()
        finder.feed(html.decode("utf-8", "replace"))
        files = [_entry(PAGE, html)]
        for path in finder.paths:
            files.append(_entry(path, await _get(connection, path)))
    finally:
        connection.close()
    total = sum(entry["gzip_bytes"] for entry in files)
    return {
        "page": PAGE,
        "gzip_level": GZIP_LEVEL,
        "files": files,
        "total_bytes": sum(entry["bytes"] for entry in files),
        "total_gzip_bytes": total,
        "total_gzip_kb": round(total / 1000, 1),
    }
