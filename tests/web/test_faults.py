"""The database fails in the middle of a write: all of it rolls back, and the answer is a plain 503.

Faults are injected into the real engines with SQLAlchemy events, at a chosen
statement of the request's transaction (or its commit), in two ways:

- ``error``: the driver raises its own ``OperationalError`` (as for a full disk
  or a server shutting down), which SQLAlchemy wraps as it would a real one;
- ``lost``: the connection really dies under the request: on PostgreSQL the
  server terminates its backend (``pg_terminate_backend``), on SQLite the
  connection is closed;
- ``bug``: the driver raises an ``IntegrityError``, as a mistake in the code
  would; that is not the database being unavailable, so it answers 500.

Each test then checks what a user would notice: the answer is 503 with nothing
of the exception, SQL or the child's words in it; nothing of the request was
stored (profile version, section rows, grants, pictures, audit events); and the
same request sent again succeeds, exactly once.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import Engine, create_engine, event, func, select, text
from sqlalchemy.pool import NullPool

from allaboutme import db, encryption
from allaboutme.audit.models import AuditEvent
from allaboutme.children.sections import SECTION_KEYS
from allaboutme.consent.models import ConsentGrant
from allaboutme.media.models import MediaItem
from allaboutme.profiles.models import Profile, SectionRecord
from tests.factories import ApiClient
from tests.profiles.answers_for_tests import first_text_question

CANARY = "Pelican-Canary-5821"  # the child's words in the failing request
FAULT_MESSAGE = "injected-fault-7730 disk I/O error"
COMMIT = "COMMIT"
# What an answer must never contain: exception, driver and SQL vocabulary, the fault's text.
LEAKS = re.compile(
    r"Traceback|[a-z]Error\b|SELECT |INSERT |UPDATE |COMMIT|"
    r"(?i:sqlite|psycopg|postgres|profile_sections|audit_events|consent_grants|media_items)|"
    r"(?i:injected-fault)|" + CANARY
)


class DatabaseFault:
    """One failure, armed on an engine: the first statement starting with ``at`` fails.

    ``at=COMMIT`` fails the commit of the transaction instead. Statements before
    the armed one run normally, so the request has already written part of its
    change when the fault hits.
    """

    def __init__(self, engine: Engine, *, kind: str, at: str) -> None:
        self.engine = engine
        self.kind = kind
        self.at = at
        self.fired = False

    def __enter__(self) -> DatabaseFault:
        event.listen(self.engine, "before_cursor_execute", self._before_statement)
        event.listen(self.engine, "commit", self._before_commit)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before_statement)
        event.remove(self.engine, "commit", self._before_commit)

    def _before_statement(self, connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.fired or self.at == COMMIT or not statement.lstrip().startswith(self.at):
            return
        self.fired = True
        if self.kind == "error":
            raise connection.dialect.loaded_dbapi.OperationalError(FAULT_MESSAGE)
        if self.kind == "bug":
            raise connection.dialect.loaded_dbapi.IntegrityError(FAULT_MESSAGE)
        self._lose(connection)

    def _before_commit(self, connection: Any) -> None:
        if self.fired or self.at != COMMIT:
            return
        self.fired = True
        self._lose(connection)  # the driver's commit then fails on a dead connection

    def _lose(self, connection: Any) -> None:
        raw = connection.connection.dbapi_connection
        if connection.dialect.name != "postgresql":
            raw.close()
            return
        killer = create_engine(connection.engine.url, poolclass=NullPool)
        try:
            with killer.connect() as other:
                ended = other.execute(
                    text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": raw.info.backend_pid}
                ).scalar_one()
        finally:
            killer.dispose()
        assert ended, "the backend serving the request did not end"


@dataclass(frozen=True)
class Stored:
    """Everything a write request could have left behind, counted."""

    version: int
    sections: int
    grants: int
    pictures: int
    events: tuple[str, ...]


def stored(app: Flask, child_id: str) -> Stored:
    with app.app_context():
        session = db.session()
        version = session.scalar(
            select(Profile.current_version).where(Profile.child_id == child_id)
        )

        def count(model: Any) -> int:
            query = select(func.count()).select_from(model).where(model.child_id == child_id)
            return session.scalar(query) or 0

        events = session.scalars(
            select(AuditEvent.action).where(AuditEvent.child_id == child_id).order_by(AuditEvent.at)
        ).all()
        return Stored(
            version or 0, count(SectionRecord), count(ConsentGrant), count(MediaItem), tuple(events)
        )


@pytest.fixture
def child(app: Flask, factory: Any) -> Iterator[tuple[str, ApiClient]]:
    """A child with a login and a profile at version 1, logged in through the API."""
    worker = factory.user("social_worker")
    record, login = factory.child(worker, with_login=True)
    api = ApiClient(app.test_client(), app)
    assert api.login(login).status_code == 201
    assert write_section(api, record.id, "first words", '"0"').status_code == 200
    yield record.id, api


def write_section(api: ApiClient, child_id: str, words: str, etag: str) -> Any:
    key = first_text_question("about_me")
    return api.put(
        f"/api/v1/children/{child_id}/profile/sections/about_me",
        json={"answers": {key: words}, "language": "en"},
        headers={"If-Match": etag},
    )


def share(api: ApiClient, child_id: str) -> Any:
    body = {"audience": {"kind": "social_worker"}, "sections": ["about_me"], "purpose": "support"}
    return api.post(f"/api/v1/children/{child_id}/consents", json=body)


def upload(api: ApiClient, child_id: str) -> Any:
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(picture, "PNG")
    form = {
        "section": "likes",
        "caption": CANARY,
        "file": (io.BytesIO(picture.getvalue()), "a.png"),
    }
    return api.post(
        f"/api/v1/children/{child_id}/media", data=form, content_type="multipart/form-data"
    )


def assert_plain_503(response: Any) -> None:
    """503 problem+json saying "try again", and nothing about what went wrong inside."""
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["code"] == "service_unavailable"
    assert body["detail"] == body["title"]
    assert set(body) == {"type", "title", "status", "detail", "code", "request_id"}
    assert int(response.headers["Retry-After"]) > 0
    assert not LEAKS.search(json.dumps(body, ensure_ascii=False))


def data_engine(app: Flask) -> Engine:
    with app.app_context():
        return db.database().engine


SECTION_FAULTS = [
    ("error", "UPDATE profiles"),
    ("error", "INSERT INTO profile_sections"),
    ("error", "INSERT INTO audit_events"),
    ("lost", "INSERT INTO audit_events"),
    ("lost", COMMIT),
]


@pytest.mark.parametrize(
    ("kind", "at"), SECTION_FAULTS, ids=[f"{k}-{a}" for k, a in SECTION_FAULTS]
)
def test_section_write_hit_by_a_database_fault_stores_nothing_and_answers_503(
    app: Flask, child: tuple[str, ApiClient], kind: str, at: str, caplog: Any
) -> None:
    child_id, api = child
    before = stored(app, child_id)
    caplog.set_level(logging.INFO)
    with DatabaseFault(data_engine(app), kind=kind, at=at) as fault:
        response = write_section(api, child_id, CANARY, '"1"')
    assert fault.fired
    assert_plain_503(response)
    assert stored(app, child_id) == before
    assert CANARY not in caplog.text and FAULT_MESSAGE not in caplog.text
    again = write_section(api, child_id, CANARY, '"1"')
    assert again.status_code == 200 and again.headers["ETag"] == '"2"'
    after = stored(app, child_id)
    assert (after.version, after.sections) == (2, before.sections + 1)
    assert after.events == (*before.events, "profile.section.write")


def test_consent_grant_hit_by_a_database_fault_stores_nothing_and_answers_503(
    app: Flask, child: tuple[str, ApiClient]
) -> None:
    child_id, api = child
    before = stored(app, child_id)
    with DatabaseFault(data_engine(app), kind="error", at="INSERT INTO audit_events") as fault:
        response = share(api, child_id)
    assert fault.fired
    assert_plain_503(response)
    assert stored(app, child_id) == before
    assert share(api, child_id).status_code == 201
    assert stored(app, child_id).grants == before.grants + 1


def test_picture_upload_cut_off_at_commit_stores_nothing_and_answers_503(
    app: Flask, child: tuple[str, ApiClient]
) -> None:
    child_id, api = child
    before = stored(app, child_id)
    with DatabaseFault(data_engine(app), kind="lost", at=COMMIT) as fault:
        response = upload(api, child_id)
    assert fault.fired
    assert_plain_503(response)
    assert stored(app, child_id) == before
    assert upload(api, child_id).status_code == 201
    after = stored(app, child_id)
    assert (after.pictures, after.events) == (before.pictures + 1, (*before.events, "media.upload"))


def test_key_store_failing_while_sealing_stores_nothing_and_answers_503(
    app: Flask, child: tuple[str, ApiClient]
) -> None:
    child_id, api = child
    before = stored(app, child_id)
    with app.app_context():
        keystore = encryption.vault().keystore.engine
    with DatabaseFault(keystore, kind="error", at="SELECT") as fault:
        response = write_section(api, child_id, CANARY, '"1"')
    assert fault.fired
    assert_plain_503(response)
    assert stored(app, child_id) == before
    assert write_section(api, child_id, CANARY, '"1"').status_code == 200


def test_a_page_hit_by_a_database_fault_gets_a_plain_busy_page(
    app: Flask, child: tuple[str, ApiClient]
) -> None:
    child_id, api = child
    page = api.get("/me/sharing").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    form = {"csrf_token": token.group(1), "audience": "social_worker", "purpose": "support"}
    form |= {f"share_{key}": "yes" if key == "about_me" else "no" for key in SECTION_KEYS}
    before = stored(app, child_id)
    with DatabaseFault(data_engine(app), kind="lost", at="INSERT INTO audit_events") as fault:
        response = api.client.post("/me/sharing", data=form)
    assert fault.fired
    assert response.status_code == 503
    assert response.content_type.startswith("text/html")
    assert not LEAKS.search(response.get_data(as_text=True))
    assert stored(app, child_id) == before


def test_a_database_error_from_a_bug_answers_500_and_logs_no_sql(
    app: Flask, child: tuple[str, ApiClient], caplog: Any
) -> None:
    child_id, api = child
    before = stored(app, child_id)
    caplog.set_level(logging.INFO)
    with DatabaseFault(data_engine(app), kind="bug", at="INSERT INTO profile_sections") as fault:
        response = write_section(api, child_id, CANARY, '"1"')
    assert fault.fired
    assert response.status_code == 500
    assert response.get_json()["code"] == "internal_error"
    assert not LEAKS.search(response.get_data(as_text=True))
    assert stored(app, child_id) == before
    logged = [r for r in caplog.records if r.getMessage() == "database error"]
    assert [r.error_class for r in logged] == ["IntegrityError"]
    assert "write_section" in logged[0].stack
    assert CANARY not in caplog.text and FAULT_MESSAGE not in caplog.text
    assert "INSERT INTO" not in caplog.text
