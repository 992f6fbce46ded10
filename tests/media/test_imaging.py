"""clean_image and metadata_report against a hostile corpus (see tests/media/corpus.py).

Every accepted upload must come out as pixels only: no metadata of any kind, upright,
within the size limits, with nothing planted in the upload left in the bytes. Every
rejected one must fail with the right error, and an oversized one before any decoding.
"""

from __future__ import annotations

import ast
import importlib
import io
import random
import string
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFile
from PIL.PngImagePlugin import PngInfo

from allaboutme.errors import TooLarge, UnsupportedMediaType, ValidationFailed
from allaboutme.media import imaging
from allaboutme.media.imaging import ImageLimits, clean_image, metadata_report
from tests.media import corpus as c

RED, BLUE, CYAN = (255, 0, 0), (0, 0, 255), (0, 255, 255)
JPEG, PNG = "image/jpeg", "image/png"


def _near(actual, expected, tolerance=40) -> bool:
    actual = actual if isinstance(actual, tuple) else (actual,)
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=False))


def ok(build, size, colours=None, planted="", content_type=JPEG):
    """An upload that must be accepted: its output type, size and colours at points, and
    the metadata planted in it (space-separated ``metadata_report`` keys)."""
    return build, content_type, size, colours or {}, set(planted.split())


TOP_RED = {(24, 4): RED, (24, 60): BLUE}  # EXIF 6 turns the stored left (red) to the top
ACCEPTED = {
    "phone photo: GPS, EXIF-6, thumbnail with GPS, COM, XMP, ICC": ok(
        c.gps_jpeg, (48, 64), TOP_RED, "exif gps exif_thumbnail xmp icc_profile comments"
    ),
    "png: tEXt zTXt iTXt, eXIf orientation 8, iCCP, private chunk": ok(
        c.text_png, (30, 40), {(15, 36): RED, (15, 3): BLUE}, "text exif gps icc_profile other"
    ),
    "webp: EXIF orientation 6, XMP, ICCP": ok(
        c.meta_webp, (48, 64), TOP_RED, "exif gps xmp icc_profile"
    ),
    "jpeg+zip polyglot": ok(
        lambda: c.noisy_jpeg() + c.zip_payload(), (120, 90), None, "trailing_bytes"
    ),
    "jpeg with html in COM and after EOI": ok(
        c.html_in_jpeg, (30, 20), {(2, 10): RED}, "comments trailing_bytes"
    ),
    "jpeg with corrupt EXIF": ok(c.corrupt_exif_jpeg, (30, 20), {(2, 10): RED}, "exif"),
    # Upright if Pillow can rewrite the EXIF, as stored if not: either way, bare.
    "exif that breaks Pillow's rewrite": ok(c.exif_pillow_cannot_rewrite, None, None, "exif gps"),
    "cmyk jpeg": ok(c.cmyk_jpeg, (16, 16), {(8, 8): CYAN}, "other"),
    "grey jpeg": ok(lambda: c.encode(Image.new("L", (9, 7), 200), "JPEG"), (9, 7)),
    "mpo: a second picture after the first": ok(
        c.mpo, (32, 24), {(5, 5): RED}, "exif gps other trailing_bytes"
    ),
    "plain lossy webp (VP8)": ok(lambda: c.encode(c.two_tone((30, 20)), "WEBP"), (30, 20)),
    "plain lossless webp (VP8L)": ok(
        lambda: c.encode(c.two_tone((30, 20)), "WEBP", lossless=True), (30, 20), {(2, 10): RED}
    ),
    "animated webp: first frame": ok(lambda: c.animated("WEBP"), (24, 16), {(5, 5): RED}),
    "animated png: first frame": ok(lambda: c.animated("PNG"), (24, 16), {(5, 5): RED}, "other"),
    "16-bit grey png is scaled": ok(c.grey16_png, (4, 2), {(0, 0): (255,), (2, 1): (128,)}),
    "16-bit rgb png": ok(c.rgb16_png, (16, 16), {(8, 2): RED, (8, 13): BLUE}),
    "palette png with transparency": ok(
        c.palette_png, (20, 10), {(2, 2): (255, 255, 255, 0), (15, 5): (200, 0, 0, 255)}, "", PNG
    ),
    "grey+alpha png": ok(
        c.la_png, (10, 10), {(0, 0): (90, 90, 90, 0), (5, 5): (90, 90, 90, 255)}, "", PNG
    ),
    "opaque rgba png becomes jpeg": ok(
        lambda: c.encode(c.two_tone((20, 10), "RGBA"), "PNG"), (20, 10), {(2, 5): RED}
    ),
    "big photo is reduced to 2048": ok(
        lambda: c.encode(c.two_tone((3000, 1500)), "JPEG", exif=c.exif_block(1)),
        (2048, 1024),
        {(10, 500): RED, (2040, 500): BLUE},
        "exif gps",
    ),
}

TOO_MANY, UNREADABLE, NOT_ACCEPTED = "image_too_many_pixels", "image_unreadable", None
# id: (build, error class, code)
REJECTED = {
    "png declaring 200 megapixels": (c.png_bomb, TooLarge, TOO_MANY),
    "png declaring 30 megapixels": (lambda: c.declared_png(6000, 5000), TooLarge, TOO_MANY),
    "png 8001 pixels wide": (lambda: c.declared_png(8001, 10), TooLarge, TOO_MANY),
    "webp declaring 16000x16000": (c.webp_bomb, TooLarge, TOO_MANY),
    "40 MB blob": (lambda: b"\xff\xd8\xff" + bytes(40 * 1024 * 1024), TooLarge, "image_too_large"),
    "pdf named .jpg": (
        lambda: b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n",
        UnsupportedMediaType,
        NOT_ACCEPTED,
    ),
    "svg": (lambda: c.SVG, UnsupportedMediaType, NOT_ACCEPTED),
    "gif": (c.gif, UnsupportedMediaType, NOT_ACCEPTED),
    "animated gif": (lambda: c.animated("GIF"), UnsupportedMediaType, NOT_ACCEPTED),
    "bmp": (lambda: c.encode(Image.new("RGB", (8, 8)), "BMP"), UnsupportedMediaType, NOT_ACCEPTED),
    "tiff": (
        lambda: c.encode(Image.new("RGB", (8, 8)), "TIFF"),
        UnsupportedMediaType,
        NOT_ACCEPTED,
    ),
    "heic": (c.heic_like, UnsupportedMediaType, NOT_ACCEPTED),
    "text": (lambda: b"hello, this is not a picture\n", UnsupportedMediaType, NOT_ACCEPTED),
    "html then jpeg": (lambda: c.HTML_PAYLOAD + c.noisy_jpeg(), UnsupportedMediaType, NOT_ACCEPTED),
    "zip then jpeg": (lambda: c.zip_payload() + c.noisy_jpeg(), UnsupportedMediaType, NOT_ACCEPTED),
    "zero bytes": (lambda: b"", ValidationFailed, "image_empty"),
    "truncated jpeg": (lambda: c.truncated(c.noisy_jpeg()), ValidationFailed, UNREADABLE),
    "jpeg header only": (lambda: c.noisy_jpeg()[:40], ValidationFailed, UNREADABLE),
    "truncated png": (lambda: c.truncated(c.noise_png()), ValidationFailed, UNREADABLE),
    "png with no pixel data": (
        lambda: c.declared_png(4, 4, rows=b""),
        ValidationFailed,
        UNREADABLE,
    ),
    "truncated webp": (lambda: c.truncated(c.meta_webp()), ValidationFailed, UNREADABLE),
}


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data:UserWarning")
@pytest.mark.filterwarnings("ignore:Metadata Warning:UserWarning")
@pytest.mark.parametrize("case", ACCEPTED, ids=str)
def test_accepted_upload_comes_out_as_pixels_only(case):
    build, content_type, size, colours, planted = ACCEPTED[case]
    upload = build()
    assert set(metadata_report(upload)) == planted  # the upload really was carrying it

    cleaned = clean_image(upload)

    assert cleaned.content_type == content_type
    assert size is None or (cleaned.width, cleaned.height) == size
    for encoded, dimensions in (
        (cleaned.data, (cleaned.width, cleaned.height)),
        (cleaned.thumbnail, (cleaned.thumb_width, cleaned.thumb_height)),
    ):
        assert metadata_report(encoded) == {}
        decoded = Image.open(io.BytesIO(encoded))
        assert decoded.format == content_type.removeprefix("image/").upper()
        assert decoded.size == dimensions
        assert decoded.info.keys() <= {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi"}
        for secret in c.SECRETS:
            assert secret not in encoded
    assert max(cleaned.width, cleaned.height) <= 2048
    assert max(cleaned.thumb_width, cleaned.thumb_height) <= 320
    picture = Image.open(io.BytesIO(cleaned.data))
    for point, colour in colours.items():
        assert _near(picture.getpixel(point), colour), (point, picture.getpixel(point))


@pytest.mark.parametrize("case", REJECTED, ids=str)
def test_rejected_upload_gets_the_right_error(case):
    build, error, code = REJECTED[case]
    with pytest.raises(error) as raised:
        clean_image(build())
    assert raised.value.status == {TooLarge: 413, UnsupportedMediaType: 415}.get(error, 422)
    assert raised.value.code == (code or "image_type_not_accepted")


def test_limits_are_the_documented_ones_and_frozen():
    assert ImageLimits() == ImageLimits(10 * 1024 * 1024, 24_000_000, 8000, 2048, 320, 85)
    with pytest.raises(AttributeError):
        ImageLimits().max_pixels = 10**9


def test_polyglot_appended_payloads_never_reach_the_output():
    upload = c.noisy_jpeg() + c.zip_payload() + c.HTML_PAYLOAD
    assert c.ZIP_SECRET in upload
    cleaned = clean_image(upload)
    for payload in (c.ZIP_SECRET, b"PK\x03\x04", b"PK\x05\x06", b"<script", b"<html"):
        assert payload not in cleaned.data and payload not in cleaned.thumbnail
    assert "trailing_bytes" not in metadata_report(cleaned.data)


def test_exif_thumbnail_with_its_own_gps_is_seen_and_dropped():
    report = metadata_report(c.gps_jpeg())
    assert report["exif_thumbnail"]["gps"]["GPSLatitudeRef"] == "'N'"
    assert "SECRET-IN-EXIF-THUMBNAIL" in report["exif_thumbnail"]["exif"]["ImageDescription"]
    assert c.THUMB_SECRET not in clean_image(c.gps_jpeg()).data


def test_large_output_and_thumbnail_follow_the_limits():
    limits = ImageLimits(output_max_side=100, thumb_side=25)
    cleaned = clean_image(c.encode(c.two_tone((400, 160)), "PNG"), limits)
    sizes = (cleaned.width, cleaned.height, cleaned.thumb_width, cleaned.thumb_height)
    assert sizes == (100, 40, 25, 10)
    big = clean_image(c.encode(c.two_tone((3000, 1500)), "JPEG"))
    assert (big.thumb_width, big.thumb_height) == (320, 160)


def test_sizes_and_bytes_are_checked_before_any_decoding(monkeypatch):
    def never(*_args, **_kwargs):
        raise AssertionError("decoded an upload that should have been refused first")

    monkeypatch.setattr(ImageFile.ImageFile, "load", never)
    with pytest.raises(AssertionError):
        clean_image(c.palette_png())  # the trap works
    for upload in (c.declared_png(8001, 10), c.declared_png(6000, 5000), c.png_bomb()):
        with pytest.raises(TooLarge):
            clean_image(upload)
    monkeypatch.setattr(Image, "open", never)
    with pytest.raises(AssertionError):
        clean_image(c.noisy_jpeg())  # the trap works
    with pytest.raises(TooLarge):
        clean_image(b"\xff\xd8\xff" + bytes(10 * 1024 * 1024 + 1))
    with pytest.raises(TooLarge):
        clean_image(c.webp_bomb())  # libwebp would allocate the canvas on open
    with pytest.raises(ValidationFailed):
        clean_image(b"")


def test_the_decompression_bomb_warning_is_an_error():
    # 30 MP: under Pillow's hard limit (2 x ours) so Pillow only warns; we refuse.
    with pytest.raises(TooLarge) as raised:
        clean_image(c.declared_png(6000, 5000))
    assert isinstance(raised.value.__cause__, Image.DecompressionBombWarning)


def test_a_file_pillow_reads_as_another_format_is_refused(monkeypatch):
    real_open = Image.open

    def open_as_gif(*args, **kwargs):
        image = real_open(*args, **kwargs)
        image.format = "GIF"
        return image

    monkeypatch.setattr(Image, "open", open_as_gif)
    with pytest.raises(UnsupportedMediaType):
        clean_image(c.noisy_jpeg())


def _pillow_globals():
    return Image.MAX_IMAGE_PIXELS, list(warnings.filters), ImageFile.LOAD_TRUNCATED_IMAGES


def import_weasyprint_as_the_app_does() -> None:
    importlib.import_module("allaboutme.referrals.pdf")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # else this test proves less than it says


def test_truncated_uploads_are_refused_even_after_weasyprint_is_loaded():
    import_weasyprint_as_the_app_does()
    for upload in (c.truncated(c.noisy_jpeg()), c.truncated(c.noise_png())):
        with pytest.raises(ValidationFailed):
            clean_image(upload)


def _outcome(upload: bytes) -> str:
    try:
        return clean_image(upload).content_type
    except (TooLarge, UnsupportedMediaType, ValidationFailed) as error:
        return error.code


def test_pillow_globals_are_left_as_they_were_even_across_threads():
    import_weasyprint_as_the_app_does()  # it turns truncated loading on process-wide
    before = _pillow_globals()
    uploads = [c.gps_jpeg(), c.declared_png(6000, 5000), c.png_bomb(), c.palette_png()] * 8
    expected = [JPEG, "image_too_many_pixels", "image_too_many_pixels", PNG] * 8
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(_outcome, uploads)) == expected
    assert _pillow_globals() == before


def test_metadata_report_on_things_that_are_not_images():
    assert metadata_report(b"") == {}
    assert metadata_report(b"%PDF-1.4") == {}
    jpeg = c.insert_jpeg_segment(c.noisy_jpeg(), 0xF3, b"hidden")
    assert metadata_report(jpeg) == {"other": ["JPG3"]}


def test_imaging_is_pure():
    tree = ast.parse(Path(imaging.__file__).read_text(encoding="utf-8"))
    nodes = list(ast.walk(tree))
    imported = {a.name for node in nodes if isinstance(node, ast.Import) for a in node.names}
    imported |= {node.module for node in nodes if isinstance(node, ast.ImportFrom)}
    allowed_stdlib = {"__future__", "io", "struct", "threading", "warnings", "zlib"}
    allowed_stdlib |= {"collections.abc", "contextlib", "dataclasses", "typing"}
    assert imported - allowed_stdlib == {"PIL", "allaboutme.errors"}


SMALL = ImageLimits(output_max_side=48, thumb_side=16)
SWAPPING_ORIENTATIONS = {5, 6, 7, 8}


@st.composite
def uploads(draw):
    """A random small picture with random EXIF (orientation, GPS) and container metadata."""
    width, height = draw(st.integers(1, 95)), draw(st.integers(1, 95))
    mode = draw(st.sampled_from(["RGB", "RGBA"]))
    kind = draw(st.sampled_from(["JPEG", "PNG", "WEBP"]))
    orientation = draw(st.integers(1, 8))
    secret = "SECRET-" + draw(st.text(string.ascii_letters, min_size=4, max_size=16))
    noise = random.Random(draw(st.integers(0, 2**32 - 1))).randbytes(width * height * len(mode))
    image = Image.frombytes(mode, (width, height), noise)
    ifd0 = [(0x0112, c.SHORT, [orientation]), (0x010E, c.ASCII, secret.encode())]
    gps = c.GPS_OF_HOME if draw(st.booleans()) else None
    params = {"exif": b"Exif\x00\x00" + c.exif_tiff(ifd0, gps)}
    if kind == "JPEG":
        image = image.convert("RGB")
        params["comment"] = secret.encode()
    elif kind == "PNG":
        params["pnginfo"] = PngInfo()
        params["pnginfo"].add_text("Comment", secret)
        params["exif"] = params["exif"][6:]
    else:
        params["xmp"] = secret.encode()
    size = (height, width) if orientation in SWAPPING_ORIENTATIONS else (width, height)
    return c.encode(image, kind, **params), size, secret.encode()


def _has_see_through_pixels(data: bytes) -> bool:
    image = Image.open(io.BytesIO(data))
    return "A" in image.getbands() and image.getchannel("A").getextrema()[0] < 255


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(uploads())
def test_any_small_upload_keeps_its_shape_and_loses_its_metadata(upload):
    data, (width, height), secret = upload
    cleaned = clean_image(data, SMALL)
    assert cleaned.content_type == (PNG if _has_see_through_pixels(data) else JPEG)
    for encoded, out_width, out_height, side in (
        (cleaned.data, cleaned.width, cleaned.height, SMALL.output_max_side),
        (cleaned.thumbnail, cleaned.thumb_width, cleaned.thumb_height, SMALL.thumb_side),
    ):
        assert metadata_report(encoded) == {}
        assert secret not in encoded
        assert Image.open(io.BytesIO(encoded)).size == (out_width, out_height)
        if max(width, height) <= side:
            assert (out_width, out_height) == (width, height)
        else:
            assert max(out_width, out_height) == side
            # Same aspect ratio, give or take the rounding to whole pixels.
            assert abs(out_width * height - out_height * width) <= max(width, height)


MUTATION_SEEDS = (c.gps_jpeg(), c.text_png(), c.meta_webp(), c.mpo(), c.animated("PNG"))


@st.composite
def mutated_uploads(draw):
    """A corpus file with a few bytes changed and perhaps cut short: what fuzzers send."""
    data = bytearray(draw(st.sampled_from(MUTATION_SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data[: draw(st.integers(1, len(data)))])


@pytest.mark.filterwarnings("ignore::UserWarning")
@settings(max_examples=150, deadline=None)
@given(mutated_uploads())
def test_damaged_uploads_are_refused_or_come_out_bare(data):
    metadata_report(data)  # never raises, whatever the bytes
    try:
        cleaned = clean_image(data)
    except (TooLarge, UnsupportedMediaType, ValidationFailed):
        return
    assert metadata_report(cleaned.data) == metadata_report(cleaned.thumbnail) == {}
