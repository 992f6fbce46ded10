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
    "framework_admin",
    "deactivated_worker",
)


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: dict | None = None


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
        {"anonymous": 401, "deactivated_worker": 401, "child_own": 200},
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
        "provider": factory.user("provider"),
        "framework_admin": factory.user("framework_admin"),
        "deactivated_worker": factory.user("social_worker", authority),
    }
    child, logins["child_own"] = factory.child(logins["worker_allocated"], with_login=True)
    _other_child, logins["child_other"] = factory.child(
        logins["worker_same_authority"], with_login=True
    )
    return child, logins


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
    child, logins = _world(app, factory)
    clients = {actor: _client_for(app, actor, logins) for actor in ACTORS}
    _deactivate(app, logins["deactivated_worker"])
    unexpected = []
    for name, (call, default, overrides) in MATRIX.items():
        for actor in ACTORS:
            expected = overrides.get(actor, default)
            path = call.path.format(child=child.id)
            response = clients[actor].client.open(
                path,
                method=call.method,
                json=call.body,
                headers={"X-CSRF-Token": clients[actor].csrf_token or ""},
            )
            if response.status_code != expected:
                unexpected.append(f"{name} as {actor}: {response.status_code}, expected {expected}")
    assert unexpected == []


def test_other_authority_answer_looks_like_a_missing_child(app, factory):
    child, logins = _world(app, factory)
    outsider = _client_for(app, "worker_other_authority", logins)
    real = outsider.post(f"/api/v1/children/{child.id}/invites")
    missing = outsider.post("/api/v1/children/0123456789abcdef0123456789abcdef/invites")
    strip = lambda body: {k: v for k, v in body.items() if k != "request_id"}  # noqa: E731
    assert real.status_code == missing.status_code == 404
    assert strip(real.get_json()) == strip(missing.get_json())
