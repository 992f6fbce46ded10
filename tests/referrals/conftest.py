"""A referral's cast: an authority, a worker and a child, providers and their staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from allaboutme import db
from allaboutme.accounts import services as accounts
from allaboutme.accounts.models import User
from allaboutme.children.models import Allocation
from allaboutme.referrals.models import Packet
from tests.factories import ApiClient, Factory, Login

PROVIDER = {
    "ofsted_rating": "good",
    "lots": ["2a", "2c"],
    "location": {"lat": 51.3760, "lon": -0.0980},
    "capabilities": ["sibling_group", "semh"],
    "languages": ["en", "ar"],
    "faiths": ["muslim"],
    "cultural_competences": ["sudanese"],
    "vacancies": 2,
}
REFERRAL = {
    "lot": "2a",
    "needs": ["semh"],
    "location": {"lat": 51.3727, "lon": -0.1099},
    "summary": "Needs a calm foster home near school by the spring term.",
}
HERITAGE = {
    "culture": "Sudanese",
    "languages": ["Arabic", "English"],
    "faith": "yes",
    "beliefs": "I am Muslim",
}
ABOUT_ME = {"name": "Mira", "words_about_me": ["kind", "funny", "brave"]}
HERITAGE = {
    "culture": "Sudanese",
    "languages": ["Arabic", "English"],
    "faith": "yes",
    "beliefs": "I am Muslim",
}
WORRIES = {"what_worries_me": "Being moved far from my school"}


@dataclass
class Cast:
    app: Any
    factory: Factory
    worker: ApiClient
    worker_login: Login
    child: ApiClient
    child_id: str
    framework: ApiClient
    providers: dict[str, str]
    provider_staff: dict[str, ApiClient]

    def client(self, login: Login) -> ApiClient:
        client = ApiClient(self.app.test_client(), self.app)
        assert client.login(login).status_code == 201
        return client

    def write(self, key: str, answers: dict[str, Any]) -> None:
        current = self.child.get(f"/api/v1/children/{self.child_id}/profile")
        version = current.get_json()["version"]
        response = self.child.put(
            f"/api/v1/children/{self.child_id}/profile/sections/{key}",
            json={"answers": answers, "language": "en"},
            headers={"If-Match": f'"{version}"'},
        )
        assert response.status_code == 200, response.get_json()

    def share(self, audience: dict[str, Any], sections: list[str], purpose: str = "placement"):
        response = self.child.post(
            f"/api/v1/children/{self.child_id}/consents",
            json={"audience": audience, "sections": sections, "purpose": purpose},
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def referral(self, **changes: Any) -> dict[str, Any]:
        body = {**REFERRAL, "child_id": self.child_id, **changes}
        response = self.worker.post("/api/v1/referrals", json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def age_packets(self, days: int) -> None:
        with self.app.app_context():
            for packet in db.session().query(Packet):
                packet.expires_at -= timedelta(days=days)
                packet.sent_at -= timedelta(days=days)
            db.session().commit()


def _provider(framework: ApiClient, name: str, urn: str, **changes: Any) -> str:
    body = {**PROVIDER, "name": name, "ofsted_urn": urn, **changes}
    response = framework.post("/api/v1/providers", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _staff(app: Any, factory: Factory, org_id: str) -> Login:
    with app.app_context():
        organisation = accounts.get_organisation(org_id)
    return factory.user("provider", organisation)


@pytest.fixture
def cast(app, factory) -> Cast:
    worker_login = factory.user("social_worker")
    child, child_login = factory.child(worker_login, name="Amira", with_login=True)
    framework_login = factory.user("framework_admin")
    first = Cast(
        app=app,
        factory=factory,
        worker=None,  # type: ignore[arg-type]
        worker_login=worker_login,
        child=None,  # type: ignore[arg-type]
        child_id=child.id,
        framework=None,  # type: ignore[arg-type]
        providers={},
        provider_staff={},
    )
    first.worker = first.client(worker_login)
    first.child = first.client(child_login)
    first.framework = first.client(framework_login)
    first.providers = {
        "sunrise": _provider(first.framework, "Sunrise Fostering", "SC100001"),
        "oakwood": _provider(
            first.framework, "Oakwood Fostering", "SC100002", location={"lat": 51.75, "lon": 0.4}
        ),
        "weak": _provider(
            first.framework, "Weak Fostering", "SC100003", ofsted_rating="requires_improvement"
        ),
    }
    first.provider_staff = {
        key: first.client(_staff(app, factory, org_id)) for key, org_id in first.providers.items()
    }
    return first


def allocated_workers(app: Any, child_id: str) -> list[str]:
    with app.app_context():
        rows = db.session().query(Allocation).filter_by(child_id=child_id).all()
        return [db.session().get(User, row.worker_id).username for row in rows]
