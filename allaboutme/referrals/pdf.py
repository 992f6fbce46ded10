"""Referral packets as PDF files: what a child chose to share, marked on every page.

A PDF leaves the service: it is printed, forwarded and left on desks. So every page
says whom it was made for, when, which packet it is and the code that checks it, and
the first page says it is confidential and until when it may be kept.

A PDF renderer follows every URL in the page it is given (``file:``, ``http:``), and
a child's words end up in that page. So nothing is fetched: the style sheet is inline,
pictures are embedded as ``data:`` URIs, and the URL fetcher refuses everything else.
Child and worker text is escaped by the template, never trusted as HTML. WeasyPrint's
log messages quote URLs and CSS (which may be a child's text), so their arguments are
dropped before any handler sees them.

The only importer of WeasyPrint (ARCHITECTURE.md rule 4). Runs inside a request (or
test request) context: the reader's locale chooses the words, dates and direction.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import weasyprint
from flask import render_template
from markupsafe import Markup
from weasyprint.urls import URLFetcher, URLFetcherResponse

from allaboutme.i18n import _, format_datetime, is_rtl
from allaboutme.referrals.matching import LOT_LABELS

TEMPLATE = "referrals/packet_pdf.html"
PICTURE_TYPES = frozenset({"image/png", "image/jpeg"})
# The only URL shape the renderer may open: a picture this module embedded itself.
_DATA_URI = re.compile(r"data:(image/png|image/jpeg);base64,([A-Za-z0-9+/]*={0,2})", re.IGNORECASE)
# A BCP 47 tag as far as a ``lang`` attribute needs (e.g. "ar", "ti-ER", "sr-Latn").
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")
# Stand-ins for the page counters while the "Page N of M" sentence is translated.
_PAGE, _PAGES = "\x01", "\x02"
_WHITE_SPACE = re.compile(r"\s+")
WEASYPRINT_LOGGERS = ("weasyprint", "weasyprint.progress")


@dataclass(frozen=True)
class PdfPicture:
    """A picture the child shared; ``image`` is already cleaned of metadata."""

    caption: str
    image: bytes
    media_type: str  # "image/png" or "image/jpeg"

    def __post_init__(self) -> None:
        if self.media_type not in PICTURE_TYPES:
            raise ValueError(f"a packet picture must be PNG or JPEG, not {self.media_type!r}")


@dataclass(frozen=True)
class PdfAnswer:
    """One answer: the question already translated for the reader, the child's words as text."""

    question: str
    answer: str


@dataclass(frozen=True)
class PdfSection:
    """A section the child chose to share, in the language they wrote it in (BCP 47)."""

    key: str
    title: str
    answers: list[PdfAnswer]
    pictures: list[PdfPicture]
    language: str


@dataclass(frozen=True)
class PacketDocument:
    """Everything a packet PDF shows, already decrypted, permitted and translated.

    ``lot`` is a lot code ("2a"), shown by its translated name; any other text is
    shown as given. Times are UTC and printed in the reader's locale and time zone.
    """

    packet_id: str
    verification_id: str
    verification_url: str
    recipient_name: str
    generated_at: datetime
    expires_at: datetime
    child_name: str
    referral_summary: str
    lot: str
    start_by: date | None
    needs: list[str]
    sections: list[PdfSection]


class RefusedUrl(ValueError):
    """The page asked for something other than a picture embedded in it.

    The message never repeats the URL: it may be a child's text, and WeasyPrint
    logs the message.
    """


class EmbeddedOnlyFetcher(URLFetcher):
    """Gives WeasyPrint the pictures embedded in the page and refuses every other URL.

    Nothing on disk or on the network can be read into a packet, whatever its text
    contains: ``file:``, ``http(s):``, ``ftp:`` and relative URLs all raise
    :class:`RefusedUrl` before anything is opened.
    """

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False, fail_on_errors=False)

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        media_type, body = decode_embedded_picture(url)
        return URLFetcherResponse(url, body=body, headers={"Content-Type": media_type})

    def open(self, url: Any, data: Any = None, timeout: Any = None) -> URLFetcherResponse:
        """urllib's entry point, closed too: only :meth:`fetch` decides."""
        return self.fetch(getattr(url, "full_url", url))


def decode_embedded_picture(url: str) -> tuple[str, bytes]:
    """The media type and bytes of a base64 ``data:`` URI of a PNG or JPEG, else RefusedUrl."""
    match = _DATA_URI.fullmatch(url.strip())
    if match is None:
        raise RefusedUrl("only pictures embedded as data: URIs are allowed in a packet")
    try:
        body = base64.b64decode(match.group(2), validate=True)
    except binascii.Error:
        raise RefusedUrl("an embedded picture is not valid base64") from None
    return match.group(1).lower(), body


class _WithoutArguments(logging.Filter):
    """Keeps WeasyPrint's message templates (written by its authors) and drops the rest.

    Arguments and exception text can quote a URL or a CSS value that came from a
    child; a message without arguments may be an f-string that already holds one.
    """

    WITHHELD = "WeasyPrint message withheld: it may quote packet content"

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = str(record.msg) if record.args else self.WITHHELD
        record.args = ()
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True


_REDACT = _WithoutArguments()


def _quieten_weasyprint_logs() -> None:
    """Install the redacting filter once on each logger WeasyPrint writes to."""
    for name in WEASYPRINT_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _WithoutArguments) for f in logger.filters):
            logger.addFilter(_REDACT)
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


_quieten_weasyprint_logs()


def render_packet_pdf(document: PacketDocument) -> bytes:
    """The packet as PDF bytes, worded for the reader of the current request.

    Tagged (headings, lists, reading order), so a provider using a screen reader can
    read it too; that costs a few per cent of the render time.
    """
    return lay_out_html(packet_html(document)).write_pdf(pdf_tags=True)


def packet_html(document: PacketDocument) -> str:
    """The packet page (HTML) that becomes the PDF; child text is escaped by the template."""
    return render_template(
        TEMPLATE,
        document=document,
        marks=page_marks(document),
        lot=str(LOT_LABELS.get(document.lot, document.lot)),
        data_uri=picture_data_uri,
        language_of=section_language,
        direction_of=section_direction,
    )


def lay_out_html(html: str) -> weasyprint.Document:
    """Lay out HTML into pages with nothing fetched but embedded pictures."""
    page = weasyprint.HTML(string=html, base_url=None, url_fetcher=EmbeddedOnlyFetcher())
    return page.render()


def picture_data_uri(picture: PdfPicture) -> str:
    """The picture inside the page itself, so the renderer never has to fetch it."""
    encoded = base64.b64encode(picture.image).decode("ascii")
    return f"data:{picture.media_type};base64,{encoded}"


def section_language(section: PdfSection) -> str:
    """The section's ``lang``; an unusable tag becomes "und" (undetermined) rather than noise."""
    tag = section.language.strip().replace("_", "-")
    return tag if _LANGUAGE_TAG.fullmatch(tag) else "und"


def section_direction(section: PdfSection) -> str:
    """Right-to-left for a section written in Arabic, Farsi, Urdu...: the child's own layout."""
    return "rtl" if is_rtl(section_language(section).replace("-", "_")) else "ltr"


def page_marks(document: PacketDocument) -> dict[str, Markup]:
    """CSS ``content`` values for the page margins: whom for, when, which packet, which page.

    They are built here, not in the template, because a ``<style>`` block is not
    HTML-escaped: each value is a CSS string with every risky character escaped.
    """
    made_at = format_datetime(document.generated_at, "long")
    return {
        "recipient": css_string(_("For %(organisation)s", organisation=document.recipient_name)),
        "generated": css_string(_("Made %(time)s", time=made_at)),
        "packet": css_string(_("Packet %(packet)s", packet=document.packet_id)),
        "verification": css_string(_("Check code %(code)s", code=document.verification_id)),
        "confidential": css_string(_("Confidential")),
        "page": page_counter_content(),
    }


def page_counter_content() -> Markup:
    """The reader's "Page N of M" sentence, in their word order, counting with CSS counters."""
    sentence = _("Page %(page)s of %(pages)s", page=_PAGE, pages=_PAGES)
    counters = {_PAGE: "counter(page)", _PAGES: "counter(pages)"}
    parts = re.split(f"([{_PAGE}{_PAGES}])", sentence)
    tokens = [counters[part] if part in counters else css_string(part) for part in parts if part]
    return Markup(" ".join(tokens))  # noqa: S704 - escaped CSS strings and fixed counters


def css_string(text: str) -> Markup:
    """``text`` as a quoted CSS string that cannot end the string, the rule or the style block.

    Letters, digits and spaces stay as they are; any other character becomes a CSS
    hexadecimal escape. Runs of white space (line breaks too) become one space, as they
    would in a line of text.
    """
    escaped = []
    for character in _WHITE_SPACE.sub(" ", str(text)):
        if character.isalnum() or character == " ":
            escaped.append(character)
        elif character == "\x00":
            escaped.append("\\fffd ")
        else:
            escaped.append(f"\\{ord(character):x} ")
    return Markup('"' + "".join(escaped) + '"')  # noqa: S704 - every risky character escaped
