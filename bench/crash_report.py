"""The crash harness's verdict (the figures the issue asks for) and its printed summary."""

from __future__ import annotations

from typing import Any

# Suffix of an answer that asked to be asked again (503 with Retry-After): not an error.
RETRY_LATER = " retry later"

CHECKED_PHASES = ("after_writes", "after_rotation")
ROTATION_FORMS = ("authority", "root")


def _get(document: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(document, dict):
            return None
        document = document.get(key)
    return document


def _worst(document: dict[str, Any], *path: str) -> int | None:
    """The larger count of the two checks (before and after rotation); None if one is missing."""
    values = [_get(document, phase, *path) for phase in CHECKED_PHASES]
    return None if None in values else max(values)


def verdict(document: dict[str, Any]) -> dict[str, Any]:
    """Each figure, and whether the run passed: every count 0 and every check sound."""
    integrity = [_get(document, phase, "integrity") or {} for phase in CHECKED_PHASES]
    found: dict[str, Any] = {
        "lost_acknowledged_writes": _worst(document, "lost_acknowledged_writes"),
        "undecryptable_rows": _worst(document, "undecryptable_rows"),
        "half_written": _worst(document, "half_written", "failed"),
        "keys_not_unwrapping": _worst(document, "keys", "live_keys", "failed"),
        "integrity_ok": all(parts for parts in integrity)
        and all(part.get("ok") for parts in integrity for part in parts.values()),
        "audit_verify_ok": bool(_get(document, "audit_verify", "ok")),
        "rotations_completed": all(
            _get(document, "rotation", form, "completed") for form in ROTATION_FORMS
        ),
        "all_writes_sent": _get(document, "writes", "sent") == _get(document, "plan", "writes"),
    }
    found |= _write_consistency(document)
    counts = (
        "lost_acknowledged_writes",
        "undecryptable_rows",
        "half_written",
        "unexplained_stored_writes",
        "in_doubt_settled_inconsistently",
        "server_error_answers",
        "failures_without_a_kill",
    )
    flags = ("integrity_ok", "audit_verify_ok", "rotations_completed", "all_writes_sent")
    found["passed"] = (
        "error" not in document
        and all(found[name] == 0 for name in (*counts, "keys_not_unwrapping"))
        and all(found[name] for name in flags)
    )
    return found


def _write_consistency(document: dict[str, Any]) -> dict[str, Any]:
    """Nothing stored that was never sent, nothing half-settled, no 5xx, no failure unexplained.

    A write stored without its answer must be one whose answer the kill cut off
    (in doubt); a section write in doubt must be either stored whole or not at all.
    """
    writes = document.get("writes") or {}
    stored = _get(document, "after_writes", "stored_without_acknowledgement") or {}
    in_doubt = writes.get("in_doubt") or {}
    answers = writes.get("answers") or {}
    return {
        "unexplained_stored_writes": sum(
            max(0, count - in_doubt.get(kind, 0)) for kind, count in stored.items()
        ),
        "in_doubt_settled_inconsistently": (writes.get("in_doubt_sections") or {}).get(
            "inconsistent", 0
        ),
        "server_error_answers": sum(
            count for answer, count in answers.items() if _is_server_error(answer)
        ),
        "retry_later_answers": sum(
            count for answer, count in answers.items() if answer.endswith(RETRY_LATER)
        ),
        "failures_without_a_kill": writes.get("unexpected_failures", 0),
    }


def _is_server_error(answer: str) -> bool:
    """A 5xx answer, except a 503 that said when to come back (``RETRY_LATER``)."""
    return not answer.endswith(RETRY_LATER) and int(answer.split()[1]) >= 500


def _writes_lines(writes: dict[str, Any], stored_unanswered: Any) -> list[str]:
    kills = writes.get("kills") or []
    in_flight = sum(kill["requests_in_flight"] for kill in kills)
    mid_transaction = sum(1 for kill in kills if kill.get("open_transactions"))
    aimed = sum(1 for kill in kills if kill.get("aimed_at_a_transaction"))
    starts = writes.get("server_start_seconds") or {}
    return [
        f"writes sent: {writes.get('sent')} {writes.get('sent_by_kind')}",
        f"acknowledged: {writes.get('acknowledged')} {writes.get('acknowledged_by_kind')}",
        f"answers: {writes.get('answers')}",
        f"kills (SIGKILL to gunicorn's master and workers): {len(kills)}, with {in_flight} "
        f"requests in flight; {aimed} aimed at a transaction; {mid_transaction} with a write "
        "transaction open just before",
        f"server starts: {writes.get('server_starts')} (median {starts.get('median')} s, "
        f"max {starts.get('max')} s)",
        f"in doubt (no answer): {writes.get('in_doubt')}; section writes in doubt were "
        f"{writes.get('in_doubt_sections')}; stored without an answer: {stored_unanswered}",
    ]


def _check_lines(document: dict[str, Any], found: dict[str, Any]) -> list[str]:
    after = document.get("after_rotation") or document.get("after_writes") or {}
    opened = after.get("records_opened") or {}
    keys = _get(after, "keys", "live_keys", "checked")
    lines = [
        f"lost acknowledged writes: {found['lost_acknowledged_writes']} (must be 0)",
        f"undecryptable rows: {found['undecryptable_rows']} (must be 0), rows opened: "
        + ", ".join(f"{kind} {tally['checked']}" for kind, tally in opened.items()),
        f"half-written changes: {found['half_written']} (must be 0); stored writes no kill "
        f"explains: {found['unexplained_stored_writes']}; 5xx answers: "
        f"{found['server_error_answers']} (503 with Retry-After, not counted: "
        f"{found['retry_later_answers']}); failures without a kill: "
        f"{found['failures_without_a_kill']}",
        f"live keys that do not unwrap: {found['keys_not_unwrapping']} of {keys}",
    ]
    for name, part in (after.get("integrity") or {}).items():
        state = "ok" if part.get("ok") else f"FAILED {part}"
        lines.append(f"integrity of {name} ({part.get('check')}): {state}")
    audit = document.get("audit_verify") or {}
    lines.append(f"flask audit verify: exit {audit.get('exit_code')} {audit.get('last')}")
    return lines


def _rotation_lines(rotation: dict[str, Any]) -> list[str]:
    lines = []
    for form in ROTATION_FORMS:
        part = rotation.get(form) or {}
        lines.append(
            f"{part.get('command')}: killed {part.get('killed')} of "
            f"{len(part.get('kills') or [])} runs ({part.get('killed_mid_rotation')} left a "
            f"rotation half done); reruns to finish {len(part.get('reruns') or [])}; "
            f"completed {part.get('completed')}"
        )
    if rotation.get("leftover_key_files"):
        lines.append(f"temporary key files left by kills: {rotation['leftover_key_files']}")
    return lines


def summary(document: dict[str, Any]) -> str:
    found = document["verdict"]
    after = document.get("after_rotation") or document.get("after_writes") or {}
    plan = document.get("plan") or {}
    lines = [
        f"crash harness on {plan.get('backend')}, seed {plan.get('seed')}: "
        f"{document.get('seconds')} s in all",
        *_writes_lines(document.get("writes") or {}, after.get("stored_without_acknowledgement")),
        *_check_lines(document, found),
        *_rotation_lines(document.get("rotation") or {}),
        "PASSED" if found["passed"] else "FAILED",
    ]
    return "\n".join(lines)
