"""Who may call what: every route x every role and relationship, from one table.

``tests/authorization/table.py`` says what each actor should get from every
route the app has; the test runs every cell against one world and lists every
unexpected allow or deny. Another test fails when a route has no row, so a new
endpoint cannot be added without saying who may call it. Lists must hold only
what each actor may reach, and what is out of reach must look exactly like
what does not exist.
"""

from __future__ import annotations

import logging
import re
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import urlsplit

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.test import TestResponse

from allaboutme import create_app
from tests.authorization.rows import ACTORS, LOGGED_OUT, Expected, Row
from tests.authorization.table import EXCLUDED_ENDPOINTS, KNOWN_DEFECTS, MATRIX
from tests.authorization.world import MISSING_ID, World, build_world
from tests.conftest import make_settings

IGNORED_METHODS = {"HEAD", "OPTIONS"}
REDIRECTS = {301, 302, 303, 307, 308}
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def _answer(response: TestResponse) -> Expected:
    """The status, or for a redirect the status and the path it sends the browser to."""
    if response.status_code in REDIRECTS:
        return f"{response.status_code} {urlsplit(response.location).path}"
    return response.status_code


def _filled(body: Any, values: Any) -> Any:
    """``body`` with ``{placeholders}`` replaced, at any depth."""
    if isinstance(body, dict):
        return {key: _filled(value, values) for key, value in body.items()}
    if isinstance(body, list):
        return [_filled(item, values) for item in body]
    return body.format_map(values) if isinstance(body, str) else body


def _call(world: World, row: Row, actor: str) -> Expected:
    values = world.values(actor)
    browser = (world.spares if row.session == "spare" else world.browsers)[actor]
    response = browser.send(
        row.method,
        row.path.format_map(values),
        json=_filled(row.json, values),
        form=_filled(row.form, values),
        headers=_filled(dict(row.headers), values),
    )
    return _answer(response)


def _is_expected(expected: Expected, got: Expected, values: Any) -> bool:
    if isinstance(expected, int):
        return got == expected
    return isinstance(got, str) and fnmatchcase(got, expected.format_map(values))


def _verdict(world: World, row: Row, actor: str) -> str | None:
    """What is wrong with one cell, or None when the app answers as the table says."""
    got, values = _call(world, row, actor), world.values(actor)
    expected = row.expected(actor)
    cell = f"{row.name} ({row.method} {row.path}) as {actor}: {got}"
    known = KNOWN_DEFECTS.get((row.name, actor))
    if _is_expected(expected, got, values):
        return None if known is None else f"{cell}: fixed, delete it from KNOWN_DEFECTS"
    if known is not None and _is_expected(known[0], got, values):
        return None
    return f"{cell}, expected {expected}"


def test_every_actor_gets_exactly_the_expected_answer(app, factory, caplog):
    # One access-log line per request is not what this test is about.
    caplog.set_level(logging.WARNING, logger="allaboutme.access")
    world = build_world(app, factory)
    wrong = [
        verdict
        for row in MATRIX
        for actor in ACTORS
        if (verdict := _verdict(world, row, actor)) is not None
    ]
    assert not wrong, "\n".join(["unexpected answers:", *wrong])


def _endpoint_of(app, row: Row) -> tuple[str, str]:
    """Which route a row calls (every placeholder filled with a plausible id)."""
    path = urlsplit(PLACEHOLDER.sub("1", row.path)).path
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _arguments = adapter.match(path, method=row.method)
    except (NotFound, MethodNotAllowed):
        return "(no route)", f"{row.method} {row.path}"
    return endpoint, row.method


@pytest.fixture
def routes_app(tmp_path):
    """The app without a database behind it: enough to read its routes (once, not per backend)."""
    settings = make_settings(
        tmp_path, f"sqlite:///{tmp_path / 'data.sqlite3'}", f"sqlite:///{tmp_path / 'keys.sqlite3'}"
    )
    return create_app({"ALLABOUTME_SETTINGS": settings, "TESTING": True})


def test_every_route_has_a_row(routes_app):
    app = routes_app
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in EXCLUDED_ENDPOINTS
        for method in rule.methods - IGNORED_METHODS
    }
    covered = {_endpoint_of(app, row) for row in MATRIX}
    assert sorted(routes - covered) == [], "routes without a row in the matrix"
    assert sorted(covered - routes) == [], "rows that call no route of the app"


def test_the_table_names_only_its_own_rows_and_actors():
    names = [row.name for row in MATRIX]
    assert len(names) == len(set(names)), "two rows share a name"
    unknown = [
        (row.name, actor) for row in MATRIX for actor in row.overrides if actor not in ACTORS
    ]
    stray = [cell for cell in KNOWN_DEFECTS if cell[0] not in names or cell[1] not in ACTORS]
    assert unknown == [] and stray == []


# (a list, the placeholder of an item in it, who may see that item listed)
LISTED = (
    ("/api/v1/children", "child", ("worker_allocated", "admin_same_authority")),
    ("/caseload", "child_name", ("worker_allocated", "admin_same_authority")),
    ("/api/v1/referrals", "referral", ("worker_allocated", "admin_same_authority")),
    ("/referrals", "referral", ("worker_allocated", "admin_same_authority")),
    ("/api/v1/packets", "packet", ("provider", "provider_revoked", "provider_expired")),
    ("/packets", "packet", ("provider", "provider_revoked", "provider_expired")),
)


def test_lists_hold_only_what_each_actor_may_reach(app, factory):
    world = build_world(app, factory)
    wrong = []
    for path, placeholder, allowed in LISTED:
        for actor in set(ACTORS) - set(LOGGED_OUT):
            response = world.browsers[actor].send("GET", path)
            item = world.values(actor)[placeholder]
            listed = response.status_code == 200 and item in response.get_data(as_text=True)
            if listed != (actor in allowed):
                wrong.append(f"{path} as {actor}: {'listed' if listed else 'not listed'}")
    assert not wrong, "\n".join(["lists that show too much or too little:", *sorted(wrong)])


def _comparable(response: TestResponse) -> tuple[int, str, Any]:
    """What a caller can see of an answer, less what differs on every request."""
    if response.is_json:
        body = {k: v for k, v in response.get_json().items() if k != "request_id"}
        return response.status_code, response.mimetype, body
    html = response.get_data(as_text=True)
    html = re.sub(r"<code>[^<]*</code>", "<code></code>", html)  # the request id
    html = re.sub(r'nonce="[^"]*"', 'nonce=""', html)
    html = re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', html)
    return response.status_code, response.mimetype, html


# (who asks, something that exists but is out of their reach)
OUT_OF_REACH = (
    ("worker_other_authority", "POST /api/v1/children/{child}/invites"),
    ("worker_other_authority", "GET /api/v1/children/{child}/profile"),
    ("admin_other_authority", "GET /api/v1/children/{child}/export"),
    ("worker_unallocated", "GET /children/{child}/sharing"),
    ("worker_other_authority", "GET /api/v1/referrals/{referral}"),
    ("admin_other_authority", "GET /api/v1/referrals/{referral}/matches"),
    ("worker_other_authority", "GET /referrals/{referral}"),
    ("provider_other", "GET /api/v1/packets/{packet}"),
    ("provider_other", "POST /api/v1/packets/{packet}/response"),
    ("provider_other", "GET /packets/{packet}"),
    ("provider_other", "GET /api/v1/media/{media}"),
    ("provider_other", "GET /home-photos/{home_photo}"),
    ("child_other", "GET /me/referrals/{referral}"),
)


def test_what_is_out_of_reach_looks_like_what_does_not_exist(app, factory):
    world = build_world(app, factory)
    told_apart = []
    for actor, call in OUT_OF_REACH:
        method, template = call.split(" ", 1)
        browser, values = world.browsers[actor], world.values(actor)
        body = {"decision": "declined", "note": ""} if method == "POST" else None
        real = browser.send(method, template.format_map(values), json=body)
        missing = browser.send(method, PLACEHOLDER.sub(MISSING_ID, template), json=body)
        if real.status_code != 404 or _comparable(real) != _comparable(missing):
            told_apart.append(f"{actor} {call}: {real.status_code} vs {missing.status_code}")
    assert not told_apart, "\n".join(["told apart from what does not exist:", *told_apart])
