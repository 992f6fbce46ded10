"""Loading the framework's register of providers from a CSV file.

The file is UTF-8 (with or without a byte-order mark) with a header row naming
``COLUMNS``; list columns separate their items with semicolons. Rows are
applied one by one, each in its own savepoint: a bad row is reported with its
line number and every reason, and skipped, and never stops or half-applies the
others. A row whose Ofsted URN is already registered updates that provider, so
importing the same file twice changes nothing the second time. The caller
commits once (or rolls back for a dry run).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from allaboutme import db
from allaboutme.audit import services as audit
from allaboutme.errors import AppError, Conflict, ValidationFailed
from allaboutme.i18n import _
from allaboutme.providers import services
from allaboutme.providers.models import MAX_VACANCIES

COLUMNS = (
    "name",
    "ofsted_urn",
    "ofsted_rating",
    "lots",
    "lat",
    "lon",
    "capabilities",
    "languages",
    "faiths",
    "cultural_competences",
    "vacancies",
)
LIST_COLUMNS = ("lots", "capabilities", "languages", "faiths", "cultural_competences")
# Vocabulary columns forgive spreadsheet spelling: "Requires improvement", "Sibling group".
WORD_COLUMNS = ("ofsted_rating", "lots", "capabilities")
SEPARATOR = ";"


class UnreadableFile(Exception):
    """The file as a whole cannot be read; nothing was imported."""

    def __init__(self, message: Any) -> None:
        super().__init__("unreadable")
        self.message = message


@dataclass(frozen=True)
class Rejection:
    line: int
    reasons: tuple[str, ...]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    rejected: list[Rejection] = field(default_factory=list)


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFile(
            _(
                "The file is not UTF-8 text (byte %(position)d cannot be read). "
                'Save it as "CSV UTF-8" and try again.',
                position=error.start + 1,
            )
        ) from error


def _check_header(header: list[str]) -> None:
    missing = [column for column in COLUMNS if column not in header]
    unknown = sorted({column for column in header if column not in COLUMNS})
    repeated = sorted({column for column in header if header.count(column) > 1})
    problems = []
    if missing:
        problems.append(_("missing columns: %(columns)s", columns=", ".join(missing)))
    if unknown:
        problems.append(_("unknown columns: %(columns)s", columns=", ".join(unknown)))
    if repeated:
        problems.append(_("repeated columns: %(columns)s", columns=", ".join(repeated)))
    if problems:
        raise UnreadableFile(
            _("The header row is not right (%(problems)s).", problems="; ".join(problems))
        )


def read_rows(data: bytes) -> list[tuple[int, list[str]]]:
    """Each record's cells with the line it starts on; the header row checked first."""
    reader = csv.reader(io.StringIO(_text(data), newline=""))
    try:
        header = [column.strip().casefold() for column in next(reader, [])]
        _check_header(header)
        rows: list[tuple[int, list[str]]] = []
        previous = reader.line_num
        for cells in reader:
            line, previous = previous + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                rows.append((line, cells))
    except csv.Error as error:
        raise UnreadableFile(
            _("Line %(line)d is not valid CSV (%(problem)s).", line=reader.line_num, problem=error)
        ) from error
    return [(line, _in_order(header, cells)) for line, cells in rows]


def _in_order(header: list[str], cells: list[str]) -> list[str]:
    """The cells rearranged into ``COLUMNS`` order (the file may order them freely)."""
    if len(cells) != len(header):
        return cells  # the wrong width: rejected with its count
    by_column = dict(zip(header, cells, strict=True))
    return [by_column[column] for column in COLUMNS]


def _word(value: str) -> str:
    return "_".join(value.casefold().replace("-", " ").split())


def _number(record: dict[str, str], column: str, convert: type, reasons: list[str]) -> Any:
    try:
        return convert(record[column].strip())
    except ValueError:
        message = (
            _("Give a whole number from 0 to %(most)d.", most=MAX_VACANCIES)
            if convert is int
            else _("Give a number.")
        )
        reasons.append(f"{column}: {message}")
        return None


def _parse(record: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The row as service arguments, and every reason it cannot be used."""
    reasons: list[str] = []
    text = {column: record[column].strip() for column in COLUMNS}
    for column in WORD_COLUMNS:
        text[column] = SEPARATOR.join(_word(item) for item in text[column].split(SEPARATOR))
    values: dict[str, Any] = {"name": text["name"], "ofsted_urn": text["ofsted_urn"]}
    values["ofsted_rating"] = text["ofsted_rating"]
    for column in LIST_COLUMNS:
        values[column] = [item for item in text[column].split(SEPARATOR) if item.strip()]
    lat = _number(record, "lat", float, reasons)
    lon = _number(record, "lon", float, reasons)
    values["location"] = {"lat": lat, "lon": lon}
    values["vacancies"] = _number(record, "vacancies", int, reasons)
    if not values["name"]:
        reasons.append("name: " + _("A name is needed."))
    checkable = {
        key: value
        for key, value in values.items()
        if key != "name" and value is not None and (key != "location" or None not in value.values())
    }
    try:
        services.check_fields(checkable)
    except ValidationFailed as error:
        reasons += [
            f"{key}: {message}" for key, messages in error.errors.items() for message in messages
        ]
    return values, sorted(reasons, key=_column_order)


def _column_order(reason: str) -> int:
    """Reasons in the file's column order ("location" stands where "lat" does)."""
    column = reason.split(":", 1)[0].replace("location", "lat")
    return COLUMNS.index(column) if column in COLUMNS else len(COLUMNS)


def _apply(values: dict[str, Any], now: datetime) -> bool:
    """Create or update one provider; True when it was created."""
    existing = services.find_provider_by_urn(values["ofsted_urn"])
    if existing is None:
        services.create_provider(None, now=now, **values)
        return True
    if existing.name != values["name"]:
        raise Conflict(
            _(
                "This Ofsted URN belongs to %(name)s; a provider cannot be renamed here.",
                name=existing.name,
            )
        )
    changes = {key: value for key, value in values.items() if key not in ("name", "ofsted_urn")}
    services.update_provider(None, existing.org_id, changes, now=now)
    return False


def _reasons_of(error: AppError) -> tuple[str, ...]:
    if isinstance(error, ValidationFailed):
        return tuple(f"{key}: {text}" for key, texts in error.errors.items() for text in texts)
    return (str(error.detail or error.title),)


def _first_line(seen: dict[str, int], urn: str, line: int) -> int | None:
    """The line where this URN first appeared, if it did before ``line``."""
    key = urn.strip().upper()
    if not key:
        return None
    first = seen.setdefault(key, line)
    return first if first != line else None


def import_providers(data: bytes, *, now: datetime) -> ImportReport:
    """Apply every good row of a CSV register; report the bad ones.

    The command line starts its own write; a page's ``@transactional`` already has.
    """
    rows = read_rows(data)
    if not db.session().in_transaction():
        db.begin_write()
    report, seen = ImportReport(), {}
    for line, cells in rows:
        if len(cells) != len(COLUMNS):
            message = _(
                "%(found)d cells; %(expected)d are needed.", found=len(cells), expected=len(COLUMNS)
            )
            report.rejected.append(Rejection(line, (message,)))
            continue
        values, reasons = _parse(dict(zip(COLUMNS, cells, strict=True)))
        first = _first_line(seen, values["ofsted_urn"], line)
        if first is not None:
            reasons.insert(0, "ofsted_urn: " + _("A duplicate of line %(line)d.", line=first))
        if reasons:
            report.rejected.append(Rejection(line, tuple(reasons)))
            continue
        try:
            with db.session().begin_nested():
                created = _apply(values, now)
        except AppError as error:
            report.rejected.append(Rejection(line, _reasons_of(error)))
            continue
        report.created += created
        report.updated += not created
    _record(report, now)
    return report


def _record(report: ImportReport, now: datetime) -> None:
    audit.record(
        actor=None,
        action="providers.import",
        chain=audit.SERVICE_CHAIN,
        now=now,
        subject=audit.Subject(object_type="provider_import"),
        reason=(
            f"created={report.created} updated={report.updated} rejected={len(report.rejected)}"
        ),
    )
