"""Referral packet PDFs: marked on every page, shaped in every script, fetching nothing.

Pages are checked on WeasyPrint's laid-out boxes (the text as placed in each page
and margin box); fonts, pictures and attachments on the PDF bytes, whose object
streams are inflated with zlib so no PDF library is needed.
"""

from __future__ import annotations

import http.server
import io
import logging
import re
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image

from allaboutme.referrals import pdf
from allaboutme.referrals.pdf import (
    EmbeddedOnlyFetcher,
    PacketDocument,
    PdfAnswer,
    PdfPicture,
    PdfSection,
    RefusedUrl,
    css_string,
    lay_out_html,
    packet_html,
    render_packet_pdf,
)

GENERATED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
RECIPIENT = "Sunrise Fostering"
PACKET_ID = "pk_7Hq2Lx"
CHECK_CODE = "K4TP-9QRM"
ARABIC = "أحب كرة القدم والرسم، وأشتاق إلى جدتي في حلب."
SCRIPTS = {
    "ar": (ARABIC, ("NotoSansArabic", "NotoNaskhArabic")),
    "fa": ("من فوتبال و نقاشی را دوست دارم و دلم برای مادربزرگم تنگ شده است.", ("NotoSansArabic",)),
    "ur": (
        "مجھے فٹ بال اور ڈرائنگ پسند ہے، اور مجھے اپنی دادی کی یاد آتی ہے۔",
        ("NotoNastaliqUrdu",),
    ),
    "ti": ("ኩዕሶ እግሪን ስእልን እፈቱ እየ። ዓባየይ ይናፍቐኒ።", ("NotoSansEthiopic",)),
    "vi": ("Em thích bóng đá và vẽ tranh, em nhớ bà ngoại ở Huế lắm.", ("NotoSans",)),
}


@pytest.fixture
def backend() -> str:
    """A PDF touches no database: one backend is enough."""
    return "sqlite"


@pytest.fixture
def reader(app: Flask) -> Iterator[None]:
    """A request from a reader who reads English (the packet page's caller runs in one)."""
    with app.test_request_context("/?locale=en"):
        yield


def _picture(kind: str = "JPEG", size: tuple[int, int] = (64, 48)) -> PdfPicture:
    image = Image.new("RGB", size, (61, 44, 141))
    buffer = io.BytesIO()
    image.save(buffer, kind)
    return PdfPicture(f"my {kind} picture", buffer.getvalue(), f"image/{kind.lower()}")


def _section(key: str = "about_me", language: str = "en", **changes) -> PdfSection:
    values = {
        "key": key,
        "title": f"Section {key}",
        "answers": [PdfAnswer("What do I like?", f"I like football ({key})")],
        "pictures": [],
        "language": language,
    }
    return PdfSection(**(values | changes))


def _document(**changes) -> PacketDocument:
    values = {
        "packet_id": PACKET_ID,
        "verification_id": CHECK_CODE,
        "verification_url": f"https://allaboutme.example/packets/{PACKET_ID}",
        "recipient_name": RECIPIENT,
        "generated_at": GENERATED_AT,
        "expires_at": GENERATED_AT + timedelta(days=14),
        "child_name": "Amira",
        "referral_summary": "Needs a calm foster home near school.\nLoves drawing.",
        "lot": "2a",
        "start_by": date(2026, 4, 20),
        "needs": ["social, emotional and mental health"],
        "sections": [_section()],
    }
    return PacketDocument(**(values | changes))


def _long_document() -> PacketDocument:
    answer = "I like drawing, football and cooking with my foster carer on Sundays. " * 6
    sections = [
        _section(f"section_{n}", answers=[PdfAnswer(f"Question {q}", answer) for q in range(8)])
        for n in range(6)
    ]
    return _document(sections=sections)


def _texts(box) -> Iterator[str]:
    text = getattr(box, "text", None)
    if text:
        yield text
    for child in getattr(box, "children", ()):
        yield from _texts(child)


def _margins(page) -> dict[str, str]:
    """Each page margin box's text, by its name ("@top-left" ...)."""
    return {
        box.at_keyword: " ".join(" ".join(_texts(box)).split())
        for box in page._page_box.children
        if getattr(box, "at_keyword", None)
    }


def _page_text(page) -> str:
    return " ".join(" ".join(_texts(page._page_box)).split())


def _inflated(pdf_bytes: bytes) -> bytes:
    """The PDF with every Flate stream (object streams, fonts, pages) decompressed."""
    parts = [pdf_bytes]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf_bytes, re.DOTALL):
        try:
            parts.append(zlib.decompress(stream))
        except zlib.error:
            continue  # pictures (DCTDecode) are not Flate streams
    return b"\n".join(parts)


def _font_names(pdf_bytes: bytes) -> set[str]:
    """Embedded fonts without their subset prefix, spaces and hyphens: "NotoSansArabic"."""
    found = re.findall(rb"/(?:BaseFont|FontName)\s*/([^\s/<>\[\]()]+)", _inflated(pdf_bytes))
    return {name.decode().split("+", 1)[-1].replace("-", "") for name in found}


def _image_count(pdf_bytes: bytes) -> int:
    return len(re.findall(rb"/Subtype\s*/Image\b", _inflated(pdf_bytes)))


def test_packet_is_a_pdf_with_the_referral_and_every_shared_section(reader):
    document = _document(sections=[_section("about_me"), _section("my_people")])

    pages = lay_out_html(packet_html(document)).pages
    text = " ".join(_page_text(page) for page in pages)

    assert render_packet_pdf(document).startswith(b"%PDF-")
    for expected in ("Section about_me", "Section my_people", "I like football (my_people)"):
        assert expected in text
    assert "Needs a calm foster home near school." in text
    assert "fostering (standard)" in text  # the lot code, named in the reader's language
    assert "social, emotional and mental health" in text


def test_every_page_is_marked_with_recipient_time_packet_and_check_code(reader):
    document = _long_document()

    pages = lay_out_html(packet_html(document)).pages

    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        marks = " ".join(_margins(page).values())
        assert f"For {RECIPIENT}" in marks
        assert "March 2, 2026" in marks and "9:30:00" in marks  # Europe/London, reader's locale
        assert f"Packet {PACKET_ID}" in marks
        assert f"Check code {CHECK_CODE}" in marks
        assert f"Page {number} of {len(pages)}" in marks
        assert "Confidential" in marks


def test_first_page_says_confidential_chosen_by_the_child_and_kept_until_expiry(reader):
    first = _page_text(lay_out_html(packet_html(_document())).pages[0])

    assert "Amira chose to share these parts of their All About Me with Sunrise Fostering" in first
    assert "for this referral only" in first
    assert "Do not copy or forward this document" in first
    assert "March 16, 2026" in first  # the packet's expiry
    assert f"https://allaboutme.example/packets/{PACKET_ID}" in first


def test_packet_is_tagged_for_screen_readers(reader):
    inflated = _inflated(render_packet_pdf(_document()))

    assert b"/StructTreeRoot" in inflated and b"/MarkInfo" in inflated
    assert b"/S /H1" in inflated or b"/S/H1" in inflated


def test_verification_url_is_a_link_on_the_first_page(reader):
    document = lay_out_html(packet_html(_document()))

    links = [target for kind, target, *_ in document.pages[0].links if kind == "external"]

    assert links == [f"https://allaboutme.example/packets/{PACKET_ID}"]


@pytest.mark.parametrize("language", sorted(SCRIPTS))
def test_each_script_is_set_in_a_noto_font_that_has_it(reader, language):
    text, fonts = SCRIPTS[language]
    answers = [PdfAnswer("What do I like?", text)]
    document = _document(sections=[_section(language=language, answers=answers)])

    embedded = _font_names(render_packet_pdf(document))

    assert any(name.startswith(font) for font in fonts for name in embedded), embedded
    assert all(name.startswith("Noto") for name in embedded), f"a fallback font: {embedded}"


def test_arabic_answers_embed_a_noto_arabic_font(reader):
    sections = [_section(language="ar", answers=[PdfAnswer("What do I like?", ARABIC)])]

    embedded = _font_names(render_packet_pdf(_document(sections=sections)))

    assert {"NotoSansArabic", "NotoNaskhArabic"} & embedded


def test_sections_carry_the_childs_language_and_direction(reader):
    sections = [_section("about_me", "ar"), _section("my_people", "en"), _section("school", "ur")]

    html = packet_html(_document(sections=sections))

    assert re.search(r'id="section-about_me" lang="ar" dir="rtl"', html)
    assert re.search(r'id="section-my_people" lang="en" dir="ltr"', html)
    assert re.search(r'id="section-school" lang="ur" dir="rtl"', html)
    assert '<html lang="en" dir="ltr">' in html


def test_an_unusable_language_tag_is_left_undetermined(reader):
    html = packet_html(_document(sections=[_section(language='en" onload="x')]))

    assert 'lang="und" dir="ltr"' in html


def test_page_follows_the_readers_language_and_direction(app):
    with app.test_request_context("/?locale=ar"):
        html = packet_html(_document())
        page = lay_out_html(html).pages[0]

    assert '<html lang="ar" dir="rtl">' in html
    assert RECIPIENT in _margins(page)["@top-right"]  # the start side of a right-to-left page
    assert PACKET_ID in _margins(page)["@bottom-right"]


def test_words_follow_the_readers_language(app):
    empty = [PdfAnswer("Beth ydw i'n ei hoffi?", "")]
    with app.test_request_context("/?locale=cy"):
        text = _page_text(
            lay_out_html(packet_html(_document(sections=[_section(answers=empty)]))).pages[0]
        )

    assert "Dim ateb" in text  # "No answer"


def test_pictures_are_embedded_as_pdf_images(reader):
    pictures = [_picture("JPEG", (1000, 1000)), _picture("PNG", (800, 600))]
    document = _document(
        sections=[_section(pictures=pictures[:1]), _section("me", pictures=pictures[1:])]
    )

    output = render_packet_pdf(document)

    assert _image_count(output) == 2
    assert "my JPEG picture" in packet_html(document)


def test_a_picture_must_be_png_or_jpeg():
    with pytest.raises(ValueError, match="PNG or JPEG"):
        PdfPicture("drawing", b"<svg/>", "image/svg+xml")


def test_childs_text_is_shown_as_text_and_never_fetched(reader, monkeypatch):
    asked, _handed_over = _spy_on_fetches(monkeypatch)
    hostile = (
        '<img src="file:///etc/passwd"><b>bold</b><link rel="attachment" href="file:///etc/passwd">'
    )
    document = _document(
        child_name="<i>Amira</i>",
        referral_summary=hostile,
        sections=[_section(answers=[PdfAnswer("What do I like?", hostile)])],
    )

    html = packet_html(document)
    text = " ".join(_page_text(page) for page in lay_out_html(html).pages)
    output = render_packet_pdf(document)

    assert "<img src=" + '"file:' not in html and "<i>Amira" not in html
    assert hostile in text and "<i>Amira</i> chose to share" in text
    assert asked == []
    assert _image_count(output) == 0 and b"/EmbeddedFile" not in _inflated(output)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://127.0.0.1/child.png",
        "https://example.org/child.png",
        "ftp://example.org/child.png",
        "passwd",
        "/etc/passwd",
        "data:text/html;base64,PGI+aGk8L2I+",
        "data:image/svg+xml;base64,PHN2Zy8+",
        "data:image/png,not-base64",
        "data:image/png;base64,@@@",
    ],
)
def test_fetcher_refuses_everything_but_an_embedded_picture(url):
    with pytest.raises(RefusedUrl) as refused:
        EmbeddedOnlyFetcher()(url)

    assert url not in str(refused.value)


def test_fetcher_hands_over_an_embedded_picture():
    picture = _picture("PNG")

    response = EmbeddedOnlyFetcher()(pdf.picture_data_uri(picture))

    assert response.content_type == "image/png"
    assert response.read() == picture.image


@dataclass
class LocalServer:
    port: int
    asked: list[str] = field(default_factory=list)


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    """An HTTP server on 127.0.0.1 that records every path asked of it."""
    asked: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            asked.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LocalServer(server.server_address[1], asked)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _spy_on_fetches(monkeypatch) -> tuple[list[str], list[str]]:
    """Every URL WeasyPrint asks the fetcher for, and those the fetcher handed over."""
    asked: list[str] = []
    handed_over: list[str] = []
    fetch = EmbeddedOnlyFetcher.fetch

    def spy(self, url, headers=None):
        asked.append(url)
        response = fetch(self, url, headers)
        handed_over.append(url)
        return response

    monkeypatch.setattr(EmbeddedOnlyFetcher, "fetch", spy)
    return asked, handed_over


def _hostile_page(tmp_path: Path, port: int) -> str:
    secret = tmp_path / "secret.txt"
    secret.write_text("Attachment-Canary-1187")
    style = tmp_path / "style.css"
    style.write_text('p::after { content: "Stylesheet-Canary-5521"; }')
    png = tmp_path / "photo.png"
    png.write_bytes(_picture("PNG").image)
    web = f"http://127.0.0.1:{port}"
    return f"""<!doctype html><html><head>
<link rel="stylesheet" href="{style.as_uri()}"><link rel="stylesheet" href="{web}/link.css">
<style>@import url("{style.as_uri()}"); @import url("{web}/import.css");
body {{ background: url("{web}/background.png") }}</style></head><body><p>Hello</p>
<img src="file:///etc/passwd"><img src="{png.as_uri()}"><img src="{web}/img.png">
<img src="photo.png">
<a rel="attachment" href="{secret.as_uri()}">secret</a>
<object data="{png.as_uri()}"></object><embed src="{web}/embed.png">
<svg width="10" height="10"><image href="{png.as_uri()}" width="10" height="10"/></svg>
</body></html>"""


def test_rendering_hostile_html_reads_no_file_and_calls_no_server(
    tmp_path, local_server, monkeypatch
):
    asked, handed_over = _spy_on_fetches(monkeypatch)

    document = lay_out_html(_hostile_page(tmp_path, local_server.port))
    output = document.write_pdf()

    assert len(asked) >= 8, "WeasyPrint no longer asks the fetcher: this test proves nothing"
    assert local_server.asked == [] and handed_over == []
    inflated = _inflated(output)
    assert b"Attachment-Canary-1187" not in inflated and b"/EmbeddedFile" not in inflated
    assert b"root:" not in inflated
    assert _image_count(output) == 0
    assert "Stylesheet-Canary-5521" not in _page_text(document.pages[0])
    assert "Hello" in _page_text(document.pages[0])


def test_a_refused_url_never_reaches_the_logs(caplog):
    canary = "Nightjar-Canary-7730"
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="weasyprint")
    html = (
        f'<p>Hi</p><img src="file:///{canary}/passwd"><img src="http://127.0.0.1:9/{canary}.png">'
    )

    lay_out_html(html).write_pdf()

    from_weasyprint = [r for r in caplog.records if r.name.startswith("weasyprint")]
    assert from_weasyprint, "the refusal was not logged at all: this test proves nothing"
    assert canary not in caplog.text
    for record in caplog.records:
        assert canary not in record.getMessage() and canary not in repr(vars(record))


def test_weasyprint_loggers_drop_arguments_and_exceptions():
    record = logging.LogRecord(
        "weasyprint", logging.ERROR, __file__, 1, "Failed at %r", ("x",), None
    )

    logging.getLogger("weasyprint").filter(record)

    assert record.getMessage() == "Failed at %r"
    assert record.exc_info is None


@pytest.mark.parametrize(
    "name",
    [
        'Evil "Org" \\ </style><img src=file:///etc/passwd> }',
        "Line\nbreak; } @page { x",
        "O'Brien & Co",
    ],
)
def test_page_marks_show_any_organisation_name_exactly(reader, name, monkeypatch):
    asked, _handed_over = _spy_on_fetches(monkeypatch)
    document = _document(recipient_name=name)

    html = packet_html(document)
    pages = lay_out_html(html).pages

    expected = " ".join(f"For {name}".split())
    assert all(expected in _margins(page)["@top-left"] for page in pages)
    assert "</style><img" not in html
    assert asked == []


@pytest.mark.parametrize(
    "text", ['a"b', "a\\b", "a\nb", "</style>", "a}b{", "a;b", "a\x00b", "a'b"]
)
def test_css_string_cannot_end_the_string_rule_or_style_block(text):
    value = str(css_string(text))

    inner = value[1:-1]
    assert value.startswith('"') and value.endswith('"')
    assert not set(inner) & set("\"'\\\n<>{};\x00") - {"\\"}
    assert all(part[:1] in "0123456789abcdef" for part in inner.split("\\")[1:])


def test_css_string_keeps_letters_of_every_script():
    assert str(css_string("دار الرعاية Tŷ Gwyn")) == '"دار الرعاية Tŷ Gwyn"'


def test_without_a_start_date_or_needs_the_packet_says_so(reader):
    text = _page_text(lay_out_html(packet_html(_document(start_by=None, needs=[]))).pages[0])

    assert "No date given" in text and "No needs given" in text


def test_nothing_shared_is_said_plainly(reader):
    text = _page_text(lay_out_html(packet_html(_document(sections=[]))).pages[0])

    assert "Nothing has been shared in this packet." in text


def test_a_lot_that_is_not_a_code_is_shown_as_given(reader):
    html = packet_html(replace(_document(), lot="Fostering, parent and child"))

    assert "Fostering, parent and child" in html
