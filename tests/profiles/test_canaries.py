"""No plaintext at rest or in logs: canary strings in every field, then search."""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from allaboutme import db
from allaboutme.accounts import services as accounts
from allaboutme.profiles import catalogue
from tests.factories import ApiClient
from tests.profiles.answers_for_tests import sample_answers

CANARY = "Kestrel-Canary-5093"


def _write_everything(app, factory):
    worker = factory.user("social_worker")
    worker_api = ApiClient(app.test_client(), app)
    worker_api.login(worker)
    created = worker_api.post(
        "/api/v1/children", json={"preferred_name": f"{CANARY}-name", "date_of_birth": "2012-06-06"}
    )
    child_id = created.get_json()["id"]
    code = worker_api.post(f"/api/v1/children/{child_id}/invites").get_json()["code"]
    phone = ApiClient(app.test_client(), app)
    joined = phone.client.post(
        "/api/v1/invites/redeem", json={"code": code, "username": "kestrel", "password": "582914"}
    )
    phone.csrf_token = joined.get_json()["csrf_token"]
    for version, key in enumerate(catalogue.SECTION_KEYS):
        response = phone.put(
            f"/api/v1/children/{child_id}/profile/sections/{key}",
            json={"answers": sample_answers(key, text=f"{CANARY}-{key}"), "language": "en"},
            headers={"If-Match": f'"{version}"'},
        )
        assert response.status_code == 200, response.get_json()
    export = phone.get(f"/api/v1/children/{child_id}/export")
    assert CANARY in export.get_data(as_text=True)  # the export really holds the content
    _refer(app, factory, worker_api, phone, child_id)


HOME = {
    "name": "Canary Fostering",
    "ofsted_urn": "SC400001",
    "ofsted_rating": "good",
    "lots": ["2a"],
    "location": {"lat": 51.4, "lon": -0.1},
    "vacancies": 1,
}


def _refer(app, factory, worker_api, phone, child_id):
    """A packet of every section, viewed, printed and answered: its records are sealed too."""
    framework = ApiClient(app.test_client(), app)
    framework.login(factory.user("framework_admin"))
    home_id = framework.post("/api/v1/providers", json=HOME).get_json()["id"]
    phone.post(
        f"/api/v1/children/{child_id}/consents",
        json={
            "audience": {"kind": "provider", "org_id": home_id},
            "sections": list(catalogue.SECTION_KEYS),
            "purpose": "placement",
        },
    )
    referral = worker_api.post(
        "/api/v1/referrals",
        json={
            "child_id": child_id,
            "lot": "2a",
            "location": {"lat": 51.4, "lon": -0.1},
            "summary": f"{CANARY}-summary",
        },
    ).get_json()
    sent = worker_api.post(
        f"/api/v1/referrals/{referral['id']}/send", json={"provider_ids": [home_id]}
    )
    packet_id = sent.get_json()["packets"][0]["id"]
    with app.app_context():
        home = accounts.get_organisation(home_id)
    provider = ApiClient(app.test_client(), app)
    provider.login(factory.user("provider", home))
    assert CANARY in provider.get(f"/api/v1/packets/{packet_id}").get_data(as_text=True)
    assert provider.get(f"/api/v1/packets/{packet_id}/pdf").status_code == 200
    answered = provider.post(
        f"/api/v1/packets/{packet_id}/response",
        json={"decision": "interested", "note": f"{CANARY}-note"},
    )
    assert answered.status_code == 200


def _sqlite_files(url: str) -> list[Path]:
    path = Path(make_url(url).database)
    return [candidate for candidate in path.parent.glob(path.name + "*") if candidate.is_file()]


def _postgres_dump(url: str) -> bytes:
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    return subprocess.run(
        [shutil.which("pg_dump") or "pg_dump", "--no-owner", plain],
        check=True,
        capture_output=True,
    ).stdout


def _stored_bytes(app, urls) -> dict[str, bytes]:
    stored = {}
    for url in urls:
        if url.startswith("sqlite"):
            for path in _sqlite_files(url):
                stored[str(path)] = path.read_bytes()
        else:
            stored[url] = _postgres_dump(url)
    instance = Path(app.instance_path)
    for path in instance.rglob("*"):
        if path.is_file():
            stored[str(path)] = path.read_bytes()
    return stored


def test_no_canary_in_databases_instance_folder_or_logs(app, factory, database_urls, caplog):
    caplog.set_level(logging.DEBUG)
    _write_everything(app, factory)
    with app.app_context():
        db.database().engine.dispose()  # let SQLite checkpoint its WAL into the files
    stored = _stored_bytes(app, database_urls)
    assert stored
    hits = [name for name, content in stored.items() if CANARY.encode() in content]
    assert hits == []
    assert CANARY not in caplog.text
