"""A hostile corpus of uploads, built with Pillow at test time (no binary files in git).

Each builder returns the bytes an attacker, a phone or a drawing app might send. The
secrets planted in them (``SECRETS``) must never reach a cleaned image.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from PIL import Image, ImageCms, ImageDraw
from PIL.PngImagePlugin import PngInfo

HOME = b"12 Acacia Avenue"
COMMENT = b"SECRET-COMMENT: lives at " + HOME
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
    b'photoshop:City="SECRET-XMP-CITY"/></rdf:RDF></x:xmpmeta>'
)
ARTIST = b"SECRET-ARTIST Jane Doe"
THUMB_SECRET = b"SECRET-IN-EXIF-THUMBNAIL"
ZIP_SECRET = b"SECRET-ZIP-PAYLOAD"
HTML_PAYLOAD = b"<html><script>alert('SECRET-HTML-PAYLOAD')</script></html>"
PNG_TEXT = "SECRET-PNG-TEXT near the school"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
SECRETS = (
    HOME,
    b"SECRET",
    b"xmpmeta",
    b"Exif",
    b"ICC_PROFILE",
    b"PK\x03\x04",
    b"<script",
    b"Jane Doe",
)

# TIFF field types.
ASCII, SHORT, LONG, RATIONAL, FLOAT = 2, 3, 4, 5, 11
GPS_OF_HOME = [
    (1, ASCII, b"N"),
    (2, RATIONAL, [(51, 1), (30, 1), (1234, 100)]),
    (3, ASCII, b"W"),
    (4, RATIONAL, [(0, 1), (7, 1), (3900, 100)]),
]


def _field(kind: int, value) -> tuple[int, bytes]:
    if kind == ASCII:
        return len(value) + 1, value + b"\x00"
    if kind == SHORT:
        return len(value), struct.pack(f"<{len(value)}H", *value)
    if kind == LONG:
        return len(value), struct.pack(f"<{len(value)}I", *value)
    if kind == FLOAT:
        return len(value), struct.pack(f"<{len(value)}f", *value)
    flat = [number for pair in value for number in pair]
    return len(value), struct.pack(f"<{len(flat)}I", *flat)


def _ifd(entries: list, at: int, next_ifd: int) -> bytes:
    """One little-endian IFD at offset ``at``, its longer values right after it."""
    table = struct.pack("<H", len(entries))
    extra = b""
    extra_at = at + 2 + 12 * len(entries) + 4
    for tag, kind, value in sorted(entries, key=lambda entry: entry[0]):
        count, raw = _field(kind, value)
        if len(raw) <= 4:
            inline = raw.ljust(4, b"\x00")
        else:
            inline = struct.pack("<I", extra_at + len(extra))
            extra += raw + b"\x00" * (len(raw) & 1)
        table += struct.pack("<HHI", tag, kind, count) + inline
    return table + struct.pack("<I", next_ifd) + extra


def exif_tiff(ifd0: list, gps: list | None = None, thumbnail: bytes | None = None) -> bytes:
    """A TIFF-structured EXIF block: IFD0, a GPS IFD, and IFD1 with a JPEG thumbnail."""
    gps = gps or []
    pointer = [(0x8825, LONG, [0])] if gps else []
    gps_at = 8 + len(_ifd(ifd0 + pointer, 8, 0))
    ifd1_at = gps_at + (len(_ifd(gps, gps_at, 0)) if gps else 0)
    pointer = [(0x8825, LONG, [gps_at])] if gps else []
    blocks = _ifd(ifd0 + pointer, 8, ifd1_at if thumbnail else 0)
    blocks += _ifd(gps, gps_at, 0) if gps else b""
    if thumbnail:
        thumb_at = ifd1_at + 2 + 12 * 2 + 4
        ifd1 = [(0x0201, LONG, [thumb_at]), (0x0202, LONG, [len(thumbnail)])]
        blocks += _ifd(ifd1, ifd1_at, 0) + thumbnail
    return b"II*\x00" + struct.pack("<I", 8) + blocks


def exif_block(orientation: int = 1, *, gps: bool = True, thumbnail: bytes | None = None):
    ifd0 = [(0x0112, SHORT, [orientation]), (0x010F, ASCII, b"PhoneCo"), (0x013B, ASCII, ARTIST)]
    return b"Exif\x00\x00" + exif_tiff(ifd0, GPS_OF_HOME if gps else None, thumbnail)


def exif_pillow_cannot_rewrite() -> bytes:
    """Orientation 6 with Artist (an ASCII tag) stored as FLOAT: found by fuzzing, it makes
    ``ImageOps.exif_transpose`` raise AttributeError when it rewrites the EXIF."""
    ifd0 = [(0x0112, SHORT, [6]), (0x013B, FLOAT, [1.5]), (0x010E, ASCII, ARTIST)]
    return encode(two_tone((64, 48)), "JPEG", exif=b"Exif\x00\x00" + exif_tiff(ifd0, GPS_OF_HOME))


def two_tone(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """Left half red, right half blue: shows which way a picture was turned."""
    image = Image.new("RGB", size, (0, 0, 255))
    ImageDraw.Draw(image).rectangle((0, 0, size[0] // 2 - 1, size[1]), fill=(255, 0, 0))
    return image.convert(mode)


def encode(image: Image.Image, kind: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, kind, **params)
    return out.getvalue()


def insert_jpeg_segment(jpeg: bytes, marker: int, payload: bytes) -> bytes:
    """Put a segment straight after SOI, where Pillow's writer cannot stop it."""
    return (
        jpeg[:2] + bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]
    )


def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def gps_jpeg() -> bytes:
    """A phone photo: stored 64x48 with orientation 6 (shown 48x64), GPS, a thumbnail
    whose own EXIF has GPS, a JPEG comment, XMP and an ICC profile."""
    thumb_exif = b"Exif\x00\x00" + exif_tiff([(0x010E, ASCII, THUMB_SECRET)], GPS_OF_HOME)
    thumbnail = encode(two_tone((16, 12)), "JPEG", exif=thumb_exif)
    jpeg = encode(
        two_tone((64, 48)),
        "JPEG",
        exif=exif_block(6, thumbnail=thumbnail),
        comment=COMMENT,
        icc_profile=srgb_profile(),
        quality=95,
    )
    return insert_jpeg_segment(jpeg, 0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + XMP)


def text_png() -> bytes:
    """A drawing with tEXt, zTXt, iTXt, eXIf (orientation 8 and GPS), iCCP, a private chunk."""
    info = PngInfo()
    info.add_text("Comment", PNG_TEXT)
    info.add_text("Location", PNG_TEXT, zip=True)
    info.add_itxt("Description", PNG_TEXT + " \u00e9", lang="en", tkey="Description")
    info.add(b"prVt", b"SECRET-PRIVATE-CHUNK " + HOME)
    return encode(
        two_tone((40, 30)),
        "PNG",
        pnginfo=info,
        exif=exif_block(8)[6:],
        icc_profile=srgb_profile(),
    )


def meta_webp() -> bytes:
    """A WebP with EXIF (orientation 6 and GPS), XMP and an ICC profile."""
    return encode(
        two_tone((64, 48)),
        "WEBP",
        exif=exif_block(6),
        xmp=XMP,
        icc_profile=srgb_profile(),
        quality=90,
    )


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def declared_png(width: int, height: int, *, bit_depth: int = 8, colour: int = 0, rows=None):
    """A PNG whose IHDR says ``width`` x ``height`` but whose IDAT holds only ``rows``."""
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour, 0, 0, 0)
    raw = rows if rows is not None else b"\x00" * (width + 1) * 4
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(raw, 9))
        + png_chunk(b"IEND", b"")
    )


def png_bomb() -> bytes:
    """200 megapixels declared (20000 x 10000), a few hundred bytes on disk."""
    return declared_png(20_000, 10_000)


def rgb16_png() -> bytes:
    """16 bits per channel RGB, which Pillow cannot write: 16 x 16, red above blue."""
    red, blue = b"\xff\xff\x00\x00\x00\x00" * 16, b"\x00\x00\x00\x00\xff\xff" * 16
    rows = (b"\x00" + red) * 8 + (b"\x00" + blue) * 8
    return declared_png(16, 16, bit_depth=16, colour=2, rows=rows)


def webp_bomb() -> bytes:
    """A real lossless WebP whose VP8L header is patched to say 16000 x 16000."""
    data = bytearray(encode(Image.new("RGB", (4, 4), "white"), "WEBP", lossless=True))
    assert data[12:16] == b"VP8L"
    bits = int.from_bytes(data[21:25], "little") & ~((1 << 28) - 1)
    data[21:25] = (bits | 15999 | (15999 << 14)).to_bytes(4, "little")
    return bytes(data)


def noisy_jpeg(size=(120, 90)) -> bytes:
    return encode(Image.effect_noise(size, 64).convert("RGB"), "JPEG", quality=90)


def noise_png(size=(64, 64)) -> bytes:
    return encode(Image.effect_noise(size, 50), "PNG")


def zip_payload() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("payload.txt", ZIP_SECRET)
    return out.getvalue()


def animated(kind: str) -> bytes:
    """Three frames, red then green then blue; only the red one may survive."""
    frames = [Image.new("RGB", (24, 16), colour) for colour in ("red", "lime", "blue")]
    params = {"lossless": True} if kind == "WEBP" else {}
    return encode(frames[0], kind, save_all=True, append_images=frames[1:], duration=100, **params)


def mpo() -> bytes:
    """A phone's MPO: a red picture, then a blue one carrying GPS; only red may survive."""
    red, blue = Image.new("RGB", (32, 24), "red"), Image.new("RGB", (32, 24), "blue")
    return encode(red, "MPO", save_all=True, append_images=[blue], exif=exif_block(1))


def palette_png() -> bytes:
    """A palette drawing whose index 0 is transparent."""
    image = Image.new("P", (20, 10), 0)
    image.putpalette([255, 255, 255, 200, 0, 0])
    ImageDraw.Draw(image).rectangle((10, 0, 19, 9), fill=1)
    return encode(image, "PNG", transparency=0)


def grey16_png() -> bytes:
    image = Image.new("I;16", (4, 2), 32768)
    image.putpixel((0, 0), 65535)
    return encode(image, "PNG")


def heic_like() -> bytes:
    return b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64


def cmyk_jpeg() -> bytes:
    """Pure cyan in CMYK (Pillow writes an Adobe APP14): must come out cyan in RGB."""
    return encode(Image.new("CMYK", (16, 16), (255, 0, 0, 0)), "JPEG", quality=95)


def la_png() -> bytes:
    """Grey with an alpha band and one see-through pixel."""
    image = Image.new("LA", (10, 10), (90, 255))
    image.putpixel((0, 0), (90, 0))
    return encode(image, "PNG")


def html_in_jpeg() -> bytes:
    """A real JPEG with HTML in a COM segment and again after EOI."""
    jpeg = encode(two_tone((30, 20)), "JPEG", comment=HTML_PAYLOAD)
    return jpeg + HTML_PAYLOAD


def corrupt_exif_jpeg() -> bytes:
    """An APP1 Exif segment whose first IFD points far beyond the segment."""
    jpeg = encode(two_tone((30, 20)), "JPEG")
    return insert_jpeg_segment(jpeg, 0xE1, b"Exif\x00\x00MM\x00*\xff\xff\xff\xf0" + HOME)


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def gif() -> bytes:
    return encode(Image.new("RGB", (8, 8), "red"), "GIF")
