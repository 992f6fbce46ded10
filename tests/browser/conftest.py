"""Fixtures for browser tests: a live server, Debian Chromium, phone and desktop pages.

The tests drive the system Chromium (never a downloaded browser) against the
per-test ``app`` served on 127.0.0.1. Without Chromium the directory is skipped,
unless ``ALLABOUTME_REQUIRE_BROWSER=1`` (CI), where that is a failure.

Browser tests run on SQLite only and with MFA off (except where a module turns
it on): the flows under test are the same on every backend, and each extra
backend would double the run time.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests import backends

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = "Pixel 7"
DESKTOP_VIEWPORT = {"width": 1280, "height": 800}
TIMEOUT_MS = 10_000

_CALL_REPORT = pytest.StashKey[pytest.TestReport]()

# Records every CSP violation the page reports, even ones the console does not show.
_CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || ""));
});
"""


def _chromium_or_skip() -> str:
    path = backends.chromium_path()
    if path is None:
        reason = "Chromium not found (install it with: sudo apt-get install chromium)"
        if backends.is_required("ALLABOUTME_REQUIRE_BROWSER"):
            pytest.fail(f"ALLABOUTME_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(f"browser tests skipped: {reason}")
    return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.stash[_CALL_REPORT] = report


def _failed(request: pytest.FixtureRequest) -> bool:
    report = request.node.stash.get(_CALL_REPORT, None)
    return report is None or report.failed


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")


# -- settings: SQLite only, MFA off ----------------------------------------------------


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def settings_changes() -> dict[str, Any]:
    return {"mfa_enabled": False}


# -- the live server ---------------------------------------------------------------------


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The test's app on 127.0.0.1 at a free port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# -- the browser -------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _chromium_present() -> None:
    """Skip (or, when required, fail) every browser test without Chromium."""
    _chromium_or_skip()


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Any]:
    path = _chromium_or_skip()
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    # Assertions wait as long as actions do: CI machines are small and busy.
    sync_api.expect.set_options(timeout=TIMEOUT_MS)
    with sync_api.sync_playwright() as playwright:
        playwright.chromium_path = path  # type: ignore[attr-defined]
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Any) -> Iterator[Any]:
    chromium = playwright_instance.chromium.launch(
        executable_path=playwright_instance.chromium_path, args=CHROMIUM_ARGS
    )
    yield chromium
    chromium.close()


@dataclass
class Watched:
    """A page with what a person (or the developer console) would have seen go wrong."""

    page: Any
    name: str
    console_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def screenshot(self, label: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{_slug(self.name)}-{_slug(label)}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def page_csp_violations(self) -> list[str]:
        """Violations the current document recorded through ``securitypolicyviolation``."""
        return list(self.page.evaluate("window.__cspViolations || []"))


def _open_page(browser: Any, request: pytest.FixtureRequest, kind: str, **options: Any) -> Any:
    context = browser.new_context(locale="en-GB", service_workers="allow", **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(_CSP_RECORDER)
    # Nothing but the live server: a request elsewhere is a bug in the page.
    context.route(re.compile(r"^(?!https?://127\.0\.0\.1[:/]).*"), lambda route: route.abort())
    page = context.new_page()
    watched = Watched(page=page, name=f"{request.node.name}-{kind}")

    def on_console(message: Any) -> None:
        if "Content Security Policy" in message.text:
            watched.csp_violations.append(message.text)
        if message.type == "error":
            watched.console_errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: watched.console_errors.append(f"page error: {error}"))
    return context, watched


@pytest.fixture
def phone(
    browser: Any, playwright_instance: Any, request: pytest.FixtureRequest
) -> Iterator[Watched]:
    """A page in an Android phone's browser (Pixel 7: viewport, UA, touch, mobile)."""
    device = dict(playwright_instance.devices[PHONE])
    device.pop("default_browser_type", None)
    context, watched = _open_page(browser, request, "phone", **device)
    yield watched
    if _failed(request):
        watched.screenshot("failure")
    context.close()


@pytest.fixture
def desktop(browser: Any, request: pytest.FixtureRequest) -> Iterator[Watched]:
    """A page in a desktop browser window of 1280x800."""
    context, watched = _open_page(browser, request, "desktop", viewport=DESKTOP_VIEWPORT)
    yield watched
    if _failed(request):
        watched.screenshot("failure")
    context.close()
