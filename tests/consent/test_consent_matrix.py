"""Every content endpoint x every consent state: 0 unexpected allows, 0 unexpected denies."""

from __future__ import annotations

from datetime import timedelta

import pytest

from allaboutme import db
from allaboutme.consent.models import ConsentGrant
from tests.consent.test_consent_api import World

# consent state -> (who is asking, status of GET profile)
STATES = {
    "none": ("sunrise", 404),
    "active": ("sunrise", 200),
    "expired": ("sunrise", 404),
    "revoked": ("sunrise", 404),
    "other_audience": ("oakwood", 404),
    "other_authority_worker": ("outsider", 404),
    "allocated_worker_with_worker_grant": ("worker", 200),
}
# endpoints only the child (or an admin) may use: never opened by consent
CHILD_ONLY = ("/profile/versions", "/profile/versions/1", "/export", "/consents")


def _prepare(app, factory, world, state):
    if state == "none":
        return
    audience = {"kind": "provider", "org_id": world.sunrise_org.id}
    if state == "allocated_worker_with_worker_grant":
        audience = {"kind": "social_worker"}
    grant = world.share(audience, ["likes", "worries"]).get_json()
    with app.app_context():
        stored = db.session().get(ConsentGrant, grant["id"])
        if state == "expired":
            stored.expires_at = db.utcnow() - timedelta(minutes=1)
        if state == "revoked":
            stored.revoked_at = db.utcnow() - timedelta(minutes=1)
        db.session().commit()


@pytest.mark.parametrize("state", sorted(STATES))
def test_content_endpoints_follow_consent(app, factory, state):
    world = World(app, factory)
    _prepare(app, factory, world, state)
    who, expected = STATES[state]
    logins = {
        "sunrise": world.sunrise,
        "oakwood": world.oakwood,
        "worker": world.worker,
        "outsider": factory.user("social_worker"),
    }
    api = world.client(logins[who])
    base = f"/api/v1/children/{world.child.id}"
    unexpected = []
    profile = api.get(base + "/profile")
    if profile.status_code != expected:
        unexpected.append(f"profile: {profile.status_code} != {expected}")
    if expected == 200 and set(profile.get_json()["sections"]) != {"likes", "worries"}:
        unexpected.append(f"profile shows {sorted(profile.get_json()['sections'])}")
    for path in CHILD_ONLY:
        status = api.get(base + path).status_code
        allowed = who == "worker" and path == "/consents"
        if (status == 200) != allowed:
            unexpected.append(f"{path}: {status}")
    assert unexpected == []
