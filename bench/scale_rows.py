"""The rows of children added in bulk (``bench.scale_seed``), and how they are inserted.

A :class:`NewChild` seals for one child with its key already unwrapped and fills
in audit events the way ``audit.record`` does; :func:`insert_rows` writes a
batch in the session's transaction (``COPY`` on PostgreSQL).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from allaboutme import db
from allaboutme.audit.services import HASHED_FIELDS
from allaboutme.consent.models import ConsentGrant
from allaboutme.consent.services import NOTICE_VERSION
from allaboutme.crypto.aad import RecordContext
from allaboutme.crypto.envelope import seal_envelope
from allaboutme.crypto.keystore import SubjectKey
from allaboutme.profiles import catalogue


class Batch:
    """The rows of one batch of children, and the audit events in chain order."""

    def __init__(self) -> None:
        self.rows: dict[Any, list[dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []

    def add(self, table: Any, **row: Any) -> None:
        self.rows.setdefault(table, []).append(row)


@dataclass(frozen=True)
class NewChild:
    """One added child: its ids, its worker, the moment, and its unwrapped key."""

    authority_id: str
    child_id: str
    user_id: str
    worker_id: str
    now: datetime
    key: SubjectKey

    def seal(
        self, plaintext: bytes, table: str, field: str, version: int, row_id: str = ""
    ) -> bytes:
        """What ``Vault.seal`` makes for this record, without reading the key again."""
        context = RecordContext(
            tenant_id=self.authority_id,
            child_id=self.child_id,
            table=table,
            field=field,
            row_id=row_id or self.child_id,
            version=version,
        )
        return seal_envelope(self.key.key, self.key.version, plaintext, context)

    def event(
        self,
        action: str,
        object_type: str,
        object_id: str,
        *,
        by_worker: bool = False,
        **extra: Any,
    ) -> dict[str, Any]:
        """An audit event as ``audit.record`` fills it in (no request: no id, no strength)."""
        event: dict[str, Any] = {name: None for name in HASHED_FIELDS}
        event.update(
            action=action,
            outcome="allowed",
            actor_user_id=self.worker_id if by_worker else self.user_id,
            actor_role="social_worker" if by_worker else "child",
            actor_org_id=self.authority_id,
            child_id=self.child_id,
            at=self.now,
            object_type=object_type,
            object_id=object_id,
            sections=[],
        )
        event.update(extra)
        return event


def add_grant(batch: Batch, child: NewChild) -> None:
    """The child shares every section with their social worker, for support, no end date."""
    grant_id = db.new_id()
    shared = list(catalogue.SECTION_KEYS)
    batch.add(
        ConsentGrant.__table__,
        id=grant_id,
        child_id=child.child_id,
        audience_kind="social_worker",
        audience_org_id=None,
        sections=shared,
        purpose="support",
        granted_at=child.now,
        expires_at=None,
        revoked_at=None,
        notice_version=NOTICE_VERSION,
        locale="en",
        has_help=False,
        granted_by_id=child.user_id,
    )
    batch.events.append(
        child.event("consent.grant", "consent_grant", grant_id, sections=shared, grant_id=grant_id)
    )


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` in the session's transaction: ``COPY`` on PostgreSQL, else executemany.

    Values go through each column type's own bind processing first (UTC times,
    JSON), exactly as an ``INSERT`` would send them.
    """
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql":
        session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    processors = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
    ]
    driver = connection.connection.driver_connection
    assert driver is not None
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(
                [
                    row[name] if process is None else process(row[name])
                    for name, process in zip(columns, processors, strict=True)
                ]
            )


def hashed_fields(event: dict[str, Any]) -> dict[str, Any]:
    """The fields the chain hashes, as ``audit.services`` presents them."""
    fields = {name: event[name] for name in HASHED_FIELDS}
    fields["at"] = event["at"].isoformat()
    fields["sections"] = list(event["sections"] or [])
    return fields
