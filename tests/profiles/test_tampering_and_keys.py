"""Tampered ciphertext fails closed; key rotation keeps every record readable."""

from __future__ import annotations

import logging

from allaboutme import db
from allaboutme.profiles.models import SectionRecord
from tests.factories import ApiClient
from tests.profiles.answers_for_tests import sample_answers


def _child_with_profile(app, factory, sections=("likes",)):
    worker = factory.user("social_worker")
    child, login = factory.child(worker, with_login=True)
    api = ApiClient(app.test_client(), app)
    api.login(login)
    for version, key in enumerate(sections):
        api.put(
            f"/api/v1/children/{child.id}/profile/sections/{key}",
            json={"answers": sample_answers(key), "language": "en"},
            headers={"If-Match": f'"{version}"'},
        )
    return child, api


def test_tampered_section_answers_500_with_request_id_and_an_alert(app, factory, caplog):
    child, api = _child_with_profile(app, factory)
    with app.app_context():
        record = db.session().query(SectionRecord).one()
        content = bytearray(record.content)
        content[-1] ^= 0x01
        record.content = bytes(content)
        db.session().commit()
    caplog.set_level(logging.INFO)
    response = api.get(f"/api/v1/children/{child.id}/profile")
    assert response.status_code == 500
    body = response.get_json()
    assert body["request_id"] and "answers" not in response.get_data(as_text=True)
    assert any(getattr(r, "alert", None) == "crypto_failure" for r in caplog.records)


def test_ciphertext_swapped_between_sections_does_not_open(app, factory):
    child, api = _child_with_profile(app, factory, sections=("likes", "school"))
    with app.app_context():
        likes, school = db.session().query(SectionRecord).order_by(SectionRecord.profile_version)
        school.content = likes.content
        db.session().commit()
    assert api.get(f"/api/v1/children/{child.id}/profile").status_code == 500


def test_keys_rotate_and_status_keep_every_record_readable(app, factory, runner):
    child, api = _child_with_profile(app, factory, sections=("likes", "school"))
    rotated = runner.invoke(args=["keys", "rotate"])
    assert rotated.exit_code == 0, rotated.output
    assert "re-wrapped" in rotated.output
    root = runner.invoke(args=["keys", "rotate", "--root"])
    assert root.exit_code == 0, root.output
    status = runner.invoke(args=["keys", "status"])
    assert status.exit_code == 0
    assert "root key version: 2" in status.output
    assert "rotation unfinished" not in status.output
    profile = api.get(f"/api/v1/children/{child.id}/profile")
    assert profile.status_code == 200
    assert set(profile.get_json()["sections"]) == {"likes", "school"}
