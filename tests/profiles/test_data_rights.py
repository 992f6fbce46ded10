"""Export gives the child everything; erasure makes a copy of the data unreadable."""

from __future__ import annotations

import pytest

from allaboutme import db, encryption
from allaboutme.children.models import Child
from allaboutme.crypto import CryptoError
from allaboutme.profiles.models import SectionRecord
from allaboutme.profiles.services import _context
from tests.factories import ApiClient
from tests.profiles.answers_for_tests import sample_answers


def _setup(app, factory):
    authority = factory.organisation("local_authority")
    worker = factory.user("social_worker", authority)
    admin = factory.user("la_admin", authority)
    child, login = factory.child(worker, with_login=True, name="Noor")
    child_api = ApiClient(app.test_client(), app)
    child_api.login(login)
    for version, key in enumerate(("likes", "heritage")):
        response = child_api.put(
            f"/api/v1/children/{child.id}/profile/sections/{key}",
            json={"answers": sample_answers(key), "language": "en"},
            headers={"If-Match": f'"{version}"'},
        )
        assert response.status_code == 200
    admin_api = ApiClient(app.test_client(), app)
    admin_api.login(admin)
    return child, child_api, admin_api, worker


def test_child_exports_everything_decrypted(app, factory):
    child, child_api, _admin, _worker = _setup(app, factory)
    export = child_api.get(f"/api/v1/children/{child.id}/export")
    assert export.status_code == 200
    body = export.get_json()
    assert body["child"]["preferred_name"] == "Noor"
    assert [v["section"] for v in body["profile_versions"]] == ["likes", "heritage"]
    assert body["profile_versions"][0]["answers"] == sample_answers("likes")
    assert body["login"]["username"]
    assert body["social_workers"][0]["display_name"]


def test_only_the_child_and_their_authority_admin_may_export(app, factory):
    child, _child_api, admin_api, worker = _setup(app, factory)
    assert admin_api.get(f"/api/v1/children/{child.id}/export").status_code == 200
    worker_api = ApiClient(app.test_client(), app)
    worker_api.login(worker)
    assert worker_api.get(f"/api/v1/children/{child.id}/export").status_code == 403
    outsider = ApiClient(app.test_client(), app)
    outsider.login(factory.user("la_admin"))
    assert outsider.get(f"/api/v1/children/{child.id}/export").status_code == 404


def test_erasure_leaves_a_pre_erasure_copy_undecryptable(app, factory):
    child, child_api, admin_api, _worker = _setup(app, factory)
    with app.app_context():
        live_child = db.session().get(Child, child.id)
        copies = [
            (record.content, _context(live_child, record))
            for record in db.session().query(SectionRecord).filter_by(child_id=child.id)
        ]
        copies.append((live_child.preferred_name, None))
        assert encryption.open(*copies[0])  # readable before
    assert admin_api.delete(f"/api/v1/children/{child.id}").status_code == 204
    with app.app_context():
        for content, context in copies[:-1]:
            with pytest.raises(CryptoError):
                encryption.open(content, context)
        assert db.session().get(Child, child.id) is None
    assert child_api.get(f"/api/v1/children/{child.id}/profile").status_code == 401
    assert admin_api.get(f"/api/v1/children/{child.id}/export").status_code == 404


def test_only_an_admin_of_the_authority_can_erase(app, factory):
    child, child_api, _admin, worker = _setup(app, factory)
    worker_api = ApiClient(app.test_client(), app)
    worker_api.login(worker)
    assert worker_api.delete(f"/api/v1/children/{child.id}").status_code == 403
    outsider = ApiClient(app.test_client(), app)
    outsider.login(factory.user("la_admin"))
    assert outsider.delete(f"/api/v1/children/{child.id}").status_code == 404
    assert child_api.get(f"/api/v1/children/{child.id}/profile").status_code == 200


def test_export_holds_consents_and_is_in_the_access_log(app, factory):
    child, child_api, admin_api, _worker = _setup(app, factory)
    child_api.post(
        f"/api/v1/children/{child.id}/consents",
        json={"audience": {"kind": "social_worker"}, "sections": ["likes"]},
    )
    body = admin_api.get(f"/api/v1/children/{child.id}/export").get_json()
    assert [grant["sections"] for grant in body["consents"]] == [["likes"]]
    assert body["pictures"] == []
    log = child_api.get(f"/api/v1/children/{child.id}/access-log").get_json()["items"]
    assert [entry["action"] for entry in log] == ["child.export"]
