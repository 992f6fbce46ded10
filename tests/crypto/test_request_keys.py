"""In one request a subject key is read from the key store once; destroying it ends that."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event

from allaboutme import db, encryption
from allaboutme.crypto import KeyDestroyedError, RecordContext


def _context(child_id: str, row_id: str) -> RecordContext:
    return RecordContext(
        tenant_id="tenant-a",
        child_id=child_id,
        table="profile_sections",
        field="likes",
        row_id=row_id,
        version=1,
    )


@pytest.fixture
def key_store_reads(app) -> Iterator[list[str]]:
    """Every statement the key store runs to read and unwrap a subject key."""
    seen: list[str] = []
    with app.app_context():
        engine = encryption.vault().keystore.engine

    def note(_conn, _cursor, statement, *_args) -> None:
        if "tenant_wrapped" in statement:  # the subject key with its tenant key
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


def test_one_request_reads_a_childs_key_once(app, key_store_reads):
    with app.app_context():
        child_id = db.new_id()
        encryption.ensure_child_key("tenant-a", child_id)
    with app.app_context():
        sealed = [encryption.seal(b"likes", _context(child_id, str(n))) for n in range(3)]
        opened = encryption.open_many(
            [(s, _context(child_id, str(n))) for n, s in enumerate(sealed)]
        )
        assert encryption.open(sealed[0], _context(child_id, "0")) == b"likes"
    assert opened == [b"likes"] * 3
    assert len(key_store_reads) == 1


def test_each_request_reads_the_key_afresh(app, key_store_reads):
    with app.app_context():
        child_id = db.new_id()
        encryption.ensure_child_key("tenant-a", child_id)
        sealed = encryption.seal(b"likes", _context(child_id, "0"))
    with app.app_context():
        encryption.open(sealed, _context(child_id, "0"))
    assert len(key_store_reads) == 2


def test_a_key_destroyed_during_the_request_no_longer_opens_anything(app):
    with app.app_context():
        child_id = db.new_id()
        encryption.ensure_child_key("tenant-a", child_id)
        sealed = encryption.seal(b"likes", _context(child_id, "0"))
        assert encryption.open(sealed, _context(child_id, "0")) == b"likes"
        assert encryption.destroy_child_key(child_id)
        with pytest.raises(KeyDestroyedError):
            encryption.open(sealed, _context(child_id, "0"))
