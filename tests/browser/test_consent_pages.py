"""On a phone, a child shares one section with a home, sees it as they will, and takes it back."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import Watched
from tests.browser.test_child_and_worker_flows import assert_no_horizontal_scroll, log_in
from tests.factories import CHILD_PIN, ApiClient, Factory

pytestmark = pytest.mark.browser

LIKES_ANSWER = "Drawing dragons with my sister"


def _child_with_likes(page: Page, base: str, factory: Factory) -> str:
    """A child logs in and writes "Things I like" (through the API, as the editor does)."""
    worker = factory.user("social_worker")
    child, login = factory.child(worker, with_login=True, name="Amira")
    log_in(page, base, login.username, CHILD_PIN)
    expect(page).to_have_url(f"{base}/me")
    page.goto(f"{base}/me/sections/likes")
    token = page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
    saved = page.request.put(
        f"{base}/api/v1/children/{child.id}/profile/sections/likes",
        data={"answers": {"favourite_things": LIKES_ANSWER}, "language": "en"},
        headers={"If-Match": '"0"', "X-CSRF-Token": token},
    )
    assert saved.ok, saved.text()
    return child.id


def _provider_reads(app: Flask, factory: Factory, organisation, child_id: str) -> None:
    staff = factory.user("provider", organisation)
    api = ApiClient(app.test_client(), app)
    assert api.login(staff).status_code == 201
    assert api.get(f"/api/v1/children/{child_id}/profile").status_code == 200


def _assert_clean(watched: Watched) -> None:
    assert watched.console_errors == []
    assert watched.csp_violations == []
    assert watched.page_csp_violations() == []


def _assert_equal_choices(page: Page) -> None:
    """Yes and no: same size, none chosen, for every part of every form on the page."""
    groups = page.locator("fieldset.share-section")
    assert groups.count() == 18  # my social worker, and a home or agency
    for index in range(groups.count()):
        group = groups.nth(index)
        yes, no = group.get_by_role("radio", name="Yes"), group.get_by_role("radio", name="No")
        expect(yes).not_to_be_checked()
        expect(no).not_to_be_checked()
        yes_box, no_box = yes.bounding_box(), no.bounding_box()
        assert yes_box and no_box
        assert (yes_box["width"], yes_box["height"]) == (no_box["width"], no_box["height"])
        labels = group.locator("label.choice")
        first, second = labels.nth(0).bounding_box(), labels.nth(1).bounding_box()
        assert first and second and first["height"] >= 48
        assert abs(first["width"] - second["width"]) < 1 and first["height"] == second["height"]
    styles = page.evaluate(
        """() => [...document.querySelectorAll('.yes-no-choice')].slice(0, 2).map(label => {
             const s = getComputedStyle(label);
             return [s.backgroundColor, s.borderColor, s.fontWeight, s.fontSize].join('|');
           })"""
    )
    assert styles[0] == styles[1]


def test_child_shares_a_section_previews_it_and_withdraws_it(
    phone: Watched, live_server: str, factory: Factory, app: Flask
) -> None:
    page = phone.page
    sunrise = factory.organisation("provider", "Sunrise Fostering")
    factory.organisation("provider", "Oakwood Homes")
    child_id = _child_with_likes(page, live_server, factory)

    page.goto(f"{live_server}/me/sharing")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Who can see my profile")
    _assert_equal_choices(page)
    assert_no_horizontal_scroll(page)
    phone.screenshot("sharing-nothing-chosen")

    form = page.locator("#new-form")
    form.get_by_label("Which home or agency?").select_option(label="Sunrise Fostering")
    form.get_by_role("group", name="Things I like").get_by_text("Yes", exact=True).click()
    form.get_by_text("To help find me a new home").click()
    form.get_by_role("button", name="Save my choices").click()

    receipt = page.get_by_role("status").filter(has_text="Sunrise Fostering")
    expect(receipt).to_contain_text("You said Sunrise Fostering can see: Things I like.")
    card = page.locator("section.audience").filter(
        has=page.get_by_role("heading", name="Sunrise Fostering", level=2)
    )
    expect(card.locator(".grant-parts")).to_have_text("Things I like")  # what they see now
    card.get_by_text("Change what they can see").click()  # the choices fold away once made
    likes = card.get_by_role("group", name="Things I like")
    expect(likes.get_by_role("radio", name="Yes")).to_be_checked()
    expect(likes.get_by_role("radio", name="No")).not_to_be_checked()
    phone.screenshot("sharing-receipt")

    _provider_reads(app, factory, sunrise, child_id)

    card.get_by_role("link", name=re.compile("See it as they will")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("See it as Sunrise Fostering will")
    shown = page.locator("section.preview-section")
    expect(shown).to_have_count(1)
    expect(shown).to_have_attribute("data-section", "likes")
    expect(shown).to_contain_text(LIKES_ANSWER)
    assert_no_horizontal_scroll(page)
    phone.screenshot("see-it-as-they-will")

    page.get_by_role("link", name="Back to who can see my profile").click()
    card.get_by_role("button", name=re.compile("^Stop sharing")).click()
    expect(page.locator("#receipts")).to_contain_text(
        "You stopped Sunrise Fostering seeing: Things I like."
    )
    expect(page.get_by_role("button", name=re.compile("^Stop sharing"))).to_have_count(0)
    phone.screenshot("sharing-withdrawn")

    page.goto(f"{live_server}/me/sharing/preview?audience=provider&org_id={sunrise.id}")
    expect(page.locator("section.preview-section")).to_have_count(0)
    expect(page.get_by_text("can't see anything of your profile right now")).to_be_visible()

    page.goto(f"{live_server}/me/looked")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Who has looked at my profile")
    entries = page.locator(".looked-item")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("from Sunrise Fostering looked at: Things I like")
    assert_no_horizontal_scroll(page)
    phone.screenshot("who-has-looked")
    _assert_clean(phone)


def test_sharing_works_without_javascript(
    browser, playwright_instance, live_server: str, factory: Factory
) -> None:
    device = dict(playwright_instance.devices["Pixel 7"])
    device.pop("default_browser_type", None)
    context = browser.new_context(java_script_enabled=False, **device)
    try:
        page = context.new_page()
        _child_with_likes(page, live_server, factory)
        page.goto(f"{live_server}/me/sharing")
        form = page.locator("#sw-form")
        form.get_by_role("group", name="Things I like").get_by_text("Yes", exact=True).click()
        form.get_by_text("To help me day to day").click()
        form.get_by_role("button", name="Save my choices").click()
        expect(page.locator("#receipts")).to_contain_text("your social worker can see")
    finally:
        context.close()
