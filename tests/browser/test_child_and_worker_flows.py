"""What a child sees on a phone and a social worker on a desktop, end to end."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Watched
from tests.factories import PASSWORD, Factory

pytestmark = pytest.mark.browser

INVITE_CODE = re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$")
CHILD_PIN = "482916"


def log_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Your username").fill(username)
    page.get_by_label("Your PIN or password").fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()


def add_and_invite_child(page: Page, name: str) -> str:
    """On the caseload: add a child with the form, invite them; returns the code shown."""
    form = page.locator("form", has=page.get_by_role("button", name="Add child"))
    form.get_by_label("The name they like to be called").fill(name)
    form.get_by_label("Date of birth").fill("2013-03-09")
    form.get_by_label("Their language").select_option("en")
    form.get_by_role("button", name="Add child").click()
    expect(page.get_by_role("status").filter(has_text="Child added")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=name)
    expect(row.get_by_role("cell", name="Not yet")).to_be_visible()
    row.get_by_role("button", name=f"Invite {name}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Invitation for {name}")
    return page.locator(".invite-code code").inner_text().strip()


def assert_no_horizontal_scroll(page: Page) -> None:
    widths = page.evaluate(
        "({scroll: document.documentElement.scrollWidth, viewport: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["viewport"], f"page scrolls sideways: {widths}"


def test_login_page_fits_a_phone_with_labelled_fields_and_no_errors(
    phone: Watched, live_server: str
) -> None:
    page = phone.page
    page.goto(f"{live_server}/login")
    page.wait_for_load_state("load")

    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.get_by_label("Your username")).to_be_visible()
    expect(page.get_by_label("Your username")).to_have_attribute("type", "text")
    expect(page.get_by_label("Your PIN or password")).to_be_visible()
    expect(page.get_by_label("Your PIN or password")).to_have_attribute("type", "password")
    assert page.viewport_size == {"width": 412, "height": 839}
    assert page.evaluate("navigator.maxTouchPoints") > 0
    assert_no_horizontal_scroll(page)
    phone.screenshot("login")

    assert phone.console_errors == []
    assert phone.csp_violations == []
    assert phone.page_csp_violations() == []


def test_social_worker_adds_and_invites_a_child_on_a_desktop(
    desktop: Watched, live_server: str, factory: Factory
) -> None:
    worker = factory.user("social_worker")
    page = desktop.page

    log_in(page, live_server, worker.username, PASSWORD)
    expect(page).to_have_url(f"{live_server}/caseload")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your children")
    expect(page.get_by_text("No children yet.")).to_be_visible()

    code = add_and_invite_child(page, "Maya")

    assert INVITE_CODE.match(code), f"unexpected invitation code {code!r}"
    qr = page.locator(".qr-box svg")
    expect(qr).to_be_visible()
    expect(qr).to_have_attribute("role", "img")
    desktop.screenshot("invite")
    assert desktop.console_errors == []
    assert desktop.page_csp_violations() == []


def test_child_joins_with_code_and_sees_their_home_on_a_phone(
    desktop: Watched, phone: Watched, live_server: str, factory: Factory
) -> None:
    worker = factory.user("social_worker")
    log_in(desktop.page, live_server, worker.username, PASSWORD)
    code = add_and_invite_child(desktop.page, "Amira")

    page = phone.page
    page.goto(f"{live_server}/join")
    expect(page.get_by_role("heading", level=1)).to_have_text("Make your login")
    page.get_by_label("Your code").fill(code.lower().replace("-", " "))
    page.get_by_label("Choose a username").fill("starfish27")
    page.get_by_label("Choose a PIN or password").fill(CHILD_PIN)
    page.get_by_role("button", name="Make my login").click()

    expect(page).to_have_url(f"{live_server}/me")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hi Amira!")
    assert_no_horizontal_scroll(page)
    phone.screenshot("home")

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(re.escape(f"{live_server}/login")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.get_by_role("status").filter(has_text="You have logged out")).to_be_visible()

    page.goto(f"{live_server}/me")
    expect(page).to_have_url(re.compile(re.escape(f"{live_server}/login")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.get_by_text("Hi Amira!")).to_have_count(0)

    # The worker's caseload now shows that Amira has her own login.
    desktop.page.goto(f"{live_server}/caseload")
    row = desktop.page.get_by_role("row").filter(has_text="Amira")
    expect(row.get_by_role("cell", name="Yes", exact=True)).to_be_visible()
    assert phone.console_errors == []
    assert phone.csp_violations == []


def test_wrong_password_shows_an_alert_and_keeps_the_username(
    phone: Watched, live_server: str, factory: Factory
) -> None:
    worker = factory.user("social_worker")
    page = phone.page

    log_in(page, live_server, worker.username, "not-the-right-password")

    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).not_to_be_empty()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.get_by_label("Your username")).to_have_value(worker.username)
    expect(page.get_by_label("Your PIN or password")).to_have_value("")
    phone.screenshot("wrong-password")


def test_arabic_login_page_reads_right_to_left(phone: Watched, live_server: str) -> None:
    page = phone.page
    page.goto(f"{live_server}/login?locale=ar")

    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ar")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert_no_horizontal_scroll(page)
    phone.screenshot("arabic-login")


def test_app_is_installable_with_a_manifest_and_a_service_worker(
    phone: Watched, live_server: str
) -> None:
    page = phone.page
    page.goto(f"{live_server}/login")

    manifest_link = page.locator('link[rel="manifest"]')
    expect(manifest_link).to_have_attribute("href", "/manifest.webmanifest")
    manifest = page.request.get(f"{live_server}/manifest.webmanifest")
    assert manifest.ok
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    body = manifest.json()
    assert body["display"] == "standalone"
    assert {icon["sizes"] for icon in body["icons"]} >= {"192x192", "512x512"}

    registration = page.evaluate(
        """async () => {
            const timeout = new Promise((_, reject) =>
                setTimeout(() => reject(new Error("service worker not ready after 5 s")), 5000));
            const ready = await Promise.race([navigator.serviceWorker.ready, timeout]);
            return {scope: ready.scope, script: ready.active && ready.active.scriptURL};
        }"""
    )
    assert registration == {"scope": f"{live_server}/", "script": f"{live_server}/sw.js"}
    assert phone.console_errors == []
    assert phone.csp_violations == []


def test_chromium_finds_nothing_stopping_installation(phone: Watched, live_server: str) -> None:
    page = phone.page
    page.goto(f"{live_server}/login")
    page.evaluate("() => navigator.serviceWorker.ready")
    page.reload()  # the worker now controls the page, as it would for an installing child
    devtools = page.context.new_cdp_session(page)
    errors = devtools.send("Page.getInstallabilityErrors")["installabilityErrors"]
    # Test contexts are throwaway profiles, which Chromium treats as incognito;
    # every other criterion (manifest, icons, service worker, scope) must pass.
    assert [error["errorId"] for error in errors if error["errorId"] != "in-incognito"] == []
    manifest = devtools.send("Page.getAppManifest")
    assert manifest["errors"] == []
