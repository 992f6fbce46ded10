"""Backup and restore drill: a restored instance opens every record; the data alone opens none.

A world of encrypted records is backed up, then restored into a second, clean
instance that shares only the root key file (and the secrets every start is
given). With the key store it reads everything back and its audit chains
verify; with the data alone every read fails for want of a key, and the data
artefact holds no trace of what the child wrote.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from allaboutme import backups, create_app, db, encryption
from allaboutme.accounts import mfa
from allaboutme.accounts.models import User
from allaboutme.audit.models import AuditEvent
from allaboutme.children import services as children
from allaboutme.children.models import Child
from allaboutme.cli import alembic_config
from allaboutme.crypto import KeyNotFoundError
from allaboutme.media import services as media
from allaboutme.media.models import MediaItem
from allaboutme.models import metadata
from allaboutme.profiles import services as profiles
from tests import backends
from tests.conftest import make_settings
from tests.factories import ApiClient, Factory, Login
from tests.media import corpus
from tests.profiles.answers_for_tests import sample_answers

CANARY = "Merlin-Canary-7261"
SECTIONS = ("likes", "worries", "aspirations")


class World:
    """A child with a name, a profile history, a captioned picture, a grant and audit events."""

    def __init__(self, app: Flask, factory: Factory) -> None:
        self.app = app
        self.worker = factory.user("social_worker")
        self.child, login = factory.child(self.worker, name=f"{CANARY}-name", with_login=True)
        assert login is not None
        self.child_login: Login = login
        me = client_for(app, login)
        for version, key in enumerate((*SECTIONS, SECTIONS[0])):
            saved = me.put(
                f"{self.child_path}/profile/sections/{key}",
                json={
                    "answers": sample_answers(key, text=f"{CANARY}-{key}-{version}"),
                    "language": "en",
                },
                headers={"If-Match": f'"{version}"'},
            )
            assert saved.status_code == 200, saved.get_json()
        form = {
            "section": "likes",
            "caption": f"{CANARY}-caption",
            "file": (io.BytesIO(corpus.noisy_jpeg((40, 30))), "photo.jpg", "image/jpeg"),
        }
        uploaded = me.post(
            f"{self.child_path}/media", data=form, content_type="multipart/form-data"
        )
        assert uploaded.status_code == 201, uploaded.get_json()
        self.picture_id = uploaded.get_json()["id"]
        shared = me.post(
            f"{self.child_path}/consents",
            json={"audience": {"kind": "social_worker"}, "sections": ["likes"]},
        )
        assert shared.status_code == 201, shared.get_json()
        read = client_for(app, self.worker).get(f"{self.child_path}/profile")  # an audited read
        assert read.status_code == 200 and CANARY in read.get_data(as_text=True)
        signed = app.test_cli_runner().invoke(args=["audit", "checkpoint"])
        assert signed.exit_code == 0, signed.output

    @property
    def child_path(self) -> str:
        return f"/api/v1/children/{self.child.id}"

    def everything_seen_by_the_child(self, app: Flask) -> dict[str, Any]:
        """The child's export (every version, the name, pictures) and the picture's bytes."""
        me = client_for(app, self.child_login)
        export = me.get(f"{self.child_path}/export")
        assert export.status_code == 200, export.get_json()
        seen = export.get_json()
        seen.pop("exported_at")
        for size in ("full", "thumb"):
            picture = me.get(f"/api/v1/media/{self.picture_id}", query_string={"size": size})
            assert picture.status_code == 200
            seen[f"picture_{size}"] = base64.b64encode(picture.data).decode()
        return seen


def client_for(app: Flask, login: Login) -> ApiClient:
    api = ApiClient(app.test_client(), app)
    assert api.login(login).status_code == 201
    return api


def settings_of(app: Flask) -> Any:
    return app.config["ALLABOUTME_SETTINGS"]


@pytest.fixture(scope="session")
def spare_postgres() -> Iterator[tuple[str, str] | None]:
    """A second pair of PostgreSQL databases to restore into, created once per run."""
    if not backends.postgres_available()[0]:
        yield None
        return
    pair = [backends.ThrowawayPostgres.create(p) for p in ("aam_restore", "aam_restore_ks")]
    try:
        yield pair[0].url, pair[1].url
    finally:
        for database in pair:
            database.drop()


def _wipe(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def clean_urls(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> tuple[str, str]:
    """(data URL, key store URL) of new, empty databases: nothing in them, not even tables."""
    if backend == "sqlite":
        folder = tmp_path / "restored"
        return f"sqlite:///{folder / 'data.sqlite3'}", f"sqlite:///{folder / 'keys.sqlite3'}"
    pair = request.getfixturevalue("spare_postgres")
    if pair is None:
        pytest.skip("PostgreSQL not available here")
    for url in pair:
        _wipe(url)
    return pair


@contextmanager
def clean_instance(
    urls: tuple[str, str], tmp_path: Path, source: Flask, *, with_schema: bool = False
) -> Iterator[Flask]:
    """A second instance on ``urls``, sharing the source's key files.

    ``with_schema`` creates the tables first, as ``db upgrade`` would: empty, but there.
    """
    folder = tmp_path / "restored"
    folder.mkdir(exist_ok=True)
    shared = settings_of(source)
    settings = make_settings(
        folder,
        *urls,
        root_key_file=shared.root_key_file,
        audit_signing_key_file=shared.audit_signing_key_file,
    )
    restored = create_app({"ALLABOUTME_SETTINGS": settings, "TESTING": True})
    try:
        if with_schema:
            with restored.app_context():
                metadata.create_all(db.database().engine)
                encryption.vault().create_schema()
        yield restored
    finally:
        with restored.app_context():
            db.database().dispose()
            encryption.vault().keystore.engine.dispose()


def invoke(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=list(args))


def event_ids(app: Flask) -> set[str]:
    with app.app_context():
        return set(db.session().scalars(select(AuditEvent.id)))


def root_key_material(app: Flask) -> list[bytes]:
    keys = json.loads(settings_of(app).root_key_file.read_text())["keys"].values()
    return [form for key in keys for form in (key.encode(), base64.b64decode(key))]


def test_restored_instance_opens_every_record_and_its_audit_chains_verify(
    app, factory, clean_urls, tmp_path
):
    world = World(app, factory)
    before = world.everything_seen_by_the_child(app)
    assert CANARY in json.dumps(before) and len(before["profile_versions"]) == 4
    assert before["pictures"][0]["caption"] == f"{CANARY}-caption"
    events_backed_up = event_ids(app)
    folder = tmp_path / "backup"

    made = invoke(app, "backup", "create", str(folder))

    assert made.exit_code == 0, made.output
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["artefacts"]) == {"data", "keystore"}
    assert "root key" in manifest["not_included"]["root_key"]
    artefacts = [folder / listed["file"] for listed in manifest["artefacts"].values()]
    for listed, path in zip(manifest["artefacts"].values(), artefacts, strict=True):
        assert hashlib.sha256(path.read_bytes()).hexdigest() == listed["sha256"]
        assert path.stat().st_mode & 0o077 == 0
    stored = b"".join(path.read_bytes() for path in artefacts)
    assert [key for key in root_key_material(app) if key in stored] == []
    assert CANARY.encode() not in stored
    with clean_instance(clean_urls, tmp_path, app) as restored:
        result = invoke(restored, "backup", "restore", str(folder))
        assert result.exit_code == 0, result.output

        assert world.everything_seen_by_the_child(restored) == before
        worker = client_for(restored, world.worker)  # the worker's TOTP secret opens too
        shared = worker.get(f"{world.child_path}/profile").get_json()["sections"]
        assert CANARY in json.dumps(shared["likes"])
        verified = invoke(restored, "audit", "verify")
        assert verified.exit_code == 0, verified.output
        assert "audit log intact" in verified.output
        assert events_backed_up <= event_ids(restored)


def sealed_reads(child_id: str, worker_id: str) -> list[Callable[[], object]]:
    """One read per sealed value of the world: name, each profile version, picture, TOTP."""
    session, now = db.session(), db.utcnow()
    child = session.get(Child, child_id)
    me = session.scalar(select(User).where(User.child_id == child_id))
    worker = session.get(User, worker_id)
    reads: list[Callable[[], object]] = [
        lambda: children.preferred_name(child),
        lambda: mfa.verify_code(worker, "000000", now=now),
        lambda: media.list_media(me, child_id, limit=10),
    ]
    for version in range(1, profiles.current_version(child_id) + 1):
        reads.append(lambda v=version: profiles.read_profile(me, child_id, now=now, version=v))
    for item in session.scalars(select(MediaItem).where(MediaItem.child_id == child_id)):
        for thumbnail in (False, True):
            reads.append(
                lambda i=item.id, t=thumbnail: media.read_media(me, i, thumbnail=t, now=now)
            )
    return reads


def test_data_backup_without_the_key_store_decrypts_nothing(
    app, factory, backend, clean_urls, tmp_path
):
    world = World(app, factory)
    with app.app_context():
        working = sealed_reads(world.child.id, world.worker.user_id)
        for read in working:
            read()  # each opens with the key store
    data_folder, key_folder = tmp_path / "data-backup", tmp_path / "key-backup"

    made = invoke(app, "backup", "create", str(data_folder), "--keystore-dir", str(key_folder))

    assert made.exit_code == 0, made.output
    data_file = "data.sqlite3" if backend == "sqlite" else "data.pgdump"
    assert sorted(path.name for path in data_folder.iterdir()) == [data_file, "manifest.json"]
    raw = b"".join(path.read_bytes() for path in data_folder.iterdir())
    assert world.child_login.username.encode() in raw  # plain columns show: the search works
    assert raw.count(CANARY.encode()) == 0
    with clean_instance(clean_urls, tmp_path, app, with_schema=True) as restored:
        result = invoke(restored, "backup", "restore", str(data_folder), "--data-only")
        assert result.exit_code == 0, result.output
        with restored.app_context():
            reads = sealed_reads(world.child.id, world.worker.user_id)
            for read in reads:
                with pytest.raises(KeyNotFoundError):
                    read()
            children_restored = db.session().scalar(select(func.count()).select_from(Child))
    assert len(reads) == len(working) == 9
    assert children_restored == 1


def test_restore_checks_the_backup_and_will_not_overwrite_data_unasked(
    app, factory, clean_urls, tmp_path
):
    worker = factory.user("social_worker")
    factory.child(worker, name="Kept")
    folder = tmp_path / "backup"
    assert invoke(app, "backup", "create", str(folder)).exit_code == 0
    again = invoke(app, "backup", "create", str(folder))
    assert again.exit_code != 0 and "not empty" in again.output
    factory.child(worker, name="Added after the backup")

    refused = invoke(app, "backup", "restore", str(folder))
    assert refused.exit_code != 0 and "--force" in refused.output
    assert count_children(app) == 2
    forced = invoke(app, "backup", "restore", str(folder), "--force")
    assert forced.exit_code == 0, forced.output
    assert count_children(app) == 1

    manifest = json.loads((folder / "manifest.json").read_text())
    damaged = folder / manifest["artefacts"]["keystore"]["file"]
    content = bytearray(damaged.read_bytes())
    content[len(content) // 2] ^= 0x01
    damaged.write_bytes(bytes(content))
    with clean_instance(clean_urls, tmp_path, app) as restored:
        result = invoke(restored, "backup", "restore", str(folder))
        assert result.exit_code != 0 and "checksum" in result.output
        settings = settings_of(restored)
        assert not backups.holds_data(settings.database_url)
        assert not backups.holds_data(settings.keystore_url)


def count_children(app: Flask) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(Child))


@pytest.fixture
def service_role() -> Iterator[str]:
    """An ordinary PostgreSQL role, as the service connects with: row-level security applies."""
    available, reason = backends.postgres_available()
    if not available:
        if backends.is_required("ALLABOUTME_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required but unusable: {reason}")
        pytest.skip("row-level security is PostgreSQL's")
    role = f"aam_backup_{uuid.uuid4().hex[:8]}"
    server = create_engine(backends.postgres_server_url(), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f"CREATE ROLE {role} LOGIN"))
    try:
        yield role
    finally:
        with server.connect() as connection:
            connection.execute(text(f"DROP ROLE IF EXISTS {role}"))
        server.dispose()


@contextmanager
def owned_instance(role: str, folder: Path, root_key_file: Path | None = None) -> Iterator[Flask]:
    """An instance on a new database that ``role`` owns, its key store a SQLite file."""
    database = backends.ThrowawayPostgres.create("aam_rls_backup")
    admin = create_engine(database.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{database.name}" OWNER TO {role}'))
    admin.dispose()
    as_role = make_url(database.url).set(username=role).render_as_string(hide_password=False)
    keys = {"root_key_file": root_key_file} if root_key_file else {}
    settings = make_settings(folder, as_role, f"sqlite:///{folder / 'keys.sqlite3'}", **keys)
    instance = create_app({"ALLABOUTME_SETTINGS": settings, "TESTING": True})
    try:
        yield instance
    finally:
        with instance.app_context():
            db.database().dispose()
        database.drop()


def test_the_service_role_backs_up_and_restores_every_row_under_row_level_security(
    service_role, tmp_path
):
    (tmp_path / "source").mkdir()
    (tmp_path / "target").mkdir()
    with owned_instance(service_role, tmp_path / "source") as source:
        with source.app_context():
            command.upgrade(alembic_config(), "head")  # the policies come with the migrations
            encryption.vault().create_schema()
        factory = Factory(source)
        worker = factory.user("social_worker")
        child, login = factory.child(worker, with_login=True)
        assert login is not None
        path = f"/api/v1/children/{child.id}/profile"
        answers = sample_answers("likes", text=CANARY)
        saved = client_for(source, login).put(
            f"{path}/sections/likes",
            json={"answers": answers, "language": "en"},
            headers={"If-Match": '"0"'},
        )
        assert saved.status_code == 200, saved.get_json()
        made = invoke(source, "backup", "create", str(tmp_path / "backup"))
        assert made.exit_code == 0, made.output
        root_key_file = settings_of(source).root_key_file
        with owned_instance(service_role, tmp_path / "target", root_key_file) as target:
            result = invoke(target, "backup", "restore", str(tmp_path / "backup"))
            assert result.exit_code == 0, result.output
            profile = client_for(target, login).get(path)
            assert profile.status_code == 200, profile.get_json()
            assert profile.get_json()["sections"]["likes"]["answers"] == answers
