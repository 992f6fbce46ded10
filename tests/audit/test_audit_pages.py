"""An authority administrator browses their own audit trail and reviews safeguarding checks."""

from __future__ import annotations

import re

from allaboutme.audit import views as audit_views
from tests.factories import ApiClient

REASON = "Concern raised by school on 3 March; checking wellbeing."


def _html(response) -> str:
    return response.get_data(as_text=True)


def _client(app, login):
    api = ApiClient(app.test_client(), app)
    assert api.login(login).status_code == 201
    return api


def _authority_with_activity(app, factory, name):
    """A worker adds a child; returns (authority, admin client, worker login, child id)."""
    authority = factory.organisation("local_authority")
    worker = factory.user("social_worker", authority)
    admin = factory.user("la_admin", authority)
    created = _client(app, worker).post(
        "/api/v1/children", json={"preferred_name": name, "date_of_birth": "2012-01-01"}
    )
    assert created.status_code == 201
    return authority, _client(app, admin), worker, created.get_json()["id"]


def _actions(html: str) -> list[str]:
    return re.findall(r"<td><code>([a-z._]+)</code></td>", html)


def _child_ids(html: str) -> set[str]:
    return set(re.findall(r'<td><code class="id">([0-9a-f]{32})</code></td>', html))


def test_the_admin_sees_only_their_own_authoritys_events(app, factory):
    _authority, admin, _worker, child_id = _authority_with_activity(app, factory, "Ana")
    _other, _other_admin, _w, other_child_id = _authority_with_activity(app, factory, "Ben")
    page = admin.get("/admin/audit")
    assert page.status_code == 200
    html = _html(page)
    assert "child.create" in _actions(html) and "login" in _actions(html)
    assert child_id in _child_ids(html)
    assert other_child_id not in html
    assert "Ana" not in html.split("<main")[1]  # identifiers only, never names or words
    sequences = [int(n) for n in re.findall(r'<tr class="audit-row[^"]*">\s*<td>(\d+)</td>', html)]
    assert sequences == sorted(sequences, reverse=True) and sequences


def test_filters_by_action_and_by_child(app, factory):
    _authority, admin, worker, child_id = _authority_with_activity(app, factory, "Ana")
    worker_api = _client(app, worker)
    second = worker_api.post(
        "/api/v1/children", json={"preferred_name": "Cai", "date_of_birth": "2011-05-05"}
    ).get_json()["id"]
    worker_api.post(f"/api/v1/children/{child_id}/invites")

    by_action = _html(admin.get("/admin/audit?action=child.create"))
    assert set(_actions(by_action)) == {"child.create"}
    assert _child_ids(by_action) == {child_id, second}
    assert '<option value="child.create" selected>' in by_action

    by_child = _html(admin.get(f"/admin/audit?child_id={child_id}"))
    assert set(_actions(by_child)) == {"child.create", "invitation.issue"}
    assert _child_ids(by_child) == {child_id}

    both = _html(admin.get(f"/admin/audit?action=invitation.issue&child_id={second}"))
    assert _actions(both) == [] and "No events match." in both


def test_pages_continue_from_a_sequence(app, factory, monkeypatch):
    monkeypatch.setattr(audit_views, "PAGE_SIZE", 2)
    _authority, admin, _worker, _child_id = _authority_with_activity(app, factory, "Ana")
    first = _html(admin.get("/admin/audit"))
    older = re.search(r'href="/admin/audit\?before=(\d+)"', first)
    assert older is not None and len(_actions(first)) == 2
    second = _html(admin.get(f"/admin/audit?before={older.group(1)}"))
    assert 1 <= len(_actions(second)) <= 2
    numbers = re.findall(r'<tr class="audit-row[^"]*">\s*<td>(\d+)</td>', second)
    assert all(int(n) < int(older.group(1)) for n in numbers)


def test_safeguarding_checks_are_listed_with_their_reason(app, factory):
    _authority, admin, _worker, child_id = _authority_with_activity(app, factory, "Ana")
    _other, other_admin, _w, other_child = _authority_with_activity(app, factory, "Ben")
    assert admin.get("/admin/safeguarding").status_code == 200
    assert "No safeguarding checks have been recorded." in _html(admin.get("/admin/safeguarding"))
    read = admin.post(f"/api/v1/children/{child_id}/safeguarding-reads", json={"reason": REASON})
    assert read.status_code == 200
    other_admin.post(
        f"/api/v1/children/{other_child}/safeguarding-reads",
        json={"reason": "Another authority's own reason, kept apart."},
    )
    html = _html(admin.get("/admin/safeguarding"))
    assert REASON in html and child_id in html
    assert "kept apart" not in html and other_child not in html
    assert html.count('class="card review-item"') == 1


def test_other_roles_are_refused(app, factory):
    _authority, _admin, worker, _child_id = _authority_with_activity(app, factory, "Ana")
    worker_api = _client(app, worker)
    provider_api = _client(app, factory.user("provider"))
    for path in ("/admin/audit", "/admin/safeguarding"):
        assert worker_api.get(path).status_code == 403, path
        assert provider_api.get(path).status_code == 403, path
