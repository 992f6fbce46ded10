"""The hash chain, pure: how an entry's hash is made and how a chain is checked.

Each entry's hash covers its own canonical fields and the previous entry's
hash, so editing, deleting, inserting or reordering any entry breaks every
hash after it. A signed checkpoint pins (sequence, hash) so cutting entries off
the end is caught too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
FORMAT = "aam-audit-v1"


def canonical(fields: Mapping[str, Any]) -> bytes:
    """Stable bytes for a set of fields: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        {"format": FORMAT, **fields},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    ).encode()


def entry_hash(previous_hash: str, fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(previous_hash.encode() + b"\n" + canonical(fields)).hexdigest()


def checkpoint_message(chain: str, sequence: int, head_hash: str) -> bytes:
    """What a checkpoint signs."""
    return f"{FORMAT}|{chain}|{sequence}|{head_hash}".encode()


@dataclass(frozen=True)
class Entry:
    sequence: int
    previous_hash: str
    hash: str
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class Checkpoint:
    sequence: int
    hash: str


@dataclass(frozen=True)
class Verdict:
    is_intact: bool
    first_bad_sequence: int | None = None
    problem: str = ""


def verify_chain(entries: Iterable[Entry], checkpoints: Iterable[Checkpoint] = ()) -> Verdict:
    """Check one chain in sequence order; name the first entry that is wrong."""
    expected_sequence, previous = 1, GENESIS
    seen: dict[int, str] = {}
    for entry in entries:
        if entry.sequence != expected_sequence:
            kind = "missing" if entry.sequence > expected_sequence else "out of order or duplicated"
            return Verdict(False, expected_sequence, f"entry {expected_sequence} is {kind}")
        if entry.previous_hash != previous:
            return Verdict(False, entry.sequence, "does not follow the entry before it")
        if entry_hash(previous, entry.fields) != entry.hash:
            return Verdict(False, entry.sequence, "its contents were changed")
        seen[entry.sequence] = entry.hash
        previous, expected_sequence = entry.hash, expected_sequence + 1
    return _check_against_checkpoints(seen, checkpoints)


def _check_against_checkpoints(seen: dict[int, str], checkpoints: Iterable[Checkpoint]) -> Verdict:
    for checkpoint in sorted(checkpoints, key=lambda c: c.sequence):
        found = seen.get(checkpoint.sequence)
        if found is None:
            first_missing = max(seen, default=0) + 1
            return Verdict(False, first_missing, "entries after it were cut off (truncated)")
        if found != checkpoint.hash:
            return Verdict(False, checkpoint.sequence, "differs from the signed checkpoint")
    return Verdict(True)
