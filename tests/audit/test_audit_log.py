"""Events are written with the change, and `audit verify` catches any tampering."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

from allaboutme import db
from allaboutme.accounts import services as accounts
from allaboutme.accounts.models import User
from allaboutme.audit.models import AuditEvent, AuditHead
from tests.factories import ApiClient


def _activity(app, factory):
    """A worker logs in, adds two children and invites one: several events in one chain."""
    authority = factory.organisation("local_authority")
    worker = factory.user("social_worker", authority)
    api = ApiClient(app.test_client(), app)
    api.login(worker)
    first = api.post(
        "/api/v1/children", json={"preferred_name": "Ana", "date_of_birth": "2012-01-01"}
    )
    api.post("/api/v1/children", json={"preferred_name": "Ben", "date_of_birth": "2012-01-01"})
    api.post(f"/api/v1/children/{first.get_json()['id']}/invites")
    return authority


def _events(app, chain):
    with app.app_context():
        return list(
            db.session().scalars(
                select(AuditEvent).where(AuditEvent.chain == chain).order_by(AuditEvent.sequence)
            )
        )


def test_actions_are_recorded_without_content(app, factory):
    authority = _activity(app, factory)
    setup = {"mfa.enrolment_started", "user.create"}  # the factory's own doing
    events = [e for e in _events(app, authority.id) if e.action not in setup]
    assert [e.action for e in events] == [
        "login",
        "child.create",
        "child.create",
        "invitation.issue",
    ]
    assert all(e.request_id for e in events)
    assert events[1].auth_strength == "password+totp"
    assert "Ana" not in repr([vars(e) for e in events])


def test_failed_login_is_recorded_even_though_the_request_rolled_back(app, factory, client):
    worker = factory.user("social_worker")
    client.post(
        "/api/v1/session", json={"username": worker.username, "password": "wrong-wrong-wrong"}
    )
    with app.app_context():
        denied = (
            db.session().scalars(select(AuditEvent).where(AuditEvent.outcome == "denied")).all()
        )
    assert [(e.action, e.reason) for e in denied] == [("login", "wrong_secret")]


def test_a_failed_write_leaves_no_event(app, factory):
    authority = factory.organisation("local_authority")
    worker = factory.user("social_worker", authority)
    api = ApiClient(app.test_client(), app)
    api.login(worker)
    bad = api.post(
        "/api/v1/children", json={"preferred_name": "Ana", "date_of_birth": "2001-01-01"}
    )
    assert bad.status_code == 422
    actions = [e.action for e in _events(app, authority.id)]
    assert actions == ["user.create", "mfa.enrolment_started", "login"]  # factory, then login


def _verify(runner):
    return runner.invoke(args=["audit", "verify"])


def test_admin_actions_and_key_rotation_are_recorded(app, factory, runner):
    authority = factory.organisation("local_authority")
    worker = factory.user("social_worker", authority)
    with app.app_context():
        user = db.session().get(User, worker.user_id)
        accounts.deactivate_user(user)
        db.session().commit()
    assert runner.invoke(args=["keys", "rotate", "--authority", authority.id]).exit_code == 0
    actions = [e.action for e in _events(app, authority.id)]
    assert actions[-2:] == ["user.deactivate", "keys.rotate"]


def test_verify_passes_on_an_untouched_log(app, factory, runner):
    _activity(app, factory)
    result = _verify(runner)
    assert result.exit_code == 0, result.output
    assert "intact" in result.output


TAMPERING = {
    "edited": lambda chain: (
        update(AuditEvent)
        .where(AuditEvent.chain == chain, AuditEvent.sequence == 2)
        .values(actor_user_id="someone-else")
    ),
    "deleted": lambda chain: delete(AuditEvent).where(
        AuditEvent.chain == chain, AuditEvent.sequence == 2
    ),
    "reordered": lambda chain: (
        update(AuditEvent)
        .where(AuditEvent.chain == chain, AuditEvent.sequence.in_([2, 3]))
        .values(sequence=5 - AuditEvent.sequence)
    ),
}


@pytest.mark.parametrize("kind", sorted(TAMPERING))
def test_verify_names_the_first_bad_entry(app, factory, runner, kind):
    authority = _activity(app, factory)
    with app.app_context():
        if kind == "reordered":
            db.session().execute(
                update(AuditEvent)
                .where(AuditEvent.chain == authority.id, AuditEvent.sequence == 2)
                .values(sequence=-2)
            )
            db.session().execute(
                update(AuditEvent)
                .where(AuditEvent.chain == authority.id, AuditEvent.sequence == 3)
                .values(sequence=2)
            )
            db.session().execute(
                update(AuditEvent)
                .where(AuditEvent.chain == authority.id, AuditEvent.sequence == -2)
                .values(sequence=3)
            )
        else:
            db.session().execute(TAMPERING[kind](authority.id))
        db.session().commit()
    result = _verify(runner)
    assert result.exit_code != 0
    assert "BROKEN at entry 2" in result.output


def test_inserted_entry_is_caught(app, factory, runner):
    authority = _activity(app, factory)
    with app.app_context():
        events = _events(app, authority.id)
        db.session().execute(
            update(AuditEvent)
            .where(AuditEvent.chain == authority.id, AuditEvent.sequence >= 3)
            .values(sequence=AuditEvent.sequence + 100)
        )
        forged = AuditEvent(
            chain=authority.id,
            sequence=3,
            action="child.create",
            previous_hash=events[1].hash,
            hash="f" * 64,
            at=events[1].at,
        )
        db.session().add(forged)
        db.session().commit()
    result = _verify(runner)
    assert result.exit_code != 0
    assert "BROKEN at entry 3" in result.output


def test_truncation_after_a_checkpoint_is_caught(app, factory, runner):
    authority = _activity(app, factory)
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    with app.app_context():
        db.session().execute(
            delete(AuditEvent).where(AuditEvent.chain == authority.id, AuditEvent.sequence >= 3)
        )
        db.session().execute(
            update(AuditHead).where(AuditHead.chain == authority.id).values(sequence=2)
        )
        db.session().commit()
    result = _verify(runner)
    assert result.exit_code != 0
    assert "BROKEN at entry 3" in result.output
    assert "truncated" in result.output
