"""Who may call what: every route so far x every role and relationship.

One table says what each actor should get; the test runs every cell and lists
every unexpected allow or deny. Cross-authority and unallocated answers must be
404, indistinguishable from a child who does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from allaboutme import db
from allaboutme.accounts import services as accounts
from allaboutme.accounts.models import User
from tests.factories import ApiClient

ACTORS = (
    "anonymous",
    "child_own",
    "child_other",
    "worker_allocated",
    "worker_same_authority",
    "worker_other_authority",
    "admin_same_authority",
    "admin_other_authority",
    "provider",
    "provider_other",
    "framework_admin",
    "deactivated_worker",
)


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: dict | None = None


STAFF_OF_AUTHORITIES = (
    "worker_allocated",
    "worker_same_authority",
    "worker_other_authority",
    "admin_same_authority",
    "admin_other_authority",
)
# A referral is its authority's: the allocated worker and the administrator read it.
REFERRAL_READERS = {
    "anonymous": 401,
    "deactivated_worker": 401,
    "worker_allocated": 200,
    "worker_same_authority": 404,
    "worker_other_authority": 404,
    "admin_same_authority": 200,
    "admin_other_authority": 404,
}
REFERRAL_WORKERS = {
    "anonymous": 401,
    "deactivated_worker": 401,
    "worker_same_authority": 404,
    "worker_other_authority": 404,
}
# A packet is its recipient's: any other provider is told it does not exist.
PACKET_READERS = {
    "anonymous": 401,
    "deactivated_worker": 401,
    "provider": 200,
    "provider_other": 404,
}

# endpoint -> expected status per actor (missing actors: the default for that row)
MATRIX: dict[str, tuple[Call, int, dict[str, int]]] = {
    "read session": (
        Call("GET", "/api/v1/session"),
        200,
        {"anonymous": 401, "deactivated_worker": 401},
    ),
    "list children": (
        Call("GET", "/api/v1/children"),
        403,
        {
            "anonymous": 401,
            "deactivated_worker": 401,
            "worker_allocated": 200,
            "worker_same_authority": 200,
            "worker_other_authority": 200,
            "admin_same_authority": 200,
            "admin_other_authority": 200,
        },
    ),
    "add child": (
        Call("POST", "/api/v1/children", {"preferred_name": "Kit", "date_of_birth": "2012-02-02"}),
        403,
        {
            "anonymous": 401,
            "deactivated_worker": 401,
            "worker_allocated": 201,
            "worker_same_authority": 201,
            "worker_other_authority": 201,
        },
    ),
    "invite child": (
        Call("POST", "/api/v1/children/{child}/invites"),
        403,
        {
            "anonymous": 401,
            "deactivated_worker": 401,
            "worker_allocated": 201,
            "worker_same_authority": 404,
            "worker_other_authority": 404,
        },
    ),
    "list providers": (
        Call("GET", "/api/v1/providers"),
        200,
        {"anonymous": 401, "deactivated_worker": 401, "child_own": 403, "child_other": 403},
    ),
    "add a provider": (
        Call("POST", "/api/v1/providers", {"name": "X"}),
        403,
        {"anonymous": 401, "deactivated_worker": 401, "framework_admin": 422},
    ),
    "list the child's pictures": (
        Call("GET", "/api/v1/children/{child}/media"),
        403,
        {"anonymous": 401, "deactivated_worker": 401, "child_own": 200, "child_other": 404},
    ),
    "read the child's profile": (
        Call("GET", "/api/v1/children/{child}/profile"),
        404,
        {"anonymous": 401, "deactivated_worker": 401, "child_own": 200, "provider": 200},
    ),
    "export the child's data": (
        Call("GET", "/api/v1/children/{child}/export"),
        403,
        {
            "anonymous": 401,
            "deactivated_worker": 401,
            "child_own": 200,
            "child_other": 404,
            "admin_same_authority": 200,
            "admin_other_authority": 404,
        },
    ),
    "start MFA enrolment": (
        Call("POST", "/api/v1/session/mfa/enrol"),
        201,
        {"anonymous": 401, "deactivated_worker": 401, "child_own": 403, "child_other": 403},
    ),
    "start a referral": (
        Call(
            "POST",
            "/api/v1/referrals",
            {
                "child_id": "{child}",
                "lot": "2a",
                "location": {"lat": 51.4, "lon": -0.1},
                "summary": "A calm home.",
            },
        ),
        403,
        {
            "anonymous": 401,
            "deactivated_worker": 401,
            "worker_allocated": 201,
            "worker_same_authority": 404,
            "worker_other_authority": 404,
        },
    ),
    "list referrals": (
        Call("GET", "/api/v1/referrals"),
        403,
        {
            "anonymous": 401,
            "deactivated_worker": 401,
            **dict.fromkeys(STAFF_OF_AUTHORITIES, 200),
        },
    ),
    "read a referral": (Call("GET", "/api/v1/referrals/{referral}"), 403, REFERRAL_READERS),
    "rank providers for a referral": (
        Call("GET", "/api/v1/referrals/{referral}/matches"),
        403,
        REFERRAL_READERS,
    ),
    "see a referral's packets": (
        Call("GET", "/api/v1/referrals/{referral}/packets"),
        403,
        REFERRAL_READERS,
    ),
    "shortlist providers": (
        Call("PUT", "/api/v1/referrals/{referral}/shortlist", {"provider_ids": ["{home}"]}),
        403,
        {**REFERRAL_WORKERS, "worker_allocated": 200},
    ),
    "ask the child": (
        Call("POST", "/api/v1/referrals/{referral}/ask-child"),
        403,
        {**REFERRAL_WORKERS, "worker_allocated": 200},
    ),
    "send again to the same home": (
        Call("POST", "/api/v1/referrals/{referral}/send", {"provider_ids": ["{home}"]}),
        403,
        {**REFERRAL_WORKERS, "worker_allocated": 422},
    ),
    "list packets": (
        Call("GET", "/api/v1/packets"),
        403,
        {"anonymous": 401, "deactivated_worker": 401, "provider": 200, "provider_other": 200},
    ),
    "open a packet": (Call("GET", "/api/v1/packets/{packet}"), 403, PACKET_READERS),
    "download a packet's PDF": (Call("GET", "/api/v1/packets/{packet}/pdf"), 403, PACKET_READERS),
    "answer a packet": (
        Call("POST", "/api/v1/packets/{packet}/response", {"decision": "declined"}),
        403,
        PACKET_READERS,
    ),
    "close a referral": (
        Call("POST", "/api/v1/referrals/{referral}/close"),
        403,
        {**REFERRAL_WORKERS, "worker_allocated": 200},
    ),
}


def _world(app, factory):
    authority = factory.organisation("local_authority")
    elsewhere = factory.organisation("local_authority")
    logins = {
        "worker_allocated": factory.user("social_worker", authority),
        "worker_same_authority": factory.user("social_worker", authority),
        "worker_other_authority": factory.user("social_worker", elsewhere),
        "admin_same_authority": factory.user("la_admin", authority),
        "admin_other_authority": factory.user("la_admin", elsewhere),
        "provider_other": factory.user("provider"),
        "framework_admin": factory.user("framework_admin"),
        "deactivated_worker": factory.user("social_worker", authority),
    }
    child, logins["child_own"] = factory.child(logins["worker_allocated"], with_login=True)
    _other_child, logins["child_other"] = factory.child(
        logins["worker_same_authority"], with_login=True
    )
    ids = _referral_world(app, factory, child, logins)
    return child, logins, ids


HOME = {
    "name": "Matrix Fostering",
    "ofsted_urn": "SC300001",
    "ofsted_rating": "good",
    "lots": ["2a"],
    "location": {"lat": 51.4, "lon": -0.1},
    "vacancies": 1,
}


def _referral_world(app, factory, child, logins):
    """A home on the framework the child shares with, and a referral already sent to it."""
    framework = _client_for(app, "framework_admin", logins)
    home_id = framework.post("/api/v1/providers", json=HOME).get_json()["id"]
    with app.app_context():
        home = accounts.get_organisation(home_id)
    logins["provider"] = factory.user("provider", home)
    child_client = _client_for(app, "child_own", logins)
    profile = f"/api/v1/children/{child.id}/profile"
    child_client.put(
        f"{profile}/sections/about_me",
        json={"answers": {"name": "Kit"}, "language": "en"},
        headers={"If-Match": '"0"'},
    )
    child_client.post(
        f"/api/v1/children/{child.id}/consents",
        json={
            "audience": {"kind": "provider", "org_id": home_id},
            "sections": ["about_me"],
            "purpose": "placement",
        },
    )
    worker = _client_for(app, "worker_allocated", logins)
    referral = worker.post(
        "/api/v1/referrals",
        json={
            "child_id": child.id,
            "lot": "2a",
            "location": {"lat": 51.4, "lon": -0.1},
            "summary": "A calm home.",
        },
    ).get_json()
    sent = worker.post(f"/api/v1/referrals/{referral['id']}/send", json={"provider_ids": [home_id]})
    assert sent.status_code == 201, sent.get_json()
    return {
        "referral": referral["id"],
        "packet": sent.get_json()["packets"][0]["id"],
        "home": home_id,
    }


def _client_for(app, actor, logins):
    client = ApiClient(app.test_client(), app)
    if actor != "anonymous":
        assert client.login(logins[actor]).status_code == 201, actor
    return client


def _deactivate(app, login):
    with app.app_context():
        accounts.deactivate_user(db.session().get(User, login.user_id))
        db.session().commit()


def test_every_actor_gets_exactly_the_expected_answer(app, factory):
    child, logins, ids = _world(app, factory)
    clients = {actor: _client_for(app, actor, logins) for actor in ACTORS}
    _deactivate(app, logins["deactivated_worker"])
    unexpected = []
    for name, (call, default, overrides) in MATRIX.items():
        for actor in ACTORS:
            expected = overrides.get(actor, default)
            path = call.path.format(child=child.id, **ids)
            response = clients[actor].client.open(
                path,
                method=call.method,
                json=_filled(call.body, child=child.id, **ids),
                headers={"X-CSRF-Token": clients[actor].csrf_token or ""},
            )
            if response.status_code != expected:
                unexpected.append(f"{name} as {actor}: {response.status_code}, expected {expected}")
    assert unexpected == []


def _filled(body, **ids):
    """The call's body with ``{child}``-style placeholders replaced, at any depth."""
    if isinstance(body, dict):
        return {key: _filled(value, **ids) for key, value in body.items()}
    if isinstance(body, list):
        return [_filled(item, **ids) for item in body]
    return body.format(**ids) if isinstance(body, str) else body


def test_other_authority_answer_looks_like_a_missing_child(app, factory):
    child, logins, _ids = _world(app, factory)
    outsider = _client_for(app, "worker_other_authority", logins)
    real = outsider.post(f"/api/v1/children/{child.id}/invites")
    missing = outsider.post("/api/v1/children/0123456789abcdef0123456789abcdef/invites")
    strip = lambda body: {k: v for k, v in body.items() if k != "request_id"}  # noqa: E731
    assert real.status_code == missing.status_code == 404
    assert strip(real.get_json()) == strip(missing.get_json())
