"""Odd but possible input gets a 4xx problem, never a server error (each was found by fuzzing).

Every case here once answered 500 on at least one backend: text PostgreSQL cannot
store, numbers too big for an integer column, digits ``int`` refuses, and a
multipart part whose name has a line break in it.
"""

from __future__ import annotations

import pytest

from tests.factories import ApiClient


@pytest.fixture
def child_api(app, factory):
    worker = factory.user("social_worker")
    child, login = factory.child(worker, with_login=True)
    api = ApiClient(app.test_client(), app)
    assert api.login(login).status_code == 201
    return child.id, api


def _problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    return response.get_json()


@pytest.mark.parametrize("text", ["ab\x00cd", "ab\ud800cd"], ids=["nul", "lone-surrogate"])
def test_text_no_database_can_store_is_a_validation_failure(client, text):
    response = client.post("/api/v1/session", json={"username": text, "password": "x"})
    assert list(_problem(response, 422)["errors"]) == ["username"]


def test_unstorable_text_is_refused_in_nested_fields_queries_and_paths(child_api):
    child_id, api = child_api
    consent = api.post(
        f"/api/v1/children/{child_id}/consents",
        json={"audience": {"kind": "provider", "org_id": "x\x00"}, "sections": ["about_me"]},
    )
    assert list(_problem(consent, 422)["errors"]) == ["audience"]
    query = api.get(f"/api/v1/children/{child_id}/media?cursor=%00")
    assert list(_problem(query, 422)["errors"]) == ["cursor"]
    path = api.get("/api/v1/media/a%00b")
    assert list(_problem(path, 422)["errors"]) == ["media_id"]


@pytest.mark.parametrize("tag", ['"\xb2"', '"99999999999999999999"', '"2147483648"', 'W/"x"'])
def test_an_if_match_that_is_no_version_asks_for_one(child_api, tag):
    child_id, api = child_api
    url = f"/api/v1/children/{child_id}/profile/sections/about_me"
    written = api.put(url, json={"answers": {}}, headers={"If-Match": tag})
    removed = api.delete(url, headers={"If-Match": tag})
    assert _problem(written, 428)["code"] == "precondition_required"
    assert _problem(removed, 428)["code"] == "precondition_required"


@pytest.mark.parametrize("path", ["profile/versions", "access-log"])
@pytest.mark.parametrize("cursor", ["2147483648", "333160529944869225", "99999999999999999999999"])
def test_a_page_cursor_beyond_an_integer_column_is_a_validation_failure(child_api, path, cursor):
    child_id, api = child_api
    response = api.get(f"/api/v1/children/{child_id}/{path}?cursor={cursor}")
    assert list(_problem(response, 422)["errors"]) == ["cursor"]
    last = api.get(f"/api/v1/children/{child_id}/{path}?cursor=2147483647")
    assert last.status_code == 200


def test_a_multipart_part_with_an_unreadable_name_is_a_bad_request(child_api):
    child_id, api = child_api
    body = b'--B\r\nContent-Disposition: form-data; name="sec\ntion"\r\n\r\nlikes\r\n--B--\r\n'
    response = api.post(
        f"/api/v1/children/{child_id}/media",
        data=body,
        content_type="multipart/form-data; boundary=B",
    )
    _problem(response, 400)
