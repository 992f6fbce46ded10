"""Saving one harness run: a time-stamped JSON file, its table on stdout, the error last.

Every command under ``bench`` ends the same way, so a reader finds every run's
document under ``bench/results/`` named ``<UTC time>-<what>.json``.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def save_and_show(out: Path, name: str, document: dict[str, Any], table: str) -> Path:
    """Write ``document`` as ``<out>/<stamp>-<name>.json``; print ``table``, then any error."""
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out / f"{stamp}-{name}.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(table)
    print(f"\nreport: {path}")
    if "error" in document:
        print(document["error"], file=sys.stderr)
    return path
