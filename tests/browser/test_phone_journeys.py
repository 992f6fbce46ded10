"""A child's whole journey on a phone (Pixel 7), in English and in Arabic.

Join with an invitation, pick a language with the picker, write three sections (one
of them offline), add a photo carrying GPS and a drawing made with the mouse and a
finger, then look back at the history. Around it: axe-core on the section page with
pictures and the drawing canvas open, "Read this to me", easy mode and 200% zoom.

Arabic pages may show words that are not translated yet, so these tests find things
by id, name and data attribute, never by their English words, except where they say so.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from PIL import Image
from playwright.sync_api import Page, expect

from allaboutme.media.imaging import metadata_report
from tests.browser.axe import format_violations, run_axe
from tests.browser.conftest import PHONE, Watched, _failed, _open_page
from tests.factories import CHILD_PIN, ApiClient, Factory
from tests.media import corpus

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
LOCALES = ["en", "ar"]
PHOTO_CAPTION = "Biscuit on the beach"
DRAWING_CAPTION = "My dragon"
RED = "#d62828"
CANVAS = (1200, 900)  # the canvas's own pixels, whatever its size on screen

# GPS of "home", as a phone writes it: degrees, minutes, seconds.
GPS = {1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)}

CANVAS_PIXEL = """([x, y]) => Array.from(
  document.getElementById("drawing-canvas").getContext("2d").getImageData(x, y, 1, 1).data
)"""

FAKE_SPEECH = """
window.__spoken = [];
window.__cancelled = 0;
const voices = %s;
Object.defineProperty(window, "speechSynthesis", { configurable: true, value: {
  getVoices: () => voices,
  speak: (utterance) => window.__spoken.push({ text: utterance.text, lang: utterance.lang }),
  cancel: () => { window.__cancelled += 1; },
  addEventListener: () => {},
} });
"""
# Everything a finger taps in the pictures section, smaller than 44 x 44 CSS pixels.
SMALL_TARGETS = """() => Array.from(document.querySelectorAll(
  "[data-pictures] :is(button, a, input[type=file], .swatch, textarea)"
)).filter((el) => el.checkVisibility()).map((el) => [el, el.getBoundingClientRect()])
  .filter(([, box]) => Math.min(box.width, box.height) < 44)
  .map(([el, box]) => `${el.tagName}.${el.className} ${box.width}x${box.height}`)"""

NO_SPEECH = """
Object.defineProperty(window, "speechSynthesis", { configurable: true, value: undefined });
"""


def _photo_with_gps() -> bytes:
    """A small phone photo whose EXIF says where it was taken."""
    image = Image.new("RGB", (96, 64), (30, 144, 255))
    image.paste((255, 200, 0), (0, 0, 48, 64))
    exif = Image.Exif()
    exif[0x010F] = "PhoneCo"  # Make
    exif[0x8825] = GPS  # the GPS IFD
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def _invitation(app: Flask, factory: Factory) -> tuple[str, str]:
    """A child added by their social worker, and the invitation code the worker got."""
    worker = factory.user("social_worker")
    child, _no_login = factory.child(worker, name="Amira")
    api = ApiClient(app.test_client(), app)
    assert api.login(worker).status_code == 201
    invite = api.post(f"/api/v1/children/{child.id}/invites", json={})
    assert invite.status_code == 201, invite.get_json()
    return child.id, invite.get_json()["code"]


def _pick_language(page: Page, locale: str) -> None:
    page.locator(".language-picker summary").click()
    page.locator(f'.language-picker a[hreflang="{locale}"]').click()
    expect(page.locator("html")).to_have_attribute("lang", locale)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if locale == "ar" else "ltr")


def _join(page: Page, base: str, code: str, locale: str) -> None:
    page.goto(f"{base}/join")
    _pick_language(page, locale)
    page.locator('input[name="code"]').fill(code)
    page.locator('input[name="username"]').fill(f"starfish{locale}")
    page.locator('input[name="password"]').fill(CHILD_PIN)
    page.locator('main form button[type="submit"]').click()
    expect(page).to_have_url(f"{base}/me")
    expect(page.locator("html")).to_have_attribute("lang", locale)


def _log_in(page: Page, base: str, username: str, locale: str = "en") -> None:
    page.goto(f"{base}/login?locale={locale}")
    page.locator('input[name="username"]').fill(username)
    page.locator('input[name="password"]').fill(CHILD_PIN)
    page.locator('main form button[type="submit"]').click()
    expect(page).to_have_url(f"{base}/me")
    page.goto(f"{base}/me?locale={locale}")  # logging in starts a new session: ask again
    expect(page.locator("html")).to_have_attribute("lang", locale)


def _saved(page: Page) -> None:
    expect(page.locator("#save-status")).to_have_class(re.compile(r"\bis-ok\b"))


def _write(page: Page, base: str, key: str, question: str, text: str) -> None:
    page.goto(f"{base}/me/sections/{key}")
    field = page.locator(f"#q-{question}")
    field.fill(text)
    field.blur()
    _saved(page)


def _answers(page: Page, base: str, child_id: str) -> dict[str, Any]:
    response = page.request.get(f"{base}/api/v1/children/{child_id}/profile")
    assert response.ok, response.text()
    return {key: value["answers"] for key, value in response.json()["sections"].items()}


def _pictures(page: Page, base: str, child_id: str) -> list[dict[str, Any]]:
    response = page.request.get(f"{base}/api/v1/children/{child_id}/media")
    assert response.ok, response.text()
    return list(response.json()["items"])


def _write_offline(page: Page, base: str, child_id: str) -> None:
    """Typed with the network off: it waits on the phone and goes when the network is back."""
    page.goto(f"{base}/me/sections/worries")
    page.context.set_offline(True)
    field = page.locator("#q-feel_safe")
    field.fill("My cat Biscuit")
    field.blur()
    expect(page.locator("#save-status")).to_have_class(re.compile(r"\bis-waiting\b"))
    page.context.set_offline(False)
    _saved(page)
    assert _answers(page, base, child_id)["worries"] == {"feel_safe": "My cat Biscuit"}


def _add_photo(page: Page, base: str, child_id: str) -> None:
    photo = _photo_with_gps()
    assert "gps" in metadata_report(photo)
    page.goto(f"{base}/me/sections/likes")
    page.locator("#picture-file").set_input_files(
        files=[{"name": "beach.jpg", "mimeType": "image/jpeg", "buffer": photo}]
    )
    expect(page.locator("[data-picture-preview]")).to_be_visible()
    page.locator("#picture-caption").fill(PHOTO_CAPTION)
    page.locator("[data-picture-submit]").click()
    pictures = page.locator("[data-picture-list] > li")
    expect(pictures).to_have_count(1)
    expect(pictures.first.locator("figcaption")).to_have_text(PHOTO_CAPTION)
    expect(page.locator("#picture-caption")).to_have_value("")
    thumb = pictures.first.locator("img")
    expect(thumb).to_have_js_property("complete", True)
    assert thumb.evaluate("img => img.naturalWidth") > 0

    [stored] = _pictures(page, base, child_id)
    assert (stored["section"], stored["caption"]) == ("likes", PHOTO_CAPTION)
    picture = page.request.get(f"{base}/api/v1/media/{stored['id']}")
    assert picture.ok and picture.headers["content-type"] == "image/jpeg"
    assert metadata_report(picture.body()) == {}
    assert dict(Image.open(io.BytesIO(picture.body())).getexif()) == {}


def _canvas_box(page: Page) -> dict[str, float]:
    """Where the canvas is on screen (scrolled into view first: fingers touch the screen)."""
    canvas = page.locator("#drawing-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    return box


def _on_screen(box: dict[str, float], x: float, y: float) -> tuple[float, float]:
    """A point given as fractions of the canvas, in page coordinates."""
    return box["x"] + x * box["width"], box["y"] + y * box["height"]


def _pixel(page: Page, x: float, y: float) -> list[int]:
    return page.evaluate(CANVAS_PIXEL, [int(x * CANVAS[0]), int(y * CANVAS[1])])


def _mouse_stroke(page: Page, points: list[tuple[float, float]]) -> None:
    box = _canvas_box(page)
    page.mouse.move(*_on_screen(box, *points[0]))
    page.mouse.down()
    for point in points[1:]:
        page.mouse.move(*_on_screen(box, *point), steps=8)
    page.mouse.up()


def _finger_stroke(page: Page, points: list[tuple[float, float]]) -> None:
    """A real touch (touchstart, touchmove, touchend), as a finger on the phone makes."""
    box = _canvas_box(page)
    devtools = page.context.new_cdp_session(page)
    kinds = ["touchStart"] + ["touchMove"] * (len(points) - 1)
    for kind, point in zip(kinds, points, strict=True):
        x, y = _on_screen(box, *point)
        devtools.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x, "y": y}]})
    devtools.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    devtools.detach()


def _draw(page: Page, base: str, child_id: str) -> None:
    page.goto(f"{base}/me/sections/likes")
    opener = page.locator("[data-drawing-open]")
    expect(opener).to_have_attribute("aria-expanded", "false")
    opener.click()
    expect(opener).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#drawing-canvas")).to_be_visible()
    touch_action = "getComputedStyle(document.getElementById('drawing-canvas')).touchAction"
    assert page.evaluate(touch_action) == "none"  # a finger draws instead of scrolling

    page.locator(f'[data-drawing-colour][value="{RED}"]').check()
    _mouse_stroke(page, [(0.2, 0.3), (0.5, 0.3), (0.8, 0.3)])
    assert _pixel(page, 0.5, 0.3) == [214, 40, 40, 255]
    _finger_stroke(page, [(0.5, 0.6), (0.5, 0.7), (0.5, 0.8)])
    assert _pixel(page, 0.5, 0.7)[:3] == [214, 40, 40]
    page.locator("[data-drawing-undo]").click()  # the finger's line goes, the mouse's stays
    assert _pixel(page, 0.5, 0.7) == [255, 255, 255, 255]
    assert _pixel(page, 0.5, 0.3)[:3] == [214, 40, 40]

    page.locator("#drawing-caption").fill(DRAWING_CAPTION)
    page.locator("[data-drawing-save]").click()
    expect(page.locator("[data-picture-list] > li")).to_have_count(2)
    expect(page.locator("[data-picture-list] > li").first.locator("figcaption")).to_have_text(
        DRAWING_CAPTION
    )
    expect(page.locator("#drawing-caption")).to_have_value("")
    assert _pixel(page, 0.5, 0.3) == [255, 255, 255, 255]  # a fresh page for the next one

    drawing = next(p for p in _pictures(page, base, child_id) if p["caption"] == DRAWING_CAPTION)
    body = page.request.get(f"{base}/api/v1/media/{drawing['id']}").body()
    rgb = Image.open(io.BytesIO(body)).convert("RGB").tobytes()
    reddish = [i for i in range(0, len(rgb), 3) if rgb[i] > 180 and rgb[i + 1] < 90]
    assert len(reddish) > 1000, "the red line is in the saved drawing"


def _assert_clean(watched: Watched) -> None:
    # An offline send is refused by the browser itself; nothing else may go wrong.
    unexpected = [e for e in watched.console_errors if "ERR_INTERNET_DISCONNECTED" not in e]
    assert unexpected == []
    assert watched.csp_violations == []
    assert watched.page_csp_violations() == []


@pytest.mark.parametrize("locale", LOCALES)
def test_a_child_joins_writes_adds_a_photo_and_a_drawing_and_sees_their_history(
    phone: Watched, live_server: str, app: Flask, factory: Factory, locale: str
) -> None:
    page = phone.page
    child_id, code = _invitation(app, factory)

    _join(page, live_server, code, locale)
    _write(page, live_server, "about_me", "name", "Amira the brave")
    _write(page, live_server, "likes", "favourite_things", "Pizza and drawing dragons")
    _write_offline(page, live_server, child_id)
    _add_photo(page, live_server, child_id)
    _draw(page, live_server, child_id)

    answers = _answers(page, live_server, child_id)
    assert answers["about_me"] == {"name": "Amira the brave"}
    assert answers["likes"] == {"favourite_things": "Pizza and drawing dragons"}
    page.goto(f"{live_server}/me/history")
    expect(page.locator(".history-item")).to_have_count(3)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if locale == "ar" else "ltr")

    page.goto(f"{live_server}/me")
    expect(page.locator(".section-cards > li")).to_have_count(9)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"home-{locale}.png"), full_page=True)
    _assert_clean(phone)


# -- accessibility -----------------------------------------------------------------------


def _phone_options(playwright_instance: Any, *, zoom: int = 1) -> dict[str, Any]:
    device = dict(playwright_instance.devices[PHONE])
    device.pop("default_browser_type", None)
    if zoom > 1:  # half the CSS viewport, twice the pixel ratio: what 200% zoom does
        width, height = device["viewport"]["width"], device["viewport"]["height"]
        size = {"width": width // zoom, "height": height // zoom}
        device.update(
            viewport=size, screen=size, device_scale_factor=device["device_scale_factor"] * zoom
        )
    return device


@pytest.fixture
def a11y_phone(
    browser: Any, playwright_instance: Any, request: pytest.FixtureRequest
) -> Iterator[Watched]:
    """A phone page whose context bypasses CSP, so axe-core can be injected."""
    options = _phone_options(playwright_instance)
    context, watched = _open_page(browser, request, "a11y-phone", bypass_csp=True, **options)
    yield watched
    if _failed(request):
        watched.screenshot("failure")
    context.close()


@pytest.fixture
def zoomed_phone(
    browser: Any, playwright_instance: Any, request: pytest.FixtureRequest
) -> Iterator[Watched]:
    options = _phone_options(playwright_instance, zoom=2)
    context, watched = _open_page(browser, request, "zoomed-phone", **options)
    yield watched
    if _failed(request):
        watched.screenshot("failure")
    context.close()


def _child_with_pictures(page: Page, base: str, factory: Factory, locale: str) -> str:
    """A child logged in, with a photo and a captionless drawing on "Things I like"."""
    worker = factory.user("social_worker")
    child, login = factory.child(worker, with_login=True, name="Amira")
    assert login is not None
    _log_in(page, base, login.username, locale)
    page.goto(f"{base}/me/sections/likes")
    token = page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
    for caption in (PHOTO_CAPTION, None):
        fields: dict[str, Any] = {
            "file": {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": _photo_with_gps()},
            "section": "likes",
        }
        if caption:
            fields["caption"] = caption
        added = page.request.post(
            f"{base}/api/v1/children/{child.id}/media",
            multipart=fields,
            headers={"X-CSRF-Token": token},
        )
        assert added.status == 201, added.text()
    return login.username


def _open_drawing(page: Page) -> None:
    page.locator("[data-drawing-open]").click()
    expect(page.locator("#drawing-canvas")).to_be_visible()
    _mouse_stroke(page, [(0.3, 0.5), (0.7, 0.5)])
    assert _pixel(page, 0.5, 0.5) == [31, 26, 54, 255]


@pytest.mark.parametrize("locale", LOCALES)
def test_the_section_page_with_pictures_and_the_canvas_open_has_no_axe_violations(
    a11y_phone: Watched, live_server: str, factory: Factory, locale: str
) -> None:
    page = a11y_phone.page
    _child_with_pictures(page, live_server, factory, locale)
    page.goto(f"{live_server}/me/sections/likes")
    expect(page.locator("[data-picture-list] > li")).to_have_count(2)
    _open_drawing(page)
    failures = []

    violations = run_axe(page)
    if violations:
        failures.append(format_violations(f"section page, canvas open ({locale})", violations))
    page.locator("[data-picture-delete]").first.click()
    expect(page.locator("[data-picture-dialog]")).to_be_visible()
    violations = run_axe(page)
    if violations:
        failures.append(format_violations(f"delete dialog ({locale})", violations))
    page.locator("[data-delete-keep]").click()
    expect(page.locator("[data-picture-dialog]")).to_be_hidden()

    assert not failures, "\n\n".join(failures)
    assert page.evaluate(SMALL_TARGETS) == []
    expect(page.locator("html")).to_have_attribute("lang", locale)


@pytest.mark.parametrize("locale", LOCALES)
def test_pictures_drawing_and_easy_mode_fit_a_phone_at_200_percent_zoom(
    zoomed_phone: Watched, live_server: str, factory: Factory, locale: str
) -> None:
    page = zoomed_phone.page
    _child_with_pictures(page, live_server, factory, locale)
    for easy in (False, True):
        if easy:
            page.locator("button.easy-toggle").click()
            expect(page.locator("body")).to_have_class(re.compile(r"\bis-easy\b"))
        page.goto(f"{live_server}/me/sections/likes")
        _open_drawing(page)
        for path in ("/me/sections/likes", "/me"):
            if path == "/me":
                page.goto(f"{live_server}/me")
            widths = page.evaluate(
                "({scroll: document.documentElement.scrollWidth,"
                " client: document.documentElement.clientWidth})"
            )
            assert widths["scroll"] <= widths["client"], f"{path} (easy={easy}): {widths}"
    for target in page.locator(".child-tools .button").all():
        box = target.bounding_box()
        assert box is None or min(box["width"], box["height"]) >= 44


def test_pictures_can_be_added_and_deleted_with_the_keyboard_alone(
    phone: Watched, live_server: str, factory: Factory
) -> None:
    page = phone.page
    _child_with_pictures(page, live_server, factory, "en")
    page.goto(f"{live_server}/me/sections/likes")
    pictures = page.locator("[data-picture-list] > li")
    expect(pictures).to_have_count(2)

    page.locator("[data-picture-delete]").first.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("[data-picture-dialog]")
    expect(dialog).to_be_visible()
    expect(page.locator("[data-delete-keep]")).to_be_focused()  # the safe choice first
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(pictures).to_have_count(2)

    page.locator("[data-picture-delete]").first.focus()
    page.keyboard.press("Enter")
    page.locator("[data-delete-confirm]").focus()
    page.keyboard.press("Enter")
    expect(pictures).to_have_count(1)
    expect(page.locator("[data-list-status]")).to_have_text("Picture deleted")

    page.locator("[data-drawing-open]").focus()
    page.keyboard.press("Enter")
    page.locator("#drawing-canvas").focus()
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    assert _pixel(page, 0.55, 0.5)[:3] == [31, 26, 54]  # black, from the middle to the right
    page.locator("[data-drawing-save]").focus()
    page.keyboard.press("Enter")
    expect(pictures).to_have_count(2)
    _assert_clean(phone)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (corpus.png_bomb(), "That picture is too big."),
        (b"GIF89a not a photo", "That file is not a picture we can use."),
        (b"\xff\xd8\xff" + b"\0" * 64, "We could not open that picture."),
    ],
    ids=["413", "415", "422"],
)
def test_a_refused_photo_says_why_and_keeps_the_caption(
    phone: Watched, live_server: str, factory: Factory, data: bytes, message: str
) -> None:
    page = phone.page
    _child_with_pictures(page, live_server, factory, "en")
    page.goto(f"{live_server}/me/sections/likes")
    page.locator("#picture-file").set_input_files(
        files=[{"name": "odd.jpg", "mimeType": "image/jpeg", "buffer": data}]
    )
    page.locator("#picture-caption").fill("Keep these words")
    page.locator("[data-picture-submit]").click()

    expect(page.locator("#picture-status")).to_contain_text(message)
    expect(page.locator("#picture-file")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#picture-caption")).to_have_value("Keep these words")
    expect(page.locator("[data-picture-list] > li")).to_have_count(2)


def test_a_photo_too_big_to_send_is_refused_on_the_phone(
    phone: Watched, live_server: str, factory: Factory
) -> None:
    page = phone.page
    _child_with_pictures(page, live_server, factory, "en")
    page.goto(f"{live_server}/me/sections/likes")
    sent: list[str] = []
    page.on("request", lambda request: request.method == "POST" and sent.append(request.url))
    huge = b"\xff\xd8\xff" + b"\0" * (10 * 1024 * 1024)
    page.locator("#picture-file").set_input_files(
        files=[{"name": "huge.jpg", "mimeType": "image/jpeg", "buffer": huge}]
    )
    page.locator("#picture-caption").fill("Too big")
    page.locator("[data-picture-submit]").click()
    expect(page.locator("#picture-status")).to_contain_text("That picture is too big.")
    expect(page.locator("#picture-caption")).to_have_value("Too big")
    assert sent == []


@pytest.mark.parametrize("refusal", ["413", "offline"])
def test_a_drawing_that_is_not_saved_stays_on_the_canvas_with_its_caption(
    phone: Watched, live_server: str, factory: Factory, refusal: str
) -> None:
    page = phone.page
    _child_with_pictures(page, live_server, factory, "en")
    page.goto(f"{live_server}/me/sections/likes")
    _open_drawing(page)
    page.locator("#drawing-caption").fill("My dragon, unsaved")
    if refusal == "413":
        problem = '{"status": 413, "code": "too_large", "title": "That is too big."}'
        page.route(
            re.compile(r".*/media$"),
            lambda route: route.fulfill(
                status=413, body=problem, content_type="application/problem+json"
            ),
        )
        expected = "That picture is too big."
    else:
        page.context.set_offline(True)
        expected = "you’re offline"

    page.locator("[data-drawing-save]").click()

    expect(page.locator("#drawing-status")).to_contain_text(expected)
    expect(page.locator("#drawing-caption")).to_have_value("My dragon, unsaved")
    assert _pixel(page, 0.5, 0.5) == [31, 26, 54, 255]  # the line is still there
    expect(page.locator("[data-picture-list] > li")).to_have_count(2)
    page.context.set_offline(False)


# -- "Read this to me" and easy mode ---------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_read_this_to_me_reads_the_page_in_its_language_and_stops_on_a_second_press(
    phone: Watched, live_server: str, factory: Factory, locale: str
) -> None:
    page = phone.page
    page.context.add_init_script(FAKE_SPEECH % "[]")
    _child_with_pictures(page, live_server, factory, locale)
    for path in ("/me", "/me/sections/likes"):
        page.goto(f"{live_server}{path}")
        button = page.locator("[data-read-aloud]")
        expect(button).to_be_visible()
        label = button.locator("[data-read-aloud-label]")
        first_label = label.inner_text()

        button.click()

        spoken = page.evaluate("window.__spoken")
        assert spoken, "nothing was read"
        assert {item["lang"] for item in spoken} == {locale}
        assert spoken[0]["text"] in page.locator("h1").inner_text()  # without its emoji
        read = " ".join(item["text"] for item in spoken)
        assert first_label not in read  # the tools are not read out
        assert label.inner_text() != first_label
        button.click()
        assert page.evaluate("window.__cancelled") >= 2
        expect(label).to_have_text(first_label)
    if locale == "en":
        assert PHOTO_CAPTION in read  # the section's pictures are part of the page


@pytest.mark.parametrize(
    "script",
    [NO_SPEECH, FAKE_SPEECH % '[{"lang": "en-GB", "localService": false, "name": "online"}]'],
    ids=["no-speech", "only-an-online-voice"],
)
def test_read_this_to_me_is_hidden_when_the_phone_cannot_speak_by_itself(
    phone: Watched, live_server: str, factory: Factory, script: str
) -> None:
    page = phone.page
    page.context.add_init_script(script)
    worker = factory.user("social_worker")
    _child, login = factory.child(worker, with_login=True)
    assert login is not None
    _log_in(page, live_server, login.username)
    expect(page.locator("[data-read-aloud]")).to_be_hidden()
    expect(page.locator("button.easy-toggle")).to_be_visible()


def test_easy_mode_is_easy_to_find_makes_things_bigger_and_is_remembered(
    phone: Watched, live_server: str, factory: Factory
) -> None:
    page = phone.page
    worker = factory.user("social_worker")
    _child, login = factory.child(worker, with_login=True)
    assert login is not None
    _log_in(page, live_server, login.username)
    toggle = page.get_by_role("button", name="Easy mode")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    usual_size = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    expect(page.locator(".section-card-title").first).to_have_text("About me")

    toggle.click()

    expect(page).to_have_url(f"{live_server}/me")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    easy_size = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert easy_size >= usual_size * 1.2
    expect(page.locator(".section-card-title").first).to_have_text("This is me")
    page.locator(".section-card").first.click()
    expect(page.locator(".question-emoji")).to_have_count(6)
    assert page.locator(".choices-scale .choice").first.bounding_box()["height"] >= 56

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login"))
    _log_in(page, live_server, login.username)
    expect(page.get_by_role("button", name="Easy mode")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="Easy mode").click()
    expect(page.locator(".section-card-title").first).to_have_text("About me")
    _assert_clean(phone)
