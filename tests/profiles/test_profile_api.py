"""The child writes, reads and revisits their profile through the API."""

from __future__ import annotations

from allaboutme import db
from allaboutme.profiles.models import SectionRecord
from tests.factories import ApiClient
from tests.profiles.answers_for_tests import first_text_question, sample_answers


def _child_api(app, factory):
    worker = factory.user("social_worker")
    child, login = factory.child(worker, with_login=True)
    client = ApiClient(app.test_client(), app)
    assert client.login(login).status_code == 201
    return child, client, worker


def _put(api, child_id, key, answers, etag, **extra):
    body = {"answers": answers, "language": "en", **extra}
    return api.put(
        f"/api/v1/children/{child_id}/profile/sections/{key}", json=body, headers={"If-Match": etag}
    )


def test_child_writes_a_section_and_reads_it_back(app, factory):
    child, api, _worker = _child_api(app, factory)
    empty = api.get(f"/api/v1/children/{child.id}/profile")
    assert empty.status_code == 200
    assert empty.get_json() == {"version": 0, "sections": {}}
    assert empty.headers["ETag"] == '"0"'
    answers = sample_answers("likes")
    saved = _put(api, child.id, "likes", answers, '"0"', helped=True, language="ar")
    assert saved.status_code == 200, saved.get_json()
    assert saved.headers["ETag"] == '"1"'
    section = api.get(f"/api/v1/children/{child.id}/profile").get_json()["sections"]["likes"]
    assert section["answers"] == answers
    assert section["language"] == "ar"
    assert section["helped"] is True


def test_stale_or_missing_if_match_changes_nothing(app, factory):
    child, api, _worker = _child_api(app, factory)
    key = first_text_question("about_me")
    assert _put(api, child.id, "about_me", {key: "first"}, '"0"').status_code == 200
    stale = _put(api, child.id, "about_me", {key: "from another phone"}, '"0"')
    assert stale.status_code == 409
    assert stale.content_type == "application/problem+json"
    missing = api.put(
        f"/api/v1/children/{child.id}/profile/sections/about_me", json={"answers": {key: "x"}}
    )
    assert missing.status_code == 428
    profile = api.get(f"/api/v1/children/{child.id}/profile").get_json()
    assert profile["version"] == 1
    assert profile["sections"]["about_me"]["answers"] == {key: "first"}


def test_bad_answers_get_field_errors_and_no_new_version(app, factory):
    child, api, _worker = _child_api(app, factory)
    key = first_text_question("worries")
    cases = [
        ("worries", {"no_such_question": "x"}, "no_such_question"),
        ("worries", {key: 42}, key),
        ("worries", {key: "x" * 5000}, key),
    ]
    for section, answers, field in cases:
        response = _put(api, child.id, section, answers, '"0"')
        assert response.status_code == 422, (section, answers)
        assert field in response.get_json()["errors"]
    assert _put(api, child.id, "no_such_section", {}, '"0"').status_code == 404
    assert api.get(f"/api/v1/children/{child.id}/profile").get_json()["version"] == 0


def test_delete_makes_a_new_version_and_history_keeps_the_old(app, factory):
    child, api, _worker = _child_api(app, factory)
    key = first_text_question("school")
    _put(api, child.id, "school", {key: "Year 6 at Oak Primary"}, '"0"')
    _put(api, child.id, "likes", sample_answers("likes"), '"1"')
    removed = api.delete(
        f"/api/v1/children/{child.id}/profile/sections/school", headers={"If-Match": '"2"'}
    )
    assert removed.status_code == 204
    now = api.get(f"/api/v1/children/{child.id}/profile").get_json()
    assert now["version"] == 3 and list(now["sections"]) == ["likes"]
    then = api.get(f"/api/v1/children/{child.id}/profile/versions/1").get_json()
    assert then["sections"]["school"]["answers"] == {key: "Year 6 at Oak Primary"}
    versions = api.get(f"/api/v1/children/{child.id}/profile/versions").get_json()
    assert [item["version"] for item in versions["items"]] == [3, 2, 1]
    assert versions["items"][0]["action"] == "removed"
    assert versions["items"][1]["sections"] == ["likes", "school"]
    assert api.get(f"/api/v1/children/{child.id}/profile/versions/9").status_code == 404


def test_versions_list_pages(app, factory):
    child, api, _worker = _child_api(app, factory)
    key = first_text_question("about_me")
    for version in range(5):
        _put(api, child.id, "about_me", {key: f"take {version}"}, f'"{version}"')
    first = api.get(f"/api/v1/children/{child.id}/profile/versions?limit=2").get_json()
    assert [i["version"] for i in first["items"]] == [5, 4]
    second = api.get(
        f"/api/v1/children/{child.id}/profile/versions?limit=2&cursor={first['next_cursor']}"
    ).get_json()
    assert [i["version"] for i in second["items"]] == [3, 2]


def test_nobody_else_can_read_or_write_the_profile_yet(app, factory):
    child, api, worker = _child_api(app, factory)
    _put(api, child.id, "likes", sample_answers("likes"), '"0"')
    staff = ApiClient(app.test_client(), app)
    staff.login(worker)
    assert staff.get(f"/api/v1/children/{child.id}/profile").status_code == 404
    other_worker, other_child_login = factory.child(worker, with_login=True)
    other = ApiClient(app.test_client(), app)
    other.login(other_child_login)
    assert other.get(f"/api/v1/children/{child.id}/profile").status_code == 404
    assert _put(other, child.id, "likes", sample_answers("likes"), '"1"').status_code == 404


def test_answers_are_sealed_in_the_database(app, factory):
    child, api, _worker = _child_api(app, factory)
    _put(api, child.id, "likes", sample_answers("likes", text="Canary-Likes-7731"), '"0"')
    with app.app_context():
        content = db.session().query(SectionRecord).one().content
    assert b"Canary-Likes-7731" not in content
    assert content.startswith(b"AAM")


def test_catalogue_serves_nine_sections_in_the_request_language(client):
    english = client.get("/api/v1/catalogue").get_json()
    keys = [section["key"] for section in english["sections"]]
    assert keys == [
        "about_me",
        "people",
        "heritage",
        "likes",
        "worries",
        "support",
        "school",
        "aspirations",
        "new_home",
    ]
    young = client.get("/api/v1/catalogue?age_band=young").get_json()
    assert [s["key"] for s in young["sections"]] == keys
    assert client.get("/api/v1/catalogue?age_band=toddler").status_code == 422
