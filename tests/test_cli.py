"""The command line of API.md."""

from __future__ import annotations

from allaboutme import db
from allaboutme.accounts import services as accounts
from allaboutme.accounts.models import Organisation, User
from allaboutme.referrals import requests
from allaboutme.referrals.models import Referral


def test_create_org_and_user_from_standard_input(app, runner):
    made = runner.invoke(args=["create-org", "--kind", "local_authority", "Sutton"])
    assert made.exit_code == 0, made.output
    org_id = made.output.strip()
    user = runner.invoke(
        args=["create-user", "--org", "Sutton", "--role", "social_worker", "sam.worker"],
        input="a-long-enough-secret\n",
    )
    assert user.exit_code == 0, user.output
    with app.app_context():
        stored = db.session().get(User, user.output.strip())
        assert stored.org_id == org_id and stored.role == "social_worker"
        assert "a-long-enough-secret" not in stored.password_hash


def test_create_user_rejects_a_weak_password_and_a_wrong_role(app, runner):
    runner.invoke(args=["create-org", "--kind", "provider", "Sunrise"])
    weak = runner.invoke(
        args=["create-user", "--org", "Sunrise", "--role", "provider", "pat"], input="short\n"
    )
    assert weak.exit_code != 0
    assert "password" in weak.output
    wrong = runner.invoke(
        args=["create-user", "--org", "Sunrise", "--role", "social_worker", "pat"],
        input="a-long-enough-secret\n",
    )
    assert wrong.exit_code != 0
    with app.app_context():
        assert db.session().query(User).count() == 0


def test_seed_demo_prints_every_login_and_is_repeatable(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    for username in ("demo.worker", "demo.admin", "demo.framework", "demo.sunrise", "demo.child"):
        assert username in first.output
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    with app.app_context():
        # the authority, the framework and five providers, three of them without staff logins
        assert db.session().query(Organisation).count() == 7
        assert db.session().query(User).count() == 6
        assert db.session().query(Referral).count() == 1


def test_the_demo_child_is_asked_about_two_homes(app, runner):
    runner.invoke(args=["seed-demo"])
    with app.app_context():
        child = accounts.find_user_by_username("demo.child")
        (request,) = requests.open_requests(child)
        assert sorted(home.name for home in request.homes) == [
            "Riverside Foster Care",
            "Sunrise Fostering",
        ]


def test_demo_child_can_log_in(app, runner, client):
    runner.invoke(args=["seed-demo"])
    response = client.post("/api/v1/session", json={"username": "demo.child", "password": "493817"})
    assert response.status_code == 201
