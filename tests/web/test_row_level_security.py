"""Tenant isolation in PostgreSQL itself: row-level security keyed on the authority.

The service connects as an ordinary role (never a superuser, who bypasses every
policy). Scoped to one authority, that role sees and writes only its rows of
every table holding child data, however a query is written; and the service's
own journeys still work through the policies.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError

from allaboutme import create_app, db, encryption
from allaboutme.cli import alembic_config
from allaboutme.models import metadata
from tests import backends
from tests.conftest import make_settings
from tests.factories import ApiClient, Factory

pytestmark = pytest.mark.skipif(
    not backends.postgres_available()[0]
    and not backends.is_required("ALLABOUTME_REQUIRE_POSTGRES"),
    reason="row-level security is PostgreSQL's",
)
# Columns that tie a row to a child or an authority: a table with one holds child data.
TIED = {"child_id", "child_ref", "authority_id", "chain", "referral_id", "packet_id"}
EXEMPT = {
    "users": "accounts, not child content: a child's access log names provider staff, "
    "so names are read across authorities; the services scope every lookup",
}


@pytest.fixture(scope="module")
def migrated() -> Iterator[tuple[str, str]]:
    """A database built by the migrations, and an ordinary role allowed to use it."""
    database = backends.ThrowawayPostgres.create("aam_rls")
    role = f"aam_app_{uuid.uuid4().hex[:8]}"
    owner = create_engine(database.url, isolation_level="AUTOCOMMIT")
    with owner.connect() as connection:
        connection.execute(text(f"CREATE ROLE {role} LOGIN"))
        connection.execute(text(f"GRANT ALL ON SCHEMA public TO {role}"))
    owner.dispose()
    restricted = make_url(database.url).set(username=role, password=None)
    try:
        yield database.url, restricted.render_as_string(hide_password=False)
    finally:
        database.drop()
        cleanup = create_engine(backends.postgres_server_url(), isolation_level="AUTOCOMMIT")
        with cleanup.connect() as connection:
            connection.execute(text(f"DROP ROLE IF EXISTS {role}"))
        cleanup.dispose()


def _app(url: str, tmp_path: Path) -> Flask:
    settings = make_settings(tmp_path, url, f"sqlite:///{tmp_path / 'keys.sqlite3'}")
    application = create_app({"ALLABOUTME_SETTINGS": settings, "TESTING": True})
    with application.app_context():
        encryption.vault().create_schema()
    return application


@pytest.fixture(scope="module")
def service(migrated, tmp_path_factory) -> Flask:
    """The app connected as the ordinary role, over the migrated schema."""
    owner_url, role_url = migrated
    folder = tmp_path_factory.mktemp("rls")
    owner_app = _app(owner_url, folder)
    with owner_app.app_context():
        command.upgrade(alembic_config(), "head")
        role = make_url(role_url).username
        connection = db.session().connection()
        connection.execute(text(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}"))
        connection.execute(text(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}"))
        db.session().commit()
        db.database().dispose()
    return _app(role_url, folder)


def test_every_table_with_child_data_has_a_forced_policy(migrated, service):
    tied = {t.name for t in metadata.sorted_tables if TIED & {c.name for c in t.columns}}
    engine = create_engine(migrated[0])
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
                "(SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname) "
                "FROM pg_class c WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace"
            )
        ).all()
    engine.dispose()
    protected = {
        name for name, enabled, forced, policies in rows if enabled and forced and policies
    }
    assert tied - set(EXEMPT) <= protected, sorted(tied - set(EXEMPT) - protected)
    assert "children" in protected and "profile_sections" in protected


def _two_authorities(service: Flask) -> tuple[dict, dict]:
    factory = Factory(service)
    worlds = []
    for _ in range(2):
        worker = factory.user("social_worker")
        child, child_login = factory.child(worker, with_login=True)
        worlds.append({"worker": worker, "child": child, "child_login": child_login})
    return worlds[0], worlds[1]


def _client(service: Flask, login) -> ApiClient:
    client = ApiClient(service.test_client(), service)
    assert client.login(login).status_code == 201
    return client


def test_journeys_work_through_the_policies_and_stop_at_the_authority(service):
    mine, theirs = _two_authorities(service)
    child = _client(service, mine["child_login"])
    written = child.put(
        f"/api/v1/children/{mine['child'].id}/profile/sections/about_me",
        json={"answers": {"name": "Kit"}, "language": "en"},
        headers={"If-Match": '"0"'},
    )
    assert written.status_code == 200, written.get_json()
    assert child.get(f"/api/v1/children/{mine['child'].id}/profile").status_code == 200

    worker = _client(service, mine["worker"])
    listed = worker.get("/api/v1/children").get_json()["items"]
    assert [item["id"] for item in listed] == [mine["child"].id]
    assert worker.post(f"/api/v1/children/{theirs['child'].id}/invites").status_code == 404


def test_a_scoped_connection_sees_and_writes_only_its_authority(service, migrated):
    mine, theirs = _two_authorities(service)
    with service.app_context():
        authority = (
            db.session()
            .execute(
                text("SELECT authority_id FROM children WHERE id = :id"), {"id": mine["child"].id}
            )
            .scalar_one()
        )
    engine = create_engine(migrated[1])
    with engine.connect() as connection:

        def scoped(tenant: str) -> set[str]:
            connection.execute(
                text("SELECT set_config('allaboutme.tenant', :t, false)"), {"t": tenant}
            )
            return set(connection.execute(text("SELECT id FROM children")).scalars())

        assert mine["child"].id in scoped(authority)
        assert theirs["child"].id not in scoped(authority)
        assert scoped("") == set()
        assert {mine["child"].id, theirs["child"].id} <= scoped("*")
        scoped(authority)
        other = connection.execute(
            text("SELECT authority_id FROM children WHERE id = :id"), {"id": theirs["child"].id}
        ).scalar()
        assert other is None
        with pytest.raises(DBAPIError, match="row-level security"):
            connection.execute(
                text("UPDATE children SET authority_id = 'elsewhere' WHERE id = :id"),
                {"id": mine["child"].id},
            )
        connection.rollback()
    engine.dispose()
