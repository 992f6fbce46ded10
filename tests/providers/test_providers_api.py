"""Providers on the framework through the API: registering, listing, keeping current.

Staff of one provider who try to change another provider get 403, not 404:
every professional can already see the provider in ``GET /providers``, so
there is nothing to hide about its existence.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from allaboutme import db
from allaboutme.accounts.models import Organisation
from allaboutme.audit.models import AuditEvent
from allaboutme.providers.models import ProviderProfile
from tests.factories import ApiClient

PROVIDER = {
    "name": "Sunrise Fostering",
    "ofsted_urn": "SC123456",
    "ofsted_rating": "good",
    "lots": ["2c", "2a"],
    "location": {"lat": 51.3618, "lon": -0.1945},
    "capabilities": ["sibling_group", "emergency"],
    "languages": ["en", "AR", "ti"],
    "faiths": ["Muslim", " Orthodox  Christian "],
    "cultural_competences": ["Eritrean"],
    "vacancies": 2,
}
KEYS = {
    "id",
    "name",
    "ofsted_urn",
    "ofsted_rating",
    "lots",
    "location",
    "capabilities",
    "languages",
    "faiths",
    "cultural_competences",
    "vacancies",
    "vacancies_updated_at",
    "is_on_framework",
    "updated_at",
}


def _api_as(app, factory, role, organisation=None):
    login = factory.user(role, organisation)
    client = ApiClient(app.test_client(), app)
    assert client.login(login).status_code == 201
    return client


def _child_api(app, factory):
    worker = factory.user("social_worker")
    _child, login = factory.child(worker, with_login=True)
    client = ApiClient(app.test_client(), app)
    assert client.login(login).status_code == 201
    return client


def _register(admin, **changes):
    response = admin.post("/api/v1/providers", json={**PROVIDER, **changes})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _organisation(app, org_id):
    with app.app_context():
        return db.session().get(Organisation, org_id)


def _count(app, model):
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model))


def test_framework_admin_registers_a_provider_organisation(app, factory):
    admin = _api_as(app, factory, "framework_admin")
    body = _register(admin)
    assert set(body) == KEYS
    assert body["name"] == "Sunrise Fostering"
    assert body["lots"] == ["2a", "2c"]
    assert body["capabilities"] == ["sibling_group", "emergency"]
    assert body["languages"] == ["en", "ar", "ti"]
    assert body["faiths"] == ["Muslim", "Orthodox Christian"]
    assert body["location"] == {"lat": 51.3618, "lon": -0.1945}
    assert body["is_on_framework"] is True
    assert body["vacancies_updated_at"].endswith(("Z", "+00:00"))
    assert _organisation(app, body["id"]).kind == "provider"
    assert admin.get(f"/api/v1/providers/{body['id']}").get_json() == body
    with app.app_context():
        event = db.session().scalar(
            select(AuditEvent).where(AuditEvent.action == "provider.create")
        )
    assert event.object_id == body["id"] and event.actor_role == "framework_admin"


def test_an_organisation_made_on_the_command_line_joins_the_framework(app, factory):
    existing = factory.organisation("provider", name="Sunrise Fostering")
    factory.organisation("local_authority", name="Sutton Council")
    admin = _api_as(app, factory, "framework_admin")
    assert _register(admin)["id"] == existing.id
    taken = admin.post(
        "/api/v1/providers", json={**PROVIDER, "name": "Sutton Council", "ofsted_urn": "SC654321"}
    )
    assert taken.status_code == 409


def test_only_the_framework_admin_registers_providers(app, factory):
    for role in ("social_worker", "la_admin", "provider"):
        response = _api_as(app, factory, role).post("/api/v1/providers", json=PROVIDER)
        assert response.status_code == 403, role
    assert _child_api(app, factory).post("/api/v1/providers", json=PROVIDER).status_code == 403
    assert app.test_client().post("/api/v1/providers", json=PROVIDER).status_code == 401
    assert _count(app, ProviderProfile) == 0


def _three_providers(admin):
    _register(admin, name="Cedar Fostering", ofsted_urn="SC000003", lots=["2a"])
    _register(admin, name="Alpha Homes", ofsted_urn="SC000001", lots=["1a", "1b"])
    _register(admin, name="Beacon Fostering 100%", ofsted_urn="1000002", lots=["2a", "2c"])


def _names(response):
    assert response.status_code == 200, response.get_json()
    return [item["name"] for item in response.get_json()["items"]]


def test_professionals_list_providers_by_name_and_filter_them(app, factory):
    _three_providers(_api_as(app, factory, "framework_admin"))
    worker = _api_as(app, factory, "social_worker")
    assert _names(worker.get("/api/v1/providers")) == [
        "Alpha Homes",
        "Beacon Fostering 100%",
        "Cedar Fostering",
    ]
    assert _names(worker.get("/api/v1/providers?lot=2a")) == [
        "Beacon Fostering 100%",
        "Cedar Fostering",
    ]
    assert _names(worker.get("/api/v1/providers?lot=1b")) == ["Alpha Homes"]
    assert _names(worker.get("/api/v1/providers?q=FOSTER")) == [
        "Beacon Fostering 100%",
        "Cedar Fostering",
    ]
    assert _names(worker.get("/api/v1/providers?q=foster&lot=2c")) == ["Beacon Fostering 100%"]
    assert _names(worker.get("/api/v1/providers?q=100%25")) == ["Beacon Fostering 100%"]
    assert _names(worker.get("/api/v1/providers?q=_")) == []
    for role in ("la_admin", "provider", "framework_admin"):
        assert len(_names(_api_as(app, factory, role).get("/api/v1/providers"))) == 3
    assert _child_api(app, factory).get("/api/v1/providers").status_code == 403
    assert app.test_client().get("/api/v1/providers").status_code == 401


def test_provider_list_pages_with_a_cursor(app, factory):
    _three_providers(_api_as(app, factory, "framework_admin"))
    worker = _api_as(app, factory, "social_worker")
    first = worker.get("/api/v1/providers?limit=2").get_json()
    assert [item["name"] for item in first["items"]] == ["Alpha Homes", "Beacon Fostering 100%"]
    assert first["next_cursor"]
    second = worker.get(f"/api/v1/providers?limit=2&cursor={first['next_cursor']}").get_json()
    assert [item["name"] for item in second["items"]] == ["Cedar Fostering"]
    assert second["next_cursor"] is None
    for bad in ("lot=3z", "limit=0", "limit=201", "cursor=nonsense"):
        response = worker.get(f"/api/v1/providers?{bad}")
        assert response.status_code == 422, bad
        assert response.get_json()["errors"], bad


def _staff_of(app, factory, provider_id):
    return _api_as(app, factory, "provider", _organisation(app, provider_id))


def _at(body):
    return datetime.fromisoformat(body["vacancies_updated_at"])


def test_provider_staff_report_their_own_vacancies(app, factory):
    admin = _api_as(app, factory, "framework_admin")
    provider = _register(admin)
    staff = _staff_of(app, factory, provider["id"])
    reported = staff.patch(f"/api/v1/providers/{provider['id']}", json={"vacancies": 0})
    assert reported.status_code == 200
    assert reported.get_json()["vacancies"] == 0
    assert _at(reported.get_json()) > _at(provider)
    again = staff.patch(f"/api/v1/providers/{provider['id']}", json={"vacancies": 0}).get_json()
    assert _at(again) > _at(reported.get_json())
    with app.app_context():
        event = db.session().scalar(
            select(AuditEvent).where(AuditEvent.action == "provider.update").limit(1)
        )
    assert event.actor_role == "provider" and event.reason == "vacancies"


def test_provider_staff_may_change_nothing_but_vacancies(app, factory):
    admin = _api_as(app, factory, "framework_admin")
    provider = _register(admin)
    other = _register(admin, name="Oakwood Homes", ofsted_urn="SC777777", lots=["1a"])
    staff = _staff_of(app, factory, provider["id"])
    path = f"/api/v1/providers/{provider['id']}"
    for change in ({"ofsted_rating": "outstanding"}, {"vacancies": 5, "lots": ["1a"]}):
        assert staff.patch(path, json=change).status_code == 403, change
    assert staff.patch(f"/api/v1/providers/{other['id']}", json={"vacancies": 9}).status_code == 403
    worker = _api_as(app, factory, "social_worker")
    assert worker.patch(path, json={"vacancies": 9}).status_code == 403
    assert staff.patch("/api/v1/providers/unknown", json={"vacancies": 1}).status_code == 404
    assert admin.get(path).get_json() == provider
    assert admin.get(f"/api/v1/providers/{other['id']}").get_json() == other


def test_framework_admin_changes_anything_partially(app, factory):
    admin = _api_as(app, factory, "framework_admin")
    provider = _register(admin)
    path = f"/api/v1/providers/{provider['id']}"
    changed = admin.patch(
        path,
        json={
            "ofsted_rating": "requires_improvement",
            "location": {"lat": 51.5, "lon": 0.05},
            "is_on_framework": False,
            "capabilities": [],
        },
    )
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert body["ofsted_rating"] == "requires_improvement"
    assert body["location"] == {"lat": 51.5, "lon": 0.05}
    assert body["is_on_framework"] is False and body["capabilities"] == []
    assert body["lots"] == provider["lots"] and body["vacancies"] == provider["vacancies"]
    assert body["vacancies_updated_at"] == provider["vacancies_updated_at"]
    assert admin.patch("/api/v1/providers/unknown", json={"vacancies": 1}).status_code == 404


BAD_PROVIDERS = [
    ("lots", {"lots": ["3a"]}),
    ("lots", {"lots": []}),
    ("ofsted_rating", {"ofsted_rating": "excellent"}),
    ("capabilities", {"capabilities": ["asd", "flying"]}),
    ("location", {"location": {"lat": 91, "lon": 0}}),
    ("location", {"location": {"lat": 51, "lon": -180.5}}),
    ("location", {"location": {"lat": 51}}),
    ("vacancies", {"vacancies": -1}),
    ("vacancies", {"vacancies": "2"}),
    ("ofsted_urn", {"ofsted_urn": "SC12345"}),
    ("ofsted_urn", {"ofsted_urn": "SC1234567"}),
    ("languages", {"languages": ["english!"]}),
    ("colour", {"colour": "blue"}),
    ("name", {"name": "   "}),
]


def test_bad_provider_input_is_refused_with_field_errors(app, factory):
    admin = _api_as(app, factory, "framework_admin")
    for field, change in BAD_PROVIDERS:
        response = admin.post("/api/v1/providers", json={**PROVIDER, **change})
        assert response.status_code == 422, change
        assert field in response.get_json()["errors"], (change, response.get_json())
    assert _count(app, ProviderProfile) == 0
    assert _count(app, Organisation) == 1  # the admin's own framework organisation


def test_bad_changes_are_refused_with_field_errors(app, factory):
    admin = _api_as(app, factory, "framework_admin")
    provider = _register(admin)
    path = f"/api/v1/providers/{provider['id']}"
    for field, change in BAD_PROVIDERS:
        response = admin.patch(path, json=change)
        assert response.status_code == 422, change
        assert field in response.get_json()["errors"], (change, response.get_json())
    assert admin.patch(path, json={}).status_code == 422
    assert admin.get(path).get_json() == provider


def test_a_registered_urn_cannot_be_registered_again(app, factory):
    admin = _api_as(app, factory, "framework_admin")
    provider = _register(admin)
    again = admin.post(
        "/api/v1/providers", json={**PROVIDER, "name": "Another Name", "ofsted_urn": " sc123456 "}
    )
    assert again.status_code == 409
    assert again.get_json()["code"] == "duplicate_urn"
    same_name = admin.post("/api/v1/providers", json={**PROVIDER, "ofsted_urn": "SC999999"})
    assert same_name.status_code == 409
    other = _register(admin, name="Oakwood Homes", ofsted_urn="SC777777")
    moved = admin.patch(f"/api/v1/providers/{other['id']}", json={"ofsted_urn": "SC123456"})
    assert moved.status_code == 409
    assert _count(app, ProviderProfile) == 2
    assert admin.get(f"/api/v1/providers/{provider['id']}").get_json() == provider
