"""The dependency audit's printed report: a table of every pin, then why each one that
is not simply "ok" is not. Pure, like the verdicts it prints."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from tools.verdicts import Result, Source, Verdict

COLUMNS = ("package", "pinned", "newest", "source", "result")
SECTIONS = (
    (Result.FAILED, "Failed"),
    (Result.WARNING, "Warnings (known vulnerabilities without a fixed release)"),
    (Result.NOT_AUDITED, "Not audited (no data for the pinned version)"),
)

SUMMARY_LABELS = {
    Result.OK: "ok",
    Result.WARNING: "with warnings",
    Result.FAILED: "failed",
    Result.NOT_AUDITED: "not audited",
}


def render(verdicts: Sequence[Verdict], preface: Iterable[str] = ()) -> str:
    """The whole report: preface lines, the table, the reasons, and a summary line."""
    lines = [*preface, "", *_table(verdicts)]
    if _nothing_reached(verdicts):
        lines += ["", f"PyPI could not be reached: {verdicts[0].notes[0]}"]
        lines += ["Nothing was audited: this is not a clean result."]
        return "\n".join([*lines, "", summarize(verdicts)])
    for result, title in SECTIONS:
        chosen = [verdict for verdict in verdicts if verdict.result is result]
        if chosen:
            lines += ["", f"{title}:"]
            lines += [_reason(verdict, note) for verdict in chosen for note in verdict.notes]
    lines += ["", summarize(verdicts)]
    return "\n".join(lines)


def summarize(verdicts: Sequence[Verdict]) -> str:
    """How many pins got each result, and from which source."""
    results = Counter(verdict.result for verdict in verdicts)
    sources = Counter(verdict.source for verdict in verdicts)
    counted = ", ".join(f"{results[result]} {SUMMARY_LABELS[result]}" for result in Result)
    judged = ", ".join(
        f"{sources[source]} by {source}" for source in Source if source is not Source.NONE
    )
    return f"{len(verdicts)} pins: {counted} (judged {judged})."


def _table(verdicts: Sequence[Verdict]) -> list[str]:
    rows = [COLUMNS] + [
        (
            verdict.pin.name,
            verdict.pin.version,
            verdict.newest or "-",
            str(verdict.source),
            _result(verdict),
        )
        for verdict in verdicts
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(COLUMNS))]
    rows.insert(1, tuple("-" * width for width in widths))
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def _result(verdict: Verdict) -> str:
    if verdict.result is Result.WARNING:
        return f"warning ({len(verdict.notes)})"
    if verdict.result is Result.FAILED:
        return "FAILED"
    return str(verdict.result)


def _reason(verdict: Verdict, note: str) -> str:
    """One indented line per note, naming the pin unless the note already does."""
    pinned = f"{verdict.pin.name}=={verdict.pin.version}"
    return f"  {note}" if pinned in note else f"  {pinned}: {note}"


def _nothing_reached(verdicts: Sequence[Verdict]) -> bool:
    return bool(verdicts) and all(verdict.result is Result.NOT_AUDITED for verdict in verdicts)
