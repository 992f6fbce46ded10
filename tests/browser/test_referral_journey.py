"""A referral end to end in Chromium: the worker on a desktop, the child on a phone,
the provider on a desktop. Refer, match, the child agrees, send, the provider views
and answers, the child sees who looked; withdrawing consent cuts the provider off on
the next request, PDF included."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from allaboutme.accounts import services as accounts
from tests.browser.conftest import Watched
from tests.browser.test_child_and_worker_flows import log_in
from tests.factories import CHILD_PIN, PASSWORD, ApiClient, Factory

pytestmark = pytest.mark.browser

WORRY = "Being moved far from my school"
HOME = {
    "ofsted_rating": "outstanding",
    "lots": ["2a"],
    "location": {"lat": 51.3760, "lon": -0.0980},
    "capabilities": ["semh"],
    "languages": ["en"],
    "faiths": [],
    "cultural_competences": [],
    "vacancies": 2,
}


def _api(app: Flask, login: Any) -> ApiClient:
    client = ApiClient(app.test_client(), app)
    assert client.login(login).status_code == 201
    return client


def _world(app: Flask, factory: Factory) -> dict[str, Any]:
    """A worker, a child who wrote two sections, two homes and the staff of one."""
    worker = factory.user("social_worker")
    child, child_login = factory.child(worker, name="Amira", with_login=True)
    writer = _api(app, child_login)
    for version, (key, answers) in enumerate(
        (("about_me", {"name": "Mira"}), ("worries", {"what_worries_me": WORRY}))
    ):
        saved = writer.put(
            f"/api/v1/children/{child.id}/profile/sections/{key}",
            json={"answers": answers, "language": "en"},
            headers={"If-Match": f'"{version}"'},
        )
        assert saved.status_code == 200
    framework = _api(app, factory.user("framework_admin"))
    ids = {}
    for name, urn in (("Sunrise Fostering", "SC200001"), ("Willow Fostering", "SC200002")):
        made = framework.post("/api/v1/providers", json={**HOME, "name": name, "ofsted_urn": urn})
        ids[name] = made.get_json()["id"]
    with app.app_context():
        sunrise = accounts.get_organisation(ids["Sunrise Fostering"])
    staff = factory.user("provider", sunrise)
    return {"worker": worker, "child": child, "child_login": child_login, "staff": staff}


def _refer_and_shortlist(page: Page, base: str, child_id: str) -> str:
    page.goto(f"{base}/children/{child_id}/referrals/new")
    page.get_by_label("Lot").select_option("2a")
    page.get_by_label("SEMH").check()
    page.get_by_label("Latitude").fill("51.3727")
    page.get_by_label("Longitude").fill("-0.1099")
    page.get_by_label("Summary for providers").fill("A calm home near school, please.")
    page.get_by_role("button", name="Create referral").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Referral for Amira")
    expect(page.locator("table.matches tbody tr")).to_have_count(2)
    page.get_by_label("Sunrise Fostering").check()
    page.get_by_label("Willow Fostering").check()
    page.get_by_role("button", name="Save shortlist").click()
    page.get_by_role("button", name="Ask the child").click()
    expect(page.get_by_text("Waiting for the child to choose what to share.")).to_be_visible()
    return page.url


def _child_agrees(page: Page, base: str, username: str) -> None:
    log_in(page, base, username, CHILD_PIN)
    request = page.locator(".share-request")
    expect(request).to_contain_text("Sunrise Fostering")
    request.get_by_role("link", name="Choose what they can see").click()
    home = page.locator("fieldset.home-choice", has_text="Sunrise Fostering")
    for part in ("About me", "Worries and feeling safe"):
        home.locator("fieldset.yes-no", has_text=part).get_by_label("Yes").check()
    page.get_by_role("button", name="Save my choices").click()
    expect(page).to_have_url(f"{base}/me/sharing?answered=1")


def test_refer_agree_send_view_answer_and_withdraw(
    desktop: Watched, phone: Watched, live_server: str, app: Flask, factory: Factory
) -> None:
    world = _world(app, factory)
    worker_page, child_page = desktop.page, phone.page

    log_in(worker_page, live_server, world["worker"].username, PASSWORD)
    referral_url = _refer_and_shortlist(worker_page, live_server, world["child"].id)
    _child_agrees(child_page, live_server, world["child_login"].username)

    worker_page.goto(referral_url)
    expect(worker_page.locator(".send-list")).to_contain_text("About me, Worries and feeling safe")
    worker_page.locator(".send-list input:not([disabled])").check()
    worker_page.get_by_role("button", name="Send referral").click()
    expect(worker_page.get_by_role("heading", name="Sent and answers")).to_be_visible()
    desktop.screenshot("worker-sent")
    worker_page.get_by_role("button", name="Log out").click()

    log_in(worker_page, live_server, world["staff"].username, PASSWORD)
    worker_page.goto(f"{live_server}/packets")
    worker_page.get_by_role("link", name="Open").click()
    expect(worker_page.get_by_role("heading", level=1)).to_have_text("Referral: Mira")
    expect(worker_page.get_by_text(WORRY)).to_be_visible()
    packet_url = worker_page.url
    pdf = worker_page.request.get(packet_url.replace("/packets/", "/api/v1/packets/") + "/pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    worker_page.get_by_label("Interested").check()
    worker_page.get_by_label("A note for the social worker").fill("We can meet Mira next week.")
    worker_page.get_by_role("button", name="Send answer").click()
    expect(worker_page.get_by_text("Answer sent to the social worker.")).to_be_visible()
    desktop.screenshot("provider-packet")

    child_page.goto(f"{live_server}/me/looked")
    expect(child_page.locator("main")).to_contain_text("Sunrise Fostering")
    child_page.goto(f"{live_server}/me/sharing")
    child_page.get_by_role("button", name="Stop sharing").first.click()

    assert worker_page.goto(packet_url).status == 410
    expect(worker_page.locator("main")).to_contain_text("no longer")
    gone = worker_page.request.get(packet_url.replace("/packets/", "/api/v1/packets/") + "/pdf")
    assert gone.status == 410
    unexpected = [text for text in desktop.console_errors if "status of 410" not in text]
    assert unexpected == [] and phone.console_errors == []
    assert desktop.page_csp_violations() == [] and phone.page_csp_violations() == []
