"""``python -m bench.packet_pdf``: render time of a full profile's referral packet PDF.

    python -m bench.packet_pdf [--renders 20] [--out FILE.json]

The packet holds every catalogue section with every question answered (a third of
the sections written in Arabic), two 1-megapixel pictures cleaned as uploads are (a
JPEG photo and a PNG drawing with transparency, the two kinds a packet carries), and
is read by an English reader. It is rendered ``--renders`` times after a warm-up, in
this process, with ``allaboutme.referrals.pdf.render_packet_pdf``; the baseline is
the same packet with nothing shared (one page: fonts, page marks, the notice), measured
in the same run, so the ratio says what the child's content costs. Wall and CPU time
are both reported: CPU time is the figure least disturbed by a busy machine. The
settings use a throwaway instance folder; no database is touched.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFilter

from allaboutme import create_app
from allaboutme.config import load_settings
from allaboutme.media.imaging import clean_image
from allaboutme.profiles import catalogue
from allaboutme.referrals.pdf import (
    PacketDocument,
    PdfAnswer,
    PdfPicture,
    PdfSection,
    render_packet_pdf,
)
from bench.loadgen import percentile

RENDERS = 20
WARMUP = 2
TARGET_P95_MS = 500.0
PHOTO_SIDE = 1000  # 1 megapixel
ARABIC = "أحب كرة القدم والرسم، وأشتاق إلى جدتي في حلب. أريد أن أبقى قريبًا من مدرستي وأصدقائي."
ENGLISH = (
    "I like football and drawing, and I miss my gran. I want to stay near my school "
    "and my friends, and to keep seeing my little brother every week."
)


def _cleaned(image: Image.Image, kind: str, caption: str) -> PdfPicture:
    buffer = io.BytesIO()
    image.save(buffer, kind, **({"quality": 92} if kind == "JPEG" else {}))
    cleaned = clean_image(buffer.getvalue())
    return PdfPicture(caption, cleaned.data, cleaned.content_type)


def photo() -> PdfPicture:
    """A photo-like 1-megapixel JPEG (smooth colour and fine grain), cleaned like an upload."""
    side = PHOTO_SIDE
    red = Image.radial_gradient("L").resize((side, side))
    green = Image.linear_gradient("L").resize((side, side)).rotate(37)
    grain = Image.effect_noise((side, side), 48).filter(ImageFilter.GaussianBlur(0.5))
    return _cleaned(Image.merge("RGB", (red, green, grain)), "JPEG", "My dog Biscuit")


def drawing() -> PdfPicture:
    """A 1-megapixel drawing on a transparent background: kept as PNG, with an alpha mask."""
    side = PHOTO_SIDE
    picture = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    pen = ImageDraw.Draw(picture)
    shapes = random.Random(7)
    for _ in range(300):
        x, y = shapes.randrange(side), shapes.randrange(side)
        end = (x + shapes.randrange(-200, 200), y + shapes.randrange(-200, 200))
        colour = (shapes.randrange(256), shapes.randrange(256), shapes.randrange(256), 255)
        pen.line((x, y, *end), fill=colour, width=shapes.randrange(2, 12))
    return _cleaned(picture, "PNG", "My drawing of our street")


def full_packet() -> PacketDocument:
    """Every section and question answered, a photo and a drawing, Arabic in every third section."""
    photos = [photo(), drawing()]
    sections = []
    for index, key in enumerate(catalogue.SECTION_KEYS):
        section = catalogue.get_section(key)
        language = "ar" if index % 3 == 0 else "en"
        text = ARABIC if language == "ar" else ENGLISH
        answers = [PdfAnswer(str(q.label), text) for q in section.questions]
        pictures = photos[index : index + 1] if index < len(photos) else []
        sections.append(PdfSection(key, str(section.title), answers, pictures, language))
    generated_at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    return PacketDocument(
        packet_id="pk_bench",
        verification_id="BNCH-0001",
        verification_url="https://allaboutme.example/packets/pk_bench",
        recipient_name="Sunrise Fostering",
        generated_at=generated_at,
        expires_at=generated_at + timedelta(days=14),
        child_name="Amira",
        referral_summary=ENGLISH,
        lot="2a",
        start_by=date(2026, 4, 20),
        needs=["social, emotional and mental health", "education support"],
        sections=sections,
    )


def _timed(document: PacketDocument, renders: int) -> dict[str, Any]:
    """Wall and CPU milliseconds of ``renders`` renders, after ``WARMUP`` discarded ones."""
    for _ in range(WARMUP):
        render_packet_pdf(document)
    walls, cpus = [], []
    output = b""
    for _ in range(renders):
        wall, cpu = time.perf_counter(), time.process_time()
        output = render_packet_pdf(document)
        cpus.append((time.process_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
    walls.sort()
    return {
        "renders": renders,
        "median_ms": round(statistics.median(walls), 1),
        "p95_ms": round(percentile(walls, 0.95) or 0.0, 1),
        "max_ms": round(walls[-1], 1),
        "cpu_median_ms": round(statistics.median(cpus), 1),
        "pdf_bytes": len(output),
    }


def measure(renders: int = RENDERS) -> dict[str, Any]:
    """The full packet against the empty one, in an English reader's request."""
    with tempfile.TemporaryDirectory(prefix="aam-bench-pdf-") as instance:
        environ = {"ALLABOUTME_ENV": "development", "ALLABOUTME_INSTANCE_PATH": instance}
        app = create_app({"ALLABOUTME_SETTINGS": load_settings(environ)})
        with app.test_request_context("/?locale=en"):
            document = full_packet()
            full = _timed(document, renders)
            empty = _timed(replace(document, sections=[]), renders)
    pictures = [p for s in document.sections for p in s.pictures]
    full.update(
        sections=len(document.sections),
        answers=sum(len(s.answers) for s in document.sections),
        pictures=len(pictures),
        picture_bytes=[len(p.image) for p in pictures],
        languages=sorted({s.language for s in document.sections}),
    )
    return {
        "full": full,
        "empty": empty,
        "full_vs_empty_median": round(full["median_ms"] / empty["median_ms"], 2),
        "target_p95_ms": TARGET_P95_MS,
        "target_met": full["p95_ms"] <= TARGET_P95_MS,
    }


def table(result: dict[str, Any]) -> str:
    full, empty = result["full"], result["empty"]
    return "\n".join(
        [
            f"packet PDF ({full['sections']} sections, {full['answers']} answers, "
            f"{full['pictures']} pictures, {full['languages']}; {full['renders']} renders)",
            f"{'':<14} {'median':>8} {'p95':>8} {'max':>8} {'cpu med':>8} {'bytes':>9}",
            *(
                f"{name:<14} {row['median_ms']:>8} {row['p95_ms']:>8} {row['max_ms']:>8} "
                f"{row['cpu_median_ms']:>8} {row['pdf_bytes']:>9}"
                for name, row in (("full packet", full), ("empty packet", empty))
            ),
            f"full / empty (median): {result['full_vs_empty_median']}; target p95 <= "
            f"{result['target_p95_ms']:.0f} ms: {'met' if result['target_met'] else 'MISSED'}",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.packet_pdf", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--renders", type=int, default=RENDERS)
    parser.add_argument("--out", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if not 1 <= args.renders <= 1000:
        parser.error("--renders must be 1..1000")
    result = measure(args.renders)
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
