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

NOISY_OTHER_CORES = 0.25  # above this, other work on the machine distorts the figures


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


def closing_lines(
    document: dict[str, Any], noisy: float, *, distorted: str = "absolute figures and ratios"
) -> list[str]:
    """The lines every report ends with: a noise warning, logged server errors, a failure.

    ``noisy`` is the most cores other processes used during the run; ``distorted``
    names what such noise makes untrustworthy in this report.
    """
    lines = []
    if noisy > NOISY_OTHER_CORES:
        lines += [
            "",
            f"WARNING: other processes used up to {noisy:.2f} cores during the run; "
            f"{distorted} are not trustworthy, run again on a quiet machine.",
        ]
    errors = (document.get("server_errors") or {}).get("counts")
    if errors:
        lines += ["", f"server errors logged: {errors}"]
    if document.get("error"):
        lines += ["", "RUN FAILED: " + document["error"].strip().splitlines()[-1]]
    return lines
