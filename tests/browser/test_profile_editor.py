"""A child writes their profile on a phone: autosave, history, conflicts, offline, RTL."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS, PHONE, Watched
from tests.browser.test_child_and_worker_flows import assert_no_horizontal_scroll, log_in
from tests.factories import CHILD_PIN, Factory

pytestmark = pytest.mark.browser

NAME_QUESTION = "What do I like to be called?"


def _child_logs_in(page: Page, base: str, factory: Factory) -> str:
    worker = factory.user("social_worker")
    child, login = factory.child(worker, with_login=True, name="Amira")
    log_in(page, base, login.username, CHILD_PIN)
    expect(page).to_have_url(f"{base}/me")
    return child.id


def _status(page: Page):
    return page.locator("#save-status")


def _assert_clean(watched: Watched, *, expected_statuses: tuple[int, ...] = ()) -> None:
    """No script errors or CSP violations; Chromium's log of an expected refusal is fine."""
    expected = [f"status of {status} " for status in expected_statuses]
    unexpected = [
        error
        for error in watched.console_errors
        if not (error.startswith("Failed to load resource") and any(s in error for s in expected))
    ]
    assert unexpected == []
    assert watched.csp_violations == []
    assert watched.page_csp_violations() == []


def test_child_writes_two_sections_with_autosave_and_sees_their_history(
    phone: Watched, live_server: str, factory: Factory
) -> None:
    page = phone.page
    _child_logs_in(page, live_server, factory)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hi Amira!")
    expect(page.locator(".section-cards > li")).to_have_count(9)
    expect(page.get_by_label("About me: 0 of 6 questions answered")).to_be_visible()

    page.get_by_role("link", name=re.compile("About me")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("About me")
    page.get_by_label(NAME_QUESTION).fill("Amira the brave")
    expect(_status(page)).to_have_text("Saved")  # no button pressed
    expect(page.locator('input[name="version"]')).to_have_value("1")
    phone.screenshot("section-saved")

    page.goto(page.url)  # a fresh load, not a form-restoring reload
    expect(page.get_by_label(NAME_QUESTION)).to_have_value("Amira the brave")
    page.get_by_role("link", name="Back to all my sections").click()
    expect(page.get_by_label(re.compile(r"^About me: 1 of 6"))).to_be_visible()

    page.get_by_role("link", name=re.compile("Things I like")).click()
    page.get_by_role("checkbox", name="Music").check()
    page.get_by_label("What are my favourite things?").fill("Pizza and drawing")
    page.get_by_label("What are my favourite things?").blur()
    expect(_status(page)).to_have_text("Saved")
    # Ticking "Music" also started a debounced save (1.5 s): let it land before counting.
    page.wait_for_timeout(2_000)
    expect(_status(page)).to_have_text("Saved")
    version = int(page.locator('input[name="version"]').input_value())
    assert version >= 2

    page.goto(f"{live_server}/me/history")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Me then and me now")
    items = page.locator(".history-item")
    expect(items).to_have_count(version)
    expect(items.first).to_contain_text("Saved: Things I like")
    expect(items.last).to_contain_text("Saved: About me")
    items.last.get_by_role("link").click()
    expect(page).to_have_url(f"{live_server}/me/history/1")
    expect(page.locator(".compare-then").first).to_contain_text("Amira the brave")
    expect(page.locator(".compare-now").filter(has_text="Pizza and drawing")).to_have_count(1)
    assert_no_horizontal_scroll(page)
    phone.screenshot("then-and-now")
    _assert_clean(phone)


def test_choices_and_faces_are_big_enough_to_tap(
    phone: Watched, live_server: str, factory: Factory
) -> None:
    page = phone.page
    _child_logs_in(page, live_server, factory)
    page.goto(f"{live_server}/me/sections/about_me")

    faces = page.get_by_role("group", name="How am I feeling today?")
    expect(faces.get_by_role("radio")).to_have_count(6)  # five faces and "skip"
    for label in faces.locator("label.choice").all():
        box = label.bounding_box()
        assert box and box["height"] >= 48 and box["width"] >= 48, box
    faces.get_by_text("Happy", exact=True).click()
    expect(faces.get_by_role("radio", name="Happy", exact=True)).to_be_checked()
    expect(_status(page)).to_have_text("Saved")
    assert_no_horizontal_scroll(page)
    _assert_clean(phone)


def test_a_change_from_another_device_lets_the_child_choose(
    phone: Watched, live_server: str, factory: Factory
) -> None:
    page = phone.page
    child_id = _child_logs_in(page, live_server, factory)
    page.goto(f"{live_server}/me/sections/about_me")
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    elsewhere = page.request.put(
        f"{live_server}/api/v1/children/{child_id}/profile/sections/about_me",
        data={"answers": {"name": "From my tablet"}, "language": "en"},
        headers={"If-Match": '"0"', "X-CSRF-Token": token or ""},
    )
    assert elsewhere.ok

    page.get_by_label(NAME_QUESTION).fill("From my phone")

    panel = page.locator("#conflict-panel")
    expect(panel).to_be_visible()
    expect(_status(page)).to_contain_text("This changed on another device")
    expect(panel.locator("[data-conflict-saved]")).to_contain_text("From my tablet")
    expect(panel.locator("[data-conflict-mine]")).to_contain_text("From my phone")
    phone.screenshot("conflict")
    panel.get_by_role("button", name="Keep what I wrote").click()
    expect(_status(page)).to_have_text("Saved")
    expect(panel).to_be_hidden()

    profile = page.request.get(f"{live_server}/api/v1/children/{child_id}/profile").json()
    assert profile["version"] == 2
    assert profile["sections"]["about_me"]["answers"] == {"name": "From my phone"}
    _assert_clean(phone, expected_statuses=(409,))


def test_offline_typing_waits_and_saves_when_back_online(
    phone: Watched, live_server: str, factory: Factory
) -> None:
    page = phone.page
    _child_logs_in(page, live_server, factory)
    page.goto(f"{live_server}/me/sections/worries")
    page.context.set_offline(True)

    page.get_by_label("What makes me feel safe?").fill("My cat Biscuit")
    expect(_status(page)).to_contain_text("you’re offline")
    page.context.set_offline(False)

    expect(_status(page)).to_have_text("Saved")
    expect(page.locator('input[name="version"]')).to_have_value("1")
    _assert_clean(phone)


def test_the_form_saves_without_javascript(
    browser, playwright_instance, live_server: str, factory: Factory
) -> None:
    device = dict(playwright_instance.devices[PHONE])
    device.pop("default_browser_type", None)
    context = browser.new_context(java_script_enabled=False, **device)
    try:
        page = context.new_page()
        _child_logs_in(page, live_server, factory)
        page.goto(f"{live_server}/me/sections/school")
        page.get_by_label("Where do I go to school or college?").fill("Oak Park, Year 8")
        page.get_by_role("checkbox", name="Science").check()
        page.get_by_role("button", name="Save").click()
        expect(page).to_have_url(f"{live_server}/me/sections/school?saved=1")
        expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
        expect(page.get_by_label("Where do I go to school or college?")).to_have_value(
            "Oak Park, Year 8"
        )
        expect(page.get_by_role("checkbox", name="Science")).to_be_checked()
    finally:
        context.close()


def test_home_in_english_and_arabic(phone: Watched, live_server: str, factory: Factory) -> None:
    page = phone.page
    _child_logs_in(page, live_server, factory)
    ARTIFACTS.mkdir(exist_ok=True)
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    page.screenshot(path=str(ARTIFACTS / "home-en.png"), full_page=True)

    page.goto(f"{live_server}/me?locale=ar")
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ar")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    expect(page.locator(".section-cards > li")).to_have_count(9)
    assert_no_horizontal_scroll(page)
    first = page.locator(".section-card").first.bounding_box()
    emoji = page.locator(".section-card-emoji").first.bounding_box()
    assert first and emoji and emoji["x"] > first["x"] + first["width"] / 2  # mirrored
    page.screenshot(path=str(ARTIFACTS / "home-ar.png"), full_page=True)
    _assert_clean(phone)
