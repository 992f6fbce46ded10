"""Uploaded pictures made safe to keep: accepted by content, bounded, flattened, rebuilt.

A child's photo can say where they live (EXIF GPS, an EXIF thumbnail with its own
GPS, XMP, a camera serial, a comment), and a file can be two things at once (a JPEG
with a ZIP or HTML after it). So nothing of an upload survives but its pixels: it is
decoded within fixed limits, turned upright, reduced, copied into a brand-new image
and encoded afresh (SECURITY.md, "Uploads").

Accepted: JPEG (and MPO, the JPEG phones write with more pictures after it), PNG and
WebP. Produced: PNG when the picture has real transparency (drawings, stickers),
JPEG otherwise. WebP is read, never written: JPEG and PNG are what every browser and
WeasyPrint (referral packets) render, and two encoders are less to audit.
Pure and the only Pillow importer (ARCHITECTURE.md rule 4): bytes in, bytes out.
"""

from __future__ import annotations

import io
import struct
import threading
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from PIL import ExifTags, Image, ImageFile, ImageOps

from allaboutme.errors import TooLarge, UnsupportedMediaType, ValidationFailed

JPEG, PNG, WEBP = "image/jpeg", "image/png", "image/webp"
# What Pillow may call a file whose first bytes said it was one of ours.
_PILLOW_FORMATS = {JPEG: ("JPEG", "MPO"), PNG: ("PNG",), WEBP: ("WEBP",)}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# What a malformed JPEG, PNG or WebP makes Pillow raise while opening or decoding.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error)
_PILLOW_GLOBALS = threading.RLock()  # held while Pillow's process-wide settings are ours


@dataclass(frozen=True)
class ImageLimits:
    """How big an upload and its results may be; bounds the memory one upload can take."""

    max_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 24_000_000
    max_side: int = 8000
    output_max_side: int = 2048
    thumb_side: int = 320
    jpeg_quality: int = 85


DEFAULT_LIMITS = ImageLimits()


@dataclass(frozen=True)
class CleanImage:
    """A picture that is only pixels, ready to encrypt and store (never the original)."""

    content_type: str
    data: bytes
    width: int
    height: int
    thumbnail: bytes
    thumb_width: int
    thumb_height: int


def clean_image(data: bytes, limits: ImageLimits = DEFAULT_LIMITS) -> CleanImage:
    """Accept an uploaded picture and return a re-encoded copy carrying no metadata.

    Raises ``TooLarge`` (413) for too many bytes or pixels, ``UnsupportedMediaType``
    (415) for anything that is not a JPEG, PNG or WebP by content, and
    ``ValidationFailed`` (422) for an empty, truncated or corrupt file. Each has a
    stable ``code`` (``image_too_large``, ``image_too_many_pixels``,
    ``image_type_not_accepted``, ``image_empty``, ``image_unreadable``).
    """
    if len(data) > limits.max_bytes:
        raise TooLarge(code="image_too_large")
    if not data:
        raise _unreadable("image_empty")
    kind = _sniff(data)
    with _open(data, kind, limits) as source:
        if source.format not in _PILLOW_FORMATS[kind]:
            raise UnsupportedMediaType(code="image_type_not_accepted")
        _check_size(source.size, limits)
        try:
            picture = _upright_pixels(source, limits)
        except _DECODE_ERRORS as error:
            raise _unreadable("image_unreadable") from error
    content_type = PNG if picture.mode == "RGBA" else JPEG
    thumbnail = _fitted(picture, limits.thumb_side)
    return CleanImage(
        content_type=content_type,
        data=_encoded(picture, content_type, limits),
        width=picture.width,
        height=picture.height,
        thumbnail=_encoded(thumbnail, content_type, limits),
        thumb_width=thumbnail.width,
        thumb_height=thumbnail.height,
    )


def _unreadable(code: str) -> ValidationFailed:
    # The services layer may swap in a friendlier message per code; this one is translated.
    return ValidationFailed({"image": [ValidationFailed.title]}, code=code)


def _sniff(data: bytes) -> str:
    """The type the first bytes claim; a file name or a browser's word counts for nothing."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(_PNG_SIGNATURE):
        return PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    raise UnsupportedMediaType(code="image_type_not_accepted")


def _open(data: bytes, kind: str, limits: ImageLimits) -> ImageFile.ImageFile:
    """Read only the header, with the one plugin the magic bytes named.

    ``Image.open`` is lazy for JPEG and PNG, so the caller checks the declared size
    before any pixel is decoded. libwebp allocates the whole canvas when Pillow opens a
    WebP, so a WebP's size is read from its header first.
    """
    if kind == WEBP:
        _check_size(_webp_declared_size(data), limits)
    try:
        with _bomb_guard(limits.max_pixels):
            return Image.open(io.BytesIO(data), formats=[_PILLOW_FORMATS[kind][0]])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise TooLarge(code="image_too_many_pixels") from error
    except _DECODE_ERRORS as error:
        raise _unreadable("image_unreadable") from error


@contextmanager
def _bomb_guard(max_pixels: int) -> Iterator[None]:
    """Pillow's process-wide settings made ours for one open or decode, then put back.

    Its decompression-bomb check reads a module global and only warns below twice it:
    here the global is our limit and the warning an error. A truncated file is an
    error too, though WeasyPrint (loaded for packet PDFs) allows them for everyone.
    A lock stops threads (gunicorn gthread) from restoring each other's values.
    """
    with _PILLOW_GLOBALS, warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        previous = Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES
        Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES = max_pixels, False
        try:
            yield
        finally:
            Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _check_size(size: tuple[int, int], limits: ImageLimits) -> None:
    width, height = size
    if width < 1 or height < 1:
        raise _unreadable("image_unreadable")
    if max(width, height) > limits.max_side or width * height > limits.max_pixels:
        raise TooLarge(code="image_too_many_pixels")


def _webp_declared_size(data: bytes) -> tuple[int, int]:
    """The canvas a WebP declares in its first chunk (VP8X, VP8L or VP8)."""
    chunk, body = data[12:16], data[20:30]
    if chunk == b"VP8X" and len(body) >= 10:
        return 1 + int.from_bytes(body[4:7], "little"), 1 + int.from_bytes(body[7:10], "little")
    if chunk == b"VP8L" and len(body) >= 5 and body[0] == 0x2F:
        bits = int.from_bytes(body[1:5], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if chunk == b"VP8 " and len(body) >= 10 and body[3:6] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", body[6:10])
        return width & 0x3FFF, height & 0x3FFF
    raise _unreadable("image_unreadable")


def _upright_pixels(source: ImageFile.ImageFile, limits: ImageLimits) -> Image.Image:
    """The first frame, decoded, turned upright, in a plain mode, reduced and rebuilt."""
    source.seek(0)  # animations and MPO keep their first picture only
    side = limits.output_max_side
    source.draft(None, (side, side))  # JPEG: decode at 1/2, 1/4 or 1/8 when that is enough
    with _bomb_guard(limits.max_pixels):
        source.load()
    picture = _normalised(_upright(source))
    picture.thumbnail((side, side), Image.Resampling.LANCZOS)
    return _rebuilt(picture)


def _upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation, as browsers do; broken EXIF only costs the rotation."""
    try:
        return ImageOps.exif_transpose(image)
    except MemoryError:
        raise
    except Exception:  # hostile EXIF makes Pillow's parse or rewrite raise almost anything
        return image.copy()


def _normalised(image: Image.Image) -> Image.Image:
    """RGBA when some pixel is see-through, otherwise RGB or L: the modes we encode.

    16-bit grey is scaled, not clipped to white; CMYK, palette and YCbCr become RGB; an
    all-opaque alpha is dropped so photos from apps that always write one become JPEGs.
    """
    if image.mode.startswith("I"):  # I, I;16, I;16B...: 16-bit grey from PNG
        return image.convert("I").point(lambda value: value * (1 / 257)).convert("L")
    if image.has_transparency_data:  # an alpha band, or a palette or colour-key tRNS
        with_alpha = image.convert("RGBA")
        lowest_alpha, _highest = with_alpha.getchannel("A").getextrema()
        return with_alpha if lowest_alpha < 255 else with_alpha.convert("RGB")
    if image.mode in ("L", "RGB"):
        return image
    return image.convert("L" if image.mode == "1" else "RGB")


def _rebuilt(image: Image.Image) -> Image.Image:
    """A new image holding only these pixels and so nothing else.

    Copies and conversions carry ``info`` (EXIF, XMP, ICC, comments, PNG text) along
    and saving writes some of it back (the JPEG comment); a fresh image has no ``info``.
    """
    fresh = Image.new(image.mode, image.size)
    fresh.paste(image, (0, 0))
    return fresh


def _fitted(picture: Image.Image, side: int) -> Image.Image:
    smaller = picture.copy()
    smaller.thumbnail((side, side), Image.Resampling.LANCZOS)
    return _rebuilt(smaller)


def _encoded(picture: Image.Image, content_type: str, limits: ImageLimits) -> bytes:
    """Encode with nothing but pixels: no EXIF, ICC profile or comment is passed or kept."""
    out = io.BytesIO()
    if content_type == PNG:
        picture.save(out, "PNG", optimize=True)
    else:
        picture.save(out, "JPEG", quality=limits.jpeg_quality, optimize=True, exif=b"")
    return out.getvalue()


# ---- metadata_report: what an encoded image carries besides its pixels ----

_PNG_PIXEL_CHUNKS = frozenset({b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS"})
_WEBP_PIXEL_CHUNKS = frozenset({b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF"})
_XMP_PREFIXES = (b"http://ns.adobe.com/xap/1.0/\x00", b"http://ns.adobe.com/xmp/extension/\x00")
_TEXT_LIMIT = 4096


def metadata_report(data: bytes) -> dict[str, Any]:
    """Everything an encoded JPEG, PNG or WebP carries besides pixels; ``{}`` means none.

    For tests and operations: it proves ``clean_image`` output is bare and shows what
    an upload would have leaked. It walks the container itself (JPEG segments, PNG and
    RIFF chunks, bytes after the end) rather than trusting a decoder's idea of
    metadata, and decodes no pixels. Keys: ``exif``, ``gps``, ``exif_thumbnail``,
    ``xmp``, ``icc_profile``, ``comments``, ``text``, ``other``, ``trailing_bytes``.
    """
    return _report(data, nested=False)


def _report(data: bytes, *, nested: bool) -> dict[str, Any]:
    # nested: inside an EXIF thumbnail, whose own thumbnail is not followed further
    report: dict[str, Any] = {}
    if data.startswith(b"\xff\xd8"):
        end = _jpeg_metadata(data, report, nested)
    elif data.startswith(_PNG_SIGNATURE):
        end = _png_metadata(data, report, nested)
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        end = _webp_metadata(data, report, nested)
    else:
        return report
    if end < len(data):
        report["trailing_bytes"] = len(data) - end
    return report


def _jpeg_metadata(data: bytes, report: dict[str, Any], nested: bool) -> int:
    """Walk the markers, over entropy-coded data too, to EOI; return where the JPEG ends."""
    pos = 2
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            return len(data)
        marker = data[pos + 1]
        if marker == 0xD9:
            return pos + 2
        if marker in (0x00, 0x01, 0xD8, 0xFF) or 0xD0 <= marker <= 0xD7:
            pos += 1 if marker == 0xFF else 2  # stuffing, TEM, SOI, fill, RSTn: no length
            continue
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        _note_jpeg_segment(marker, data[pos + 4 : pos + 2 + length], report, nested)
        pos += 2 + max(length, 2)


def _note_jpeg_segment(marker: int, payload: bytes, report: dict[str, Any], nested: bool) -> None:
    if marker == 0xFE:
        report.setdefault("comments", []).append(payload[:_TEXT_LIMIT])
    elif marker == 0xE1 and payload.startswith(b"Exif\x00\x00"):
        _note_exif(payload[6:], report, nested)
    elif marker == 0xE1 and payload.startswith(_XMP_PREFIXES):
        xmp = payload.split(b"\x00", 1)[1][:_TEXT_LIMIT]
        report.setdefault("xmp", []).append(xmp.decode("utf-8", "replace"))
    elif marker == 0xE2 and payload.startswith(b"ICC_PROFILE\x00"):
        report.setdefault("icc_profile", []).append(len(payload) - 14)
    elif marker == 0xE0 and payload.startswith(b"JFIF\x00") and len(payload) == 14:
        if payload[12:14] != b"\x00\x00":
            report.setdefault("other", []).append("APP0 JFIF thumbnail")
    elif 0xE0 <= marker <= 0xEF:
        name = payload[:16].split(b"\x00", 1)[0].decode("latin-1")
        report.setdefault("other", []).append(f"APP{marker - 0xE0} {name}".strip())
    elif 0xF0 <= marker <= 0xFD:  # reserved JPGn segments: nothing we write, a place to hide
        report.setdefault("other", []).append(f"JPG{marker - 0xF0}")


def _png_metadata(data: bytes, report: dict[str, Any], nested: bool) -> int:
    """Walk the chunks to IEND; return where the PNG ends."""
    pos = len(_PNG_SIGNATURE)
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IEND":
            return min(pos, len(data))
        if kind in (b"tEXt", b"zTXt", b"iTXt"):
            key, text = _png_text(kind, body)
            report.setdefault("text", {})[key] = text
        elif kind == b"eXIf":
            _note_exif(body, report, nested)
        elif kind == b"iCCP":
            report.setdefault("icc_profile", []).append(len(body))
        elif kind not in _PNG_PIXEL_CHUNKS:
            report.setdefault("other", []).append(kind.decode("latin-1"))
    return min(pos, len(data))


def _png_text(kind: bytes, body: bytes) -> tuple[str, str]:
    """Keyword and (at most 4 KiB of) text of a tEXt, zTXt or iTXt chunk."""
    key, _, rest = body.partition(b"\x00")
    compressed = kind == b"zTXt" or (kind == b"iTXt" and rest[:1] == b"\x01")
    if kind == b"iTXt":
        rest = rest[2:].split(b"\x00", 2)[-1]  # flag, method, language, translated key
    elif kind == b"zTXt":
        rest = rest[1:]
    if compressed:
        try:
            rest = zlib.decompressobj().decompress(rest, _TEXT_LIMIT)
        except zlib.error:
            rest = b"(undecodable)"
    encoding = "utf-8" if kind == b"iTXt" else "latin-1"
    return key.decode("latin-1"), rest[:_TEXT_LIMIT].decode(encoding, "replace")


def _webp_metadata(data: bytes, report: dict[str, Any], nested: bool) -> int:
    """Walk the RIFF chunks; return where the RIFF container ends."""
    end = min(len(data), 8 + int.from_bytes(data[4:8], "little"))
    pos = 12
    while pos + 8 <= end:
        kind, length = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        body = data[pos + 8 : pos + 8 + length]
        pos += 8 + length + (length & 1)
        if kind == b"EXIF":
            _note_exif(body.removeprefix(b"Exif\x00\x00"), report, nested)
        elif kind == b"XMP ":
            report.setdefault("xmp", []).append(body[:_TEXT_LIMIT].decode("utf-8", "replace"))
        elif kind == b"ICCP":
            report.setdefault("icc_profile", []).append(len(body))
        elif kind not in _WEBP_PIXEL_CHUNKS:
            report.setdefault("other", []).append(kind.decode("latin-1"))
    return end


def _note_exif(tiff: bytes, report: dict[str, Any], nested: bool) -> None:
    """EXIF tags by name (main and Exif IFDs), GPS tags, and the embedded thumbnail."""
    exif = report.setdefault("exif", {})
    try:
        parsed = Image.Exif()
        parsed.load(tiff)
        main = {**parsed, **parsed.get_ifd(ExifTags.IFD.Exif)}
        gps = parsed.get_ifd(ExifTags.IFD.GPSInfo)
        first = parsed.get_ifd(ExifTags.IFD.IFD1)
    except MemoryError:
        raise
    except Exception:  # as in _upright: hostile EXIF can make Pillow raise anything
        exif["(unparsed bytes)"] = len(tiff)
        return
    exif["(bytes)"] = len(tiff)
    exif.update({ExifTags.TAGS.get(tag, hex(tag)): repr(v)[:200] for tag, v in main.items()})
    if gps:
        names = {ExifTags.GPSTAGS.get(tag, hex(tag)): repr(v)[:200] for tag, v in gps.items()}
        report.setdefault("gps", {}).update(names)
    offset, length = first.get(0x0201), first.get(0x0202)
    if isinstance(offset, int) and isinstance(length, int):
        embedded = tiff[offset : offset + length]
        inside = {} if nested else _report(embedded, nested=True)
        report["exif_thumbnail"] = {"bytes": len(embedded), **inside}
