"""A professional sets up their authenticator app in the browser (MFA on)."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Watched
from tests.factories import PASSWORD, Factory

pytestmark = pytest.mark.browser


@pytest.fixture
def settings_changes() -> dict[str, Any]:
    return {"mfa_enabled": True}


def test_new_social_worker_sets_up_authenticator_and_reaches_caseload(
    desktop: Watched, live_server: str, factory: Factory
) -> None:
    worker = factory.user("social_worker", enrol_mfa=False)
    page = desktop.page

    page.goto(f"{live_server}/login")
    page.get_by_label("Your username").fill(worker.username)
    page.get_by_label("Your PIN or password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()

    expect(page).to_have_url(f"{live_server}/mfa")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")
    page.get_by_role("button", name="Start").click()

    expect(page.locator(".qr-box svg")).to_be_visible()
    secret = page.locator("code.secret").inner_text().strip()
    assert len(secret) >= 16
    desktop.screenshot("enrolment")

    page.get_by_label("Type the 6-digit code the app shows").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Check the code").click()

    expect(page).to_have_url(f"{live_server}/caseload")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your children")
    assert desktop.console_errors == []
    assert desktop.page_csp_violations() == []
