"""WCAG 2.2 AA on every child page, on a phone, in English and Arabic: 0 axe-core violations.

axe-core is injected as an inline script, which the app's CSP rightly blocks, so
these tests (and only these) use a browser context with ``bypass_csp=True``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from allaboutme import db
from allaboutme.accounts import services as accounts
from allaboutme.accounts.models import User
from allaboutme.referrals import homes
from tests.browser.axe import format_violations, run_axe
from tests.browser.conftest import PHONE, Watched, _failed, _open_page
from tests.factories import CHILD_PIN, ApiClient, Factory

pytestmark = pytest.mark.browser

LIKES_ANSWER = "Drawing dragons with my sister"
PUBLIC_PAGES = ["/login", "/join", "/offline"]
CHILD_PAGES = [
    "/me",
    "/me/sections/likes",
    "/me/history",
    "/me/history/1",
    "/me/sharing",
    "/me/sharing/preview?audience=social_worker",
    "/me/looked",
    "/offline",
]


def _phone_device(playwright_instance: Any) -> dict[str, Any]:
    device = dict(playwright_instance.devices[PHONE])
    device.pop("default_browser_type", None)
    return device


@pytest.fixture
def a11y_phone(
    browser: Any, playwright_instance: Any, request: pytest.FixtureRequest
) -> Iterator[Watched]:
    """A phone page whose context bypasses CSP, so axe-core can be injected."""
    options = _phone_device(playwright_instance)
    context, watched = _open_page(browser, request, "a11y-phone", bypass_csp=True, **options)
    yield watched
    if _failed(request):
        watched.screenshot("failure")
    context.close()


@pytest.fixture
def a11y_zoomed_phone(
    browser: Any, playwright_instance: Any, request: pytest.FixtureRequest
) -> Iterator[Watched]:
    """The phone at 200% zoom: half the CSS viewport, twice the pixel ratio."""
    options = _phone_device(playwright_instance)
    width, height = options["viewport"]["width"], options["viewport"]["height"]
    options.update(
        viewport={"width": width // 2, "height": height // 2},
        screen={"width": width // 2, "height": height // 2},
        device_scale_factor=options["device_scale_factor"] * 2,
    )
    context, watched = _open_page(browser, request, "a11y-zoom", bypass_csp=True, **options)
    yield watched
    if _failed(request):
        watched.screenshot("failure")
    context.close()


def _check(page: Page, url: str, failures: list[str]) -> None:
    response = page.goto(url)
    assert response is not None and response.ok, f"{url}: HTTP {response and response.status}"
    page.wait_for_load_state("load")
    violations = run_axe(page)
    if violations:
        failures.append(format_violations(url, violations))


# WCAG 2.2 SC 2.4.11 (Focus Not Obscured), which axe-core cannot check: the focused
# control must not be wholly hidden by a sticky or fixed bar (the editor's save bar).
_FOCUS_OBSCURED = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const r = el.getBoundingClientRect();
  if (r.width * r.height === 0) return null;
  for (const bar of document.querySelectorAll('body *')) {
    const pos = getComputedStyle(bar).position;
    if ((pos !== 'sticky' && pos !== 'fixed') || bar.contains(el)) continue;
    const q = bar.getBoundingClientRect();
    const w = Math.min(r.right, q.right) - Math.max(r.left, q.left);
    const h = Math.min(r.bottom, q.bottom) - Math.max(r.top, q.top);
    if (w >= r.width - 1 && h >= r.height - 1) {
      const label = el.labels && el.labels[0] && el.labels[0].textContent;
      const aria = el.getAttribute('aria-label');
      const name = aria || label || el.textContent || el.name || el.tagName;
      const what = name.replace(/\\s+/g, ' ').trim().slice(0, 40);
      return `${what} is hidden under ${bar.tagName.toLowerCase()}.${bar.className}`;
    }
  }
  return null;
}
"""


def _tab_through(page: Page, where: str, failures: list[str], presses: int = 60) -> None:
    """Tab through the page as a keyboard user would; the focus must stay in sight."""
    page.locator("body").focus()
    for _ in range(presses):
        page.keyboard.press("Tab")
        hidden = page.evaluate(_FOCUS_OBSCURED)
        if hidden:
            failures.append(f"{where}: focus not obscured (2.4.11): {hidden}")


def _child_with_likes(page: Page, base: str, factory: Factory) -> None:
    worker = factory.user("social_worker")
    child, login = factory.child(worker, with_login=True, name="Amira")
    # By field name, not label: the login page may already be in Arabic.
    page.goto(f"{base}/login")
    page.locator('input[name="username"]').fill(login.username)
    page.locator('input[name="password"]').fill(CHILD_PIN)
    page.locator('form button[type="submit"]').click()
    expect(page).to_have_url(f"{base}/me")
    page.goto(f"{base}/me/sections/likes")
    token = page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
    saved = page.request.put(
        f"{base}/api/v1/children/{child.id}/profile/sections/likes",
        data={"answers": {"favourite_things": LIKES_ANSWER}, "language": "en"},
        headers={"If-Match": '"0"', "X-CSRF-Token": token},
    )
    assert saved.ok, saved.text()


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_every_child_page_has_no_axe_violations_on_a_phone(
    a11y_phone: Watched, live_server: str, factory: Factory, locale: str
) -> None:
    page = a11y_phone.page
    failures: list[str] = []
    page.goto(f"{live_server}/login?locale={locale}")  # sticks for the session
    for path in PUBLIC_PAGES:
        _check(page, live_server + path, failures)
        _tab_through(page, path, failures)
        expect(page.locator("html")).to_have_attribute("lang", locale)

    _child_with_likes(page, live_server, factory)
    page.goto(f"{live_server}/me?locale={locale}")
    for path in CHILD_PAGES:
        _check(page, live_server + path, failures)
        _tab_through(page, path, failures)
        expect(page.locator("html")).to_have_attribute("lang", locale)
        expect(page.locator("html")).to_have_attribute("dir", "rtl" if locale == "ar" else "ltr")

    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_login_at_200_percent_zoom_has_no_sideways_scroll_or_violations(
    a11y_zoomed_phone: Watched, live_server: str, locale: str
) -> None:
    page = a11y_zoomed_phone.page
    failures: list[str] = []
    _check(page, f"{live_server}/login?locale={locale}", failures)
    widths = page.evaluate(
        "({scroll: document.documentElement.scrollWidth,"
        " client: document.documentElement.clientWidth, inner: window.innerWidth})"
    )
    assert widths["inner"] == 206, widths
    assert widths["scroll"] <= widths["client"], f"login scrolls sideways at 200%: {widths}"
    assert not failures, "\n\n".join(failures)


HOME_FOR_CHECKS = {
    "name": "Sunrise Fostering",
    "ofsted_urn": "SC500001",
    "ofsted_rating": "good",
    "lots": ["2a"],
    "location": {"lat": 51.4, "lon": -0.1},
    "vacancies": 1,
}


def _api_as(app: Flask, login: Any) -> ApiClient:
    client = ApiClient(app.test_client(), app)
    assert client.login(login).status_code == 201
    return client


def _asked_child_with_a_new_home(app: Flask, factory: Factory) -> tuple[Any, str]:
    """A child asked about a home, which already wrote to them: (login, referral id)."""
    worker = factory.user("social_worker")
    child, login = factory.child(worker, with_login=True, name="Amira")
    home_id = (
        _api_as(app, factory.user("framework_admin"))
        .post("/api/v1/providers", json=HOME_FOR_CHECKS)
        .get_json()["id"]
    )
    child_api = _api_as(app, login)
    child_api.put(
        f"/api/v1/children/{child.id}/profile/sections/about_me",
        json={"answers": {"name": "Mira"}, "language": "en"},
        headers={"If-Match": '"0"'},
    )
    child_api.post(
        f"/api/v1/children/{child.id}/consents",
        json={
            "audience": {"kind": "provider", "org_id": home_id},
            "sections": ["about_me"],
            "purpose": "placement",
        },
    )
    worker_api = _api_as(app, worker)
    referral = worker_api.post(
        "/api/v1/referrals",
        json={
            "child_id": child.id,
            "lot": "2a",
            "location": {"lat": 51.4, "lon": -0.1},
            "summary": "A calm home.",
        },
    ).get_json()["id"]
    worker_api.put(f"/api/v1/referrals/{referral}/shortlist", json={"provider_ids": [home_id]})
    worker_api.post(f"/api/v1/referrals/{referral}/ask-child")
    packet = worker_api.post(
        f"/api/v1/referrals/{referral}/send", json={"provider_ids": [home_id]}
    ).get_json()["packets"][0]["id"]
    with app.app_context():
        organisation = accounts.get_organisation(home_id)
    staff = factory.user("provider", organisation)
    _api_as(app, staff).post(f"/api/v1/packets/{packet}/response", json={"decision": "interested"})
    with app.app_context():
        homes.save_home_profile(
            db.session().get(User, staff.user_id),
            packet,
            content={
                "who_lives_here": "Sam, Jo and a cat.",
                "welcome": "We can't wait to meet you.",
            },
            language="en",
            now=db.utcnow(),
        )
        db.session().commit()
    return login, referral


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_the_childs_referral_pages_have_no_axe_violations(
    a11y_phone: Watched, live_server: str, app: Flask, factory: Factory, locale: str
) -> None:
    login, referral = _asked_child_with_a_new_home(app, factory)
    page = a11y_phone.page
    failures: list[str] = []
    page.goto(f"{live_server}/login?locale={locale}")
    page.locator('input[name="username"]').fill(login.username)
    page.locator('input[name="password"]').fill(CHILD_PIN)
    page.locator('form button[type="submit"]').click()
    for path in ("/me", f"/me/referrals/{referral}", "/me/new-homes"):
        _check(page, live_server + path, failures)
        _tab_through(page, path, failures)
        expect(page.locator("html")).to_have_attribute("dir", "rtl" if locale == "ar" else "ltr")
    assert not failures, "\n\n".join(failures)
