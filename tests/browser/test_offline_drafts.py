"""Offline drafts: words a child could not send wait in IndexedDB on the phone.

Chromium with the network switched off and on (``context.set_offline``). A page
cannot be reloaded offline (the service worker never caches child pages), so the
draft is checked in IndexedDB, the page closed, and the section opened again.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, Watched
from tests.browser.test_child_and_worker_flows import log_in
from tests.factories import CHILD_PIN, Factory

pytestmark = pytest.mark.browser

WAITING = "Waiting to send – saved on this phone"
SAFE_QUESTION = "What makes me feel safe?"
NAME_QUESTION = "What do I like to be called?"

# Reads the raw database, without drafts.js, and without creating it if absent.
READ_DRAFT = """async (key) => {
  const names = (await indexedDB.databases()).map((db) => db.name);
  if (!names.includes("aam-drafts")) return null;
  const db = await new Promise((ok, fail) => {
    const req = indexedDB.open("aam-drafts");
    req.onsuccess = () => ok(req.result);
    req.onerror = () => fail(req.error);
  });
  try {
    if (!db.objectStoreNames.contains("drafts")) return null;
    return await new Promise((ok, fail) => {
      const req = db.transaction("drafts").objectStore("drafts").get(key);
      req.onsuccess = () => ok(req.result === undefined ? null : req.result);
      req.onerror = () => fail(req.error);
    });
  } finally {
    db.close();
  }
}"""

# Nothing of the child's may be kept anywhere but IndexedDB.
OTHER_STORES = """async () => {
  const cached = [];
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) cached.push(request.url);
  }
  return { local: localStorage.length, session: sessionStorage.length, cached };
}"""

FETCH_PROFILE = """async (url) => {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  return { status: response.status, body: await response.json() };
}"""


def _child_logs_in(page: Page, base: str, factory: Factory) -> tuple[str, str]:
    worker = factory.user("social_worker")
    child, login = factory.child(worker, with_login=True, name="Amira")
    assert login is not None
    log_in(page, base, login.username, CHILD_PIN)
    expect(page).to_have_url(f"{base}/me")
    return child.id, login.username


def _status(page: Page):
    return page.locator("#save-status")


def _draft(page: Page, key: str) -> Any:
    return page.evaluate(READ_DRAFT, f"section:{key}")


def _database_names(page: Page) -> list[str]:
    return page.evaluate("async () => (await indexedDB.databases()).map((db) => db.name)")


def _assert_clean(watched: Watched, *, allowed: tuple[str, ...] = ()) -> None:
    unexpected = [
        error
        for error in watched.console_errors
        if not (error.startswith("Failed to load resource") and any(a in error for a in allowed))
    ]
    assert unexpected == []
    assert watched.csp_violations == []


def test_a_draft_typed_offline_is_sent_when_the_section_is_opened_again_online(
    phone: Watched, live_server: str, factory: Factory
) -> None:
    page = phone.page
    child_id, _username = _child_logs_in(page, live_server, factory)
    section_url = f"{live_server}/me/sections/worries"
    page.goto(section_url)
    context = page.context
    context.set_offline(True)

    page.get_by_label(SAFE_QUESTION).fill("My cat Biscuit")
    page.get_by_label(SAFE_QUESTION).blur()  # nothing left pending when the page closes
    status = _status(page)
    expect(status).to_contain_text(WAITING)
    expect(status).to_contain_text("you’re offline")
    expect(status).to_have_attribute("role", "status")
    expect(status).to_have_attribute("aria-live", "polite")
    phone.screenshot("waiting")

    draft = _draft(page, "worries")
    assert draft is not None
    assert list(draft["answers"].values()) == ["My cat Biscuit"]
    assert draft["base"] == "0"
    assert draft["language"] == "en"
    assert draft["helped"] is False
    stored_elsewhere = page.evaluate(OTHER_STORES)
    assert stored_elsewhere["local"] == 0 and stored_elsewhere["session"] == 0
    assert not [url for url in stored_elsewhere["cached"] if "/me" in url or "/api/" in url]
    _assert_clean(phone)
    # The closing page must not get its words out as the network comes back:
    # this test is about the next visit finding the draft.
    # Routes do not see a keepalive request sent while the page unloads, so the page's
    # own fetch is what is cut off here.
    page.route(re.compile(r".*/profile/sections/.*"), lambda route: route.abort())
    page.evaluate("() => { window.fetch = () => Promise.reject(new TypeError('closing')); }")
    page.close()

    context.set_offline(False)
    again = context.new_page()
    phone.page = again  # for the fixture's screenshot on failure
    sends: list[str | None] = []
    again.on(
        "request",
        lambda request: (
            sends.append(request.headers.get("if-match")) if request.method == "PUT" else None
        ),
    )
    again.goto(section_url)
    expect(again.get_by_label(SAFE_QUESTION)).to_have_value("My cat Biscuit")
    expect(_status(again)).to_have_text("Saved")
    expect(again.locator('input[name="version"]')).to_have_value("1")
    assert _draft(again, "worries") is None
    assert sends == ['"0"']  # sent by this visit, from the version it was written on

    profile = again.evaluate(FETCH_PROFILE, f"/api/v1/children/{child_id}/profile")
    assert profile["status"] == 200
    assert list(profile["body"]["sections"]["worries"]["answers"].values()) == ["My cat Biscuit"]


def test_a_draft_that_meets_a_newer_version_lets_the_child_choose(
    phone: Watched, browser: Any, playwright_instance: Any, live_server: str, factory: Factory
) -> None:
    page = phone.page
    worker = factory.user("social_worker")
    child, login = factory.child(worker, with_login=True, name="Amira")
    assert login is not None
    log_in(page, live_server, login.username, CHILD_PIN)
    expect(page).to_have_url(f"{live_server}/me")
    page.goto(f"{live_server}/me/sections/about_me")
    page.context.set_offline(True)

    page.get_by_label(NAME_QUESTION).fill("Written on the bus")
    expect(_status(page)).to_contain_text(WAITING)
    assert _draft(page, "about_me")["answers"] == {"name": "Written on the bus"}

    # Meanwhile, on a tablet (another browser, online), the same section is saved.
    device = dict(playwright_instance.devices[PHONE])
    device.pop("default_browser_type", None)
    tablet = browser.new_context(locale="en-GB", **device)
    try:
        other = tablet.new_page()
        log_in(other, live_server, login.username, CHILD_PIN)
        expect(other).to_have_url(f"{live_server}/me")
        other.goto(f"{live_server}/me/sections/about_me")
        token = other.locator('meta[name="csrf-token"]').get_attribute("content")
        saved = other.request.put(
            f"{live_server}/api/v1/children/{child.id}/profile/sections/about_me",
            data={"answers": {"name": "From my tablet"}, "language": "en"},
            headers={"If-Match": '"0"', "X-CSRF-Token": token or ""},
        )
        assert saved.ok
    finally:
        tablet.close()

    page.context.set_offline(False)
    panel = page.locator("#conflict-panel")
    expect(panel).to_be_visible()
    expect(_status(page)).to_contain_text("This changed on another device")
    expect(panel.locator("[data-conflict-saved]")).to_contain_text("From my tablet")
    expect(panel.locator("[data-conflict-mine]")).to_contain_text("Written on the bus")
    assert _draft(page, "about_me") is not None  # kept until the child chooses
    phone.screenshot("draft-conflict")

    panel.get_by_role("button", name="Keep what I wrote").click()
    expect(_status(page)).to_have_text("Saved")
    expect(panel).to_be_hidden()
    expect(page.locator('input[name="version"]')).to_have_value("2")
    assert _draft(page, "about_me") is None

    profile = page.evaluate(FETCH_PROFILE, f"/api/v1/children/{child.id}/profile")
    assert profile["body"]["version"] == 2
    assert profile["body"]["sections"]["about_me"]["answers"] == {"name": "Written on the bus"}
    _assert_clean(phone, allowed=("status of 409 ",))


def test_choosing_the_saved_version_drops_the_draft(
    phone: Watched, live_server: str, factory: Factory
) -> None:
    page = phone.page
    child_id, _username = _child_logs_in(page, live_server, factory)
    page.goto(f"{live_server}/me/sections/about_me")
    page.context.set_offline(True)
    page.get_by_label(NAME_QUESTION).fill("Written on the bus")
    expect(_status(page)).to_contain_text(WAITING)

    # Saved "elsewhere" (Playwright's own HTTP client, not the offline page).
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    saved = page.request.put(
        f"{live_server}/api/v1/children/{child_id}/profile/sections/about_me",
        data={"answers": {"name": "From my tablet"}, "language": "en"},
        headers={"If-Match": '"0"', "X-CSRF-Token": token or ""},
    )
    assert saved.ok
    page.context.set_offline(False)

    panel = page.locator("#conflict-panel")
    expect(panel).to_be_visible()
    panel.get_by_role("button", name="Keep the saved one").click()
    expect(page.get_by_label(NAME_QUESTION)).to_have_value("From my tablet")
    expect(panel).to_be_hidden()
    assert _draft(page, "about_me") is None
    expect(_status(page)).to_have_text("")
    _assert_clean(phone, allowed=("status of 409 ",))


def test_logging_out_clears_the_drafts(phone: Watched, live_server: str, factory: Factory) -> None:
    page = phone.page
    _child_id, username = _child_logs_in(page, live_server, factory)
    page.goto(f"{live_server}/me/sections/worries")

    # Online but the server cannot be reached: the draft waits, the phone can still log out.
    unreachable = re.compile(r".*/profile/sections/.*")
    page.route(unreachable, lambda route: route.abort())
    page.get_by_label(SAFE_QUESTION).fill("Something private")
    expect(_status(page)).to_contain_text(WAITING)
    assert _draft(page, "worries") is not None

    page.get_by_role("button", name="Log out").click()
    expect(page).not_to_have_url(re.compile(r"/me/"))
    assert "aam-drafts" not in _database_names(page)
    page.unroute(unreachable)

    log_in(page, live_server, username, CHILD_PIN)
    expect(page).to_have_url(f"{live_server}/me")
    page.goto(f"{live_server}/me/sections/worries")
    expect(page.get_by_label(SAFE_QUESTION)).to_have_value("")
    expect(_status(page)).to_have_text("")
    assert _draft(page, "worries") is None
    _assert_clean(phone, allowed=("net::ERR_FAILED",))


def test_clear_site_data_alone_clears_the_drafts(
    phone: Watched, live_server: str, factory: Factory
) -> None:
    """Without the page's own clean-up, the server's Clear-Site-Data still does it."""
    page = phone.page
    _child_logs_in(page, live_server, factory)
    page.goto(f"{live_server}/me/sections/worries")
    page.evaluate(
        """async () => {
          await window.aamDrafts.put("section:worries", { owner: "x", answers: {}, base: "0" });
        }"""
    )
    assert "aam-drafts" in _database_names(page)
    # Post the logout form the way a page without drafts.js would.
    page.evaluate(
        """() => {
          const form = document.querySelector('form[action$="/logout"]');
          HTMLFormElement.prototype.submit.call(form);
        }"""
    )
    expect(page).not_to_have_url(re.compile(r"/me/"))
    assert "aam-drafts" not in _database_names(page)
