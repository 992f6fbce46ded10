"""Grow a benchmark instance to N children in minutes: sealed rows inserted in bulk.

    python -m bench.scale_seed OUT.json --authority ID --to 100000 [--per-authority 1000]

Runs in the settings environment the caller prepared (``bench.environment``),
after ``bench.seed data``. It first fills the given authority up to
``--per-authority`` children, then adds new authorities of that many children
each until the database holds ``--to`` children. Each added child has what the
services would have made for a child whose profile is complete and shared,
written as rows directly (the services take a key store read and a flush per
record, which would take hours for 100,000 children):

- a child key in the key store (``KeyStore.ensure_child_keys``, in batches), and
  the child's name and nine profile sections sealed under it with the app's own
  envelope (the key read once per child, then ``crypto.envelope.seal_envelope``,
  exactly what ``Vault.seal`` does per record), so every row opens;
- a login (one Argon2 hash of a random, discarded secret shared by every added
  login: nobody can log in as them), an allocation to one of the authority's
  added social workers (one per ``CASELOAD`` children; the seeded worker's
  caseload is left alone), a profile at version 9, a grant sharing every
  section with the social worker;
- the audit events the services write for the same history (``child.create``,
  nine ``profile.section.write``, ``consent.grant``), appended to the
  authority's hash chain with ``audit.chain.entry_hash``, so ``audit verify``
  still passes.

One transaction per batch of children, the chain head moved in the same one.
"""

from __future__ import annotations

import argparse
import json
import math
import secrets
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text, update

from allaboutme import create_app, db, encryption
from allaboutme.accounts import passwords
from allaboutme.accounts import services as accounts
from allaboutme.accounts.models import User
from allaboutme.audit import chain as hashchain
from allaboutme.audit.models import AuditEvent, AuditHead
from allaboutme.children.models import Allocation, Child
from allaboutme.consent.models import ConsentGrant
from allaboutme.profiles import catalogue
from allaboutme.profiles.answers import clean_answers
from allaboutme.profiles.models import Profile, SectionRecord
from bench.answers import sample_answers
from bench.scale_rows import Batch, NewChild, add_grant, hashed_fields, insert_rows

BATCH = 1000  # children per transaction
CASELOAD = 20  # added children per added social worker
KEY_THREADS = 8  # concurrent key store reads (each one is a round trip)


class Grower:
    """Adds children to authorities; remembers what it wrote and how long it took."""

    def __init__(self) -> None:
        self.vault = encryption.vault()
        self.password_hash = passwords.hash_secret(secrets.token_urlsafe(32))
        self.payloads = {
            key: json.dumps(
                {
                    "answers": clean_answers(key, sample_answers(key, "Scale answer")),
                    "language": "en",
                },
                ensure_ascii=False,
            ).encode()
            for key in catalogue.SECTION_KEYS
        }
        self.written: Counter[str] = Counter()
        self.run = secrets.token_hex(4)  # usernames stay unique when the instance grows again
        self.users_made = 0

    def _username(self, who: str) -> str:
        self.users_made += 1
        return f"scale.{self.run}.{who}{self.users_made:07d}"

    def _workers(self, authority_id: str, count: int) -> list[str]:
        """Social workers for the added children (logins nobody can use)."""
        ids = [db.new_id() for _ in range(count)]
        rows = [self._user(i, authority_id, "social_worker", None) for i in ids]
        db.session().execute(insert(User.__table__), rows)
        self.written["users"] += len(rows)
        return ids

    def _user(self, user_id: str, authority_id: str, role: str, child_id: str | None) -> dict:
        return {
            "id": user_id,
            "org_id": authority_id,
            "role": role,
            "username": self._username(role[:6]),
            "display_name": "Scale " + role,
            "locale": "en",
            "password_hash": self.password_hash,
            "is_active": True,
            "child_id": child_id,
            "totp_version": 0,
            "totp_last_step": 0,
            "created_at": db.utcnow(),
        }

    def fill(self, authority_id: str, count: int) -> None:
        """Add ``count`` children to the authority, a batch per transaction."""
        self.vault.ensure_tenant_key(authority_id)
        workers = self._workers(authority_id, max(1, math.ceil(count / CASELOAD)))
        db.session().commit()
        for start in range(0, count, BATCH):
            size = min(BATCH, count - start)
            chunk = workers[start // CASELOAD : math.ceil((start + size) / CASELOAD)]
            self._batch(authority_id, size, chunk)

    def _batch(self, authority_id: str, size: int, workers: list[str]) -> None:
        child_ids = [db.new_id() for _ in range(size)]
        self.vault.keystore.ensure_child_keys(authority_id, child_ids, batch_size=BATCH)
        with ThreadPoolExecutor(KEY_THREADS) as pool:
            keys = list(pool.map(lambda c: self.vault.keystore.subject_key("child", c), child_ids))
        batch = Batch()
        for index, (child_id, key) in enumerate(zip(child_ids, keys, strict=True)):
            worker = workers[min(index // CASELOAD, len(workers) - 1)]
            self._child(batch, authority_id, child_id, key, worker)
        self._write(authority_id, batch)

    def _child(self, batch: Batch, authority_id: str, child_id: str, key: Any, worker: str) -> None:
        number = self.written["children"] + len(batch.rows.get(Child.__table__, []))
        child = NewChild(authority_id, child_id, db.new_id(), worker, db.utcnow(), key)
        batch.add(
            Child.__table__,
            id=child_id,
            authority_id=authority_id,
            preferred_name=child.seal(f"Child {number}".encode(), "children", "preferred_name", 1),
            name_version=1,
            date_of_birth=date(2010 + number % 8, 1 + number % 12, 1 + number % 28),
            locale="en",
            created_by_id=worker,
            created_at=child.now,
        )
        batch.add(User.__table__, **self._user(child.user_id, authority_id, "child", child_id))
        batch.add(
            Allocation.__table__,
            id=db.new_id(),
            child_id=child_id,
            worker_id=worker,
            allocated_at=child.now,
            ended_at=None,
        )
        batch.events.append(child.event("child.create", "child", child_id, by_worker=True))
        self._profile(batch, child)
        add_grant(batch, child)

    def _profile(self, batch: Batch, child: NewChild) -> None:
        """Nine saves, one section each, as the child's editor makes them: versions 1 to 9."""
        for version, section in enumerate(catalogue.SECTION_KEYS, start=1):
            record_id = db.new_id()
            batch.add(
                SectionRecord.__table__,
                id=record_id,
                child_id=child.child_id,
                section_key=section,
                profile_version=version,
                content=child.seal(
                    self.payloads[section], "profile_sections", section, version, record_id
                ),
                is_removal=False,
                has_help=False,
                written_by_id=child.user_id,
                created_at=child.now,
            )
            batch.events.append(
                child.event(
                    "profile.section.write",
                    "profile",
                    child.child_id,
                    object_version=version,
                    sections=[section],
                )
            )
        batch.add(
            Profile.__table__,
            child_id=child.child_id,
            current_version=len(catalogue.SECTION_KEYS),
            updated_at=child.now,
        )

    def _write(self, authority_id: str, batch: Batch) -> None:
        """Insert the batch and append its events to the authority's chain, in one transaction."""
        session = db.session()
        head = session.scalar(
            select(AuditHead).where(AuditHead.chain == authority_id).with_for_update()
        )
        sequence, previous = (head.sequence, head.hash) if head else (0, hashchain.GENESIS)
        for event in batch.events:
            sequence += 1
            event.update(
                id=db.new_id(), chain=authority_id, sequence=sequence, previous_hash=previous
            )
            event["hash"] = previous = hashchain.entry_hash(previous, hashed_fields(event))
        for table in (
            Child.__table__,
            User.__table__,
            Allocation.__table__,
            Profile.__table__,
            SectionRecord.__table__,
            ConsentGrant.__table__,
        ):
            insert_rows(session, table, batch.rows[table])
            self.written[table.name] += len(batch.rows[table])
        insert_rows(session, AuditEvent.__table__, batch.events)
        self.written["audit_events"] += len(batch.events)
        if head is None:
            session.add(AuditHead(chain=authority_id, sequence=sequence, hash=previous))
        else:
            session.execute(
                update(AuditHead)
                .where(AuditHead.chain == authority_id)
                .values(sequence=sequence, hash=previous)
            )
        session.commit()


def children_in(authority_id: str | None = None) -> int:
    """Children in the database (or in one authority)."""
    query = select(func.count()).select_from(Child)
    if authority_id is not None:
        query = query.where(Child.authority_id == authority_id)
    return db.session().scalar(query) or 0


def grow(authority_id: str, target: int, per_authority: int) -> dict[str, Any]:
    """Fill ``authority_id``, then add whole authorities, until ``target`` children exist."""
    started = time.perf_counter()
    grower = Grower()
    missing = target - children_in()
    first = min(max(per_authority - children_in(authority_id), 0), max(missing, 0))
    if first:
        grower.fill(authority_id, first)
        missing -= first
    authorities = 0
    while missing > 0:
        authorities += 1
        name = f"Scale Borough {secrets.token_hex(4)}"
        authority = accounts.create_organisation(kind="local_authority", name=name)
        db.session().commit()
        grower.fill(authority.id, min(per_authority, missing))
        missing -= min(per_authority, missing)
    seconds = time.perf_counter() - started
    analysed = time.perf_counter()
    _analyse()
    return {
        "children": children_in(),
        "added_authorities": authorities,
        "rows_written": dict(grower.written),
        "seconds": round(seconds, 1),
        "analyse_seconds": round(time.perf_counter() - analysed, 1),
    }


def _analyse() -> None:
    """Fresh planner statistics, as autovacuum would soon give a database this size."""
    for engine in (db.database().engine, encryption.vault().keystore.engine):
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scale_seed")
    parser.add_argument("out", type=Path)
    parser.add_argument("--authority", required=True)
    parser.add_argument("--to", type=int, required=True, help="children in the database")
    parser.add_argument("--per-authority", type=int, default=1000)
    args = parser.parse_args(argv)
    with create_app().app_context():
        result = grow(args.authority, args.to, args.per_authority)
    args.out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
