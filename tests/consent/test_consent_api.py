"""The child shares sections, sees receipts, changes their mind; others see only that."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import OperationalError

from allaboutme import db
from allaboutme.audit.models import AuditEvent
from allaboutme.consent import services as consent_services
from allaboutme.consent.models import ConsentGrant
from tests.factories import ApiClient
from tests.profiles.answers_for_tests import sample_answers


class World:
    def __init__(self, app, factory):
        self.app = app
        authority = factory.organisation("local_authority")
        self.worker = factory.user("social_worker", authority)
        self.colleague = factory.user("social_worker", authority)
        self.admin = factory.user("la_admin", authority)
        self.sunrise_org = factory.organisation("provider", "Sunrise Fostering")
        self.sunrise = factory.user("provider", self.sunrise_org)
        self.oakwood = factory.user("provider")
        self.child, child_login = factory.child(self.worker, with_login=True)
        self.me = self.client(child_login)
        for version, key in enumerate(("likes", "worries", "aspirations")):
            response = self.me.put(
                f"/api/v1/children/{self.child.id}/profile/sections/{key}",
                json={"answers": sample_answers(key), "language": "en"},
                headers={"If-Match": f'"{version}"'},
            )
            assert response.status_code == 200

    def client(self, login):
        api = ApiClient(self.app.test_client(), self.app)
        assert api.login(login).status_code == 201
        return api

    def share(self, audience, sections, **extra):
        return self.me.post(
            f"/api/v1/children/{self.child.id}/consents",
            json={"audience": audience, "sections": sections, **extra},
        )

    def profile_as(self, api):
        return api.get(f"/api/v1/children/{self.child.id}/profile")


def test_nothing_is_shared_by_default(app, factory):
    world = World(app, factory)
    for login in (world.worker, world.sunrise, world.admin):
        assert world.profile_as(world.client(login)).status_code == 404


def test_provider_sees_exactly_the_sections_shared_with_it(app, factory):
    world = World(app, factory)
    created = world.share(
        {"kind": "provider", "org_id": world.sunrise_org.id},
        ["likes", "aspirations"],
        purpose="placement",
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["receipt"]["text"].startswith("You said Sunrise Fostering can see:")
    assert "Things I like" in body["receipt"]["text"]
    record = body["receipt"]["record"]
    assert record["data"] == ["likes", "aspirations"] and record["state"] == "active"
    assert record["notice"]["version"] and record["events"][0]["type"] == "given"
    sunrise = world.client(world.sunrise)
    seen = world.profile_as(sunrise).get_json()
    assert set(seen["sections"]) == {"likes", "aspirations"}
    assert world.profile_as(world.client(world.oakwood)).status_code == 404
    assert world.profile_as(world.client(world.worker)).status_code == 404


def test_revoking_cuts_off_at_the_next_request(app, factory):
    world = World(app, factory)
    grant = world.share({"kind": "provider", "org_id": world.sunrise_org.id}, ["likes"]).get_json()
    sunrise = world.client(world.sunrise)
    assert world.profile_as(sunrise).status_code == 200
    revoked = world.me.delete(f"/api/v1/children/{world.child.id}/consents/{grant['id']}")
    assert revoked.status_code == 204
    assert world.profile_as(sunrise).status_code == 404
    listed = world.me.get(f"/api/v1/children/{world.child.id}/consents").get_json()["items"]
    assert listed[0]["state"] == "withdrawn"
    assert listed[0]["receipt"]["text"].startswith("You stopped Sunrise Fostering seeing")


def test_allocated_worker_sees_what_the_child_shares_with_their_worker(app, factory):
    world = World(app, factory)
    world.share({"kind": "social_worker"}, ["worries"])
    seen = world.profile_as(world.client(world.worker)).get_json()
    assert list(seen["sections"]) == ["worries"]
    assert world.profile_as(world.client(world.colleague)).status_code == 404


def test_expired_grant_shows_nothing(app, factory):
    world = World(app, factory)
    soon = (db.utcnow() + timedelta(seconds=1)).isoformat()
    world.share({"kind": "provider", "org_id": world.sunrise_org.id}, ["likes"], expires_at=soon)
    with app.app_context():
        grant = db.session().query(ConsentGrant).one()
        grant.expires_at = db.utcnow() - timedelta(seconds=1)
        db.session().commit()
    assert world.profile_as(world.client(world.sunrise)).status_code == 404


def test_bad_grants_are_refused_and_nothing_is_stored(app, factory):
    world = World(app, factory)
    past = (db.utcnow() - timedelta(days=1)).isoformat()
    local_authority = factory.organisation("local_authority")
    cases = [
        ({"kind": "provider", "org_id": world.sunrise_org.id}, ["nope"], {}),
        ({"kind": "provider", "org_id": world.sunrise_org.id}, [], {}),
        ({"kind": "provider", "org_id": "0" * 32}, ["likes"], {}),
        ({"kind": "provider", "org_id": local_authority.id}, ["likes"], {}),
        ({"kind": "provider"}, ["likes"], {}),
        ({"kind": "stranger"}, ["likes"], {}),
        ({"kind": "provider", "org_id": world.sunrise_org.id}, ["likes"], {"expires_at": past}),
        ({"kind": "provider", "org_id": world.sunrise_org.id}, ["likes"], {"purpose": "selling"}),
    ]
    for audience, sections, extra in cases:
        response = world.share(audience, sections, **extra)
        assert response.status_code == 422, (audience, sections, extra, response.get_json())
    assert world.me.get(f"/api/v1/children/{world.child.id}/consents").get_json()["items"] == []


def test_only_the_child_grants_and_revokes(app, factory):
    world = World(app, factory)
    grant = world.share({"kind": "social_worker"}, ["likes"]).get_json()
    worker = world.client(world.worker)
    assert (
        worker.post(
            f"/api/v1/children/{world.child.id}/consents",
            json={"audience": {"kind": "social_worker"}, "sections": ["worries"]},
        ).status_code
        == 403
    )
    assert (
        worker.delete(f"/api/v1/children/{world.child.id}/consents/{grant['id']}").status_code
        == 403
    )
    assert world.me.delete(f"/api/v1/children/{world.child.id}/consents/unknown").status_code == 404


def test_access_log_lists_who_looked_in_plain_words(app, factory):
    world = World(app, factory)
    world.share({"kind": "provider", "org_id": world.sunrise_org.id}, ["likes"])
    world.profile_as(world.client(world.sunrise))
    admin = world.client(world.admin)
    checked = admin.post(
        f"/api/v1/children/{world.child.id}/safeguarding-reads",
        json={"reason": "Concern raised by school on 3 March; checking wellbeing."},
    )
    assert checked.status_code == 200
    assert set(checked.get_json()["sections"]) == {"likes", "worries", "aspirations"}
    log = world.me.get(f"/api/v1/children/{world.child.id}/access-log").get_json()["items"]
    assert [entry["action"] for entry in log] == ["profile.read.safeguarding", "profile.read"]
    assert log[1]["viewer"]["org_name"] == "Sunrise Fostering"
    assert log[1]["sections"] == ["likes"]
    assert log[0]["is_safeguarding"] is True
    worker_view = world.client(world.worker).get(f"/api/v1/children/{world.child.id}/access-log")
    assert worker_view.status_code == 200


def test_safeguarding_read_needs_a_reason_and_an_admin(app, factory):
    world = World(app, factory)
    admin = world.client(world.admin)
    short = admin.post(
        f"/api/v1/children/{world.child.id}/safeguarding-reads", json={"reason": "x"}
    )
    assert short.status_code == 422
    outsider = world.client(factory.user("la_admin"))
    assert (
        outsider.post(
            f"/api/v1/children/{world.child.id}/safeguarding-reads",
            json={"reason": "A long enough reason for the record."},
        ).status_code
        == 404
    )


def test_denied_reads_are_audited(app, factory):
    world = World(app, factory)
    world.profile_as(world.client(world.sunrise))
    with app.app_context():
        denied = db.session().query(AuditEvent).filter_by(outcome="denied", action="profile.read")
        assert denied.count() == 1


def test_a_database_error_mid_grant_leaves_neither_grant_nor_event(app, factory, monkeypatch):
    world = World(app, factory)
    with app.app_context():
        events_before = db.session().query(AuditEvent).count()

    def failing_record(**_event):
        raise OperationalError("INSERT INTO audit_events", {}, Exception("disk I/O error"))

    monkeypatch.setattr(consent_services.audit, "record", failing_record)
    response = world.share({"kind": "social_worker"}, ["likes"])
    assert response.status_code == 503
    assert "audit_events" not in response.get_data(as_text=True)
    monkeypatch.undo()
    with app.app_context():
        assert db.session().query(ConsentGrant).count() == 0
        assert db.session().query(AuditEvent).count() == events_before
