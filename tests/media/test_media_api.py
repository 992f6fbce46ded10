"""The child adds pictures; only pixels are kept, sealed; others see them through consent."""

from __future__ import annotations

import base64
import io
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy.engine import make_url

from allaboutme import db, encryption
from allaboutme.audit.models import AuditEvent
from allaboutme.children.models import Child
from allaboutme.config import ImageWork
from allaboutme.crypto import CryptoError
from allaboutme.media import imaging, pool
from allaboutme.media.imaging import metadata_report
from allaboutme.media.models import MediaItem
from allaboutme.media.services import _context
from tests.factories import ApiClient
from tests.media import corpus as c
from tests.media import pool_tasks

CAPTION_CANARY = "Biscuit-Canary-4417"


def phone_photo(size: tuple[int, int] = (800, 600)) -> bytes:
    """A phone's JPEG: EXIF orientation 6 with GPS and an artist, a comment, XMP."""
    jpeg = c.encode(c.two_tone(size), "JPEG", exif=c.exif_block(6), comment=c.COMMENT, quality=90)
    return c.insert_jpeg_segment(jpeg, 0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + c.XMP)


class World:
    def __init__(self, app, factory):
        self.app = app
        authority = factory.organisation("local_authority")
        self.worker = factory.user("social_worker", authority)
        self.admin = factory.user("la_admin", authority)
        self.sunrise_org = factory.organisation("provider", "Sunrise Fostering")
        self.sunrise = factory.user("provider", self.sunrise_org)
        self.child, login = factory.child(self.worker, with_login=True)
        self.me = self.client(login)

    def client(self, login):
        api = ApiClient(self.app.test_client(), self.app)
        assert api.login(login).status_code == 201
        return api

    def upload(self, data, *, api=None, section="likes", caption=None, name="photo.jpg", **extra):
        form = {"section": section, "file": (io.BytesIO(data), name, "image/jpeg"), **extra}
        if caption is not None:
            form["caption"] = caption
        return (api or self.me).post(
            f"/api/v1/children/{self.child.id}/media", data=form, content_type="multipart/form-data"
        )

    def uploaded(self, data=None, **kwargs):
        response = self.upload(data or c.noisy_jpeg((40, 30)), **kwargs)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    def share(self, audience, sections):
        response = self.me.post(
            f"/api/v1/children/{self.child.id}/consents",
            json={"audience": audience, "sections": sections},
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    def share_with_sunrise(self, sections):
        return self.share({"kind": "provider", "org_id": self.sunrise_org.id}, sections)


def test_child_uploads_a_phone_photo_and_gets_back_only_pixels(app, factory):
    world = World(app, factory)
    original = phone_photo()
    assert {"gps", "comments", "xmp"} <= set(metadata_report(original))
    created = world.upload(original, caption=f"  My cat {CAPTION_CANARY}  ")
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["section"] == "likes" and body["content_type"] == "image/jpeg"
    assert (body["width"], body["height"]) == (600, 800)  # turned upright
    assert body["caption"] == f"My cat {CAPTION_CANARY}"
    served = world.me.get(f"/api/v1/media/{body['id']}")
    assert served.status_code == 200
    assert served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Cache-Control"] == "no-store"
    assert served.headers["Content-Disposition"] == "inline"
    image = served.get_data()
    assert metadata_report(image) == {}
    for secret in (*c.SECRETS, b"PhoneCo"):
        assert secret not in image
    assert Image.open(io.BytesIO(image)).size == (600, 800)
    thumb = world.me.get(f"/api/v1/media/{body['id']}?size=thumb")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(thumb.get_data())).size == (240, 320)
    assert len(thumb.get_data()) < len(image)
    assert metadata_report(thumb.get_data()) == {}
    assert world.me.get(f"/api/v1/media/{body['id']}?size=huge").status_code == 422


def _stored_bytes(app, urls) -> bytes:
    """Everything at rest: the database files (or a dump) and the instance folder."""
    with app.app_context():
        db.database().engine.dispose()  # let SQLite checkpoint its WAL into the files
    stored = b""
    for url in urls:
        if url.startswith("sqlite"):
            path = Path(make_url(url).database)
            stored += b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        else:
            plain = make_url(url).set(drivername="postgresql").render_as_string(False)
            dump = [shutil.which("pg_dump") or "pg_dump", "--no-owner", plain]
            stored += subprocess.run(dump, check=True, capture_output=True).stdout
    files = (p for p in Path(app.instance_path).rglob("*") if p.is_file())
    return stored + b"".join(p.read_bytes() for p in files)


def test_nothing_of_the_upload_or_caption_is_readable_at_rest(app, factory, database_urls):
    world = World(app, factory)
    original = phone_photo()
    world.uploaded(original, caption=CAPTION_CANARY)
    with app.app_context():
        row = db.session().query(MediaItem).one()
        assert all(sealed.startswith(b"AAM") for sealed in (row.image, row.thumbnail, row.caption))
    stored = _stored_bytes(app, database_urls)
    assert CAPTION_CANARY.encode() not in stored
    for secret in (c.HOME, c.COMMENT, b"SECRET-XMP-CITY", original[-4096:-2]):
        assert secret not in stored


def test_child_lists_pages_and_deletes_their_pictures(app, factory):
    world = World(app, factory)
    first = world.uploaded(section="likes", caption="one")
    world.uploaded(section="school")
    third = world.uploaded(section="heritage", caption="three")
    listed = world.me.get(f"/api/v1/children/{world.child.id}/media?limit=2").get_json()
    assert [item["id"] for item in listed["items"]][0] == third
    assert listed["items"][0]["caption"] == "three" and listed["items"][1]["caption"] is None
    rest = world.me.get(
        f"/api/v1/children/{world.child.id}/media?limit=2&cursor={listed['next_cursor']}"
    ).get_json()
    assert [item["id"] for item in rest["items"]] == [first] and rest["next_cursor"] is None
    assert rest["items"][0]["section"] == "likes" and rest["items"][0]["byte_size"] > 0
    bad = world.me.get(f"/api/v1/children/{world.child.id}/media?cursor=nope")
    assert bad.status_code == 422 and "cursor" in bad.get_json()["errors"]
    assert world.me.delete(f"/api/v1/media/{first}").status_code == 204
    assert world.me.get(f"/api/v1/media/{first}").status_code == 404
    assert world.me.delete(f"/api/v1/media/{first}").status_code == 404
    left = world.me.get(f"/api/v1/children/{world.child.id}/media").get_json()["items"]
    assert len(left) == 2
    with app.app_context():
        actions = {e.action for e in db.session().query(AuditEvent).filter_by(object_id=first)}
    assert actions == {"media.upload", "media.delete"}


def _problem(response, status, *, field=None):
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.content_type == "application/problem+json"
    if field is not None:
        assert field in response.get_json()["errors"], response.get_json()


def test_anything_but_a_real_picture_is_refused(app, factory):
    world = World(app, factory)
    _problem(world.upload(b"\xff\xd8\xff" + b"\x00" * (13 * 1024 * 1024)), 413)
    _problem(world.upload(b"\xff\xd8\xff" + b"\x00" * (11 * 1024 * 1024)), 413)
    _problem(world.upload(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"), 415)
    _problem(world.upload(c.SVG, name="drawing.svg"), 415)
    _problem(world.upload(b""), 422, field="file")
    _problem(world.upload(c.truncated(phone_photo())), 422, field="file")
    _problem(world.upload(c.noisy_jpeg(), section="diary"), 422, field="section")
    _problem(world.upload(c.noisy_jpeg(), caption="x" * 301), 422, field="caption")
    _problem(world.upload(c.noisy_jpeg(), file="not a file part"), 422, field="file")
    missing = world.me.post(
        f"/api/v1/children/{world.child.id}/media",
        data={"section": "likes"},
        content_type="multipart/form-data",
    )
    _problem(missing, 422, field="file")
    assert world.me.get(f"/api/v1/children/{world.child.id}/media").get_json()["items"] == []


def test_only_the_child_adds_lists_and_deletes_their_own(app, factory):
    world = World(app, factory)
    media_id = world.uploaded()
    _other, other_login = factory.child(world.worker, with_login=True)
    other_child = world.client(other_login)
    worker = world.client(world.worker)
    sunrise = world.client(world.sunrise)
    assert world.upload(c.noisy_jpeg(), api=other_child).status_code == 404
    assert world.upload(c.noisy_jpeg(), api=worker).status_code == 403  # by role
    assert world.upload(c.noisy_jpeg(), api=sunrise).status_code == 403
    listing = f"/api/v1/children/{world.child.id}/media"
    assert other_child.get(listing).status_code == 404
    assert worker.get(listing).status_code == 403
    assert other_child.delete(f"/api/v1/media/{media_id}").status_code == 404
    assert worker.delete(f"/api/v1/media/{media_id}").status_code == 403
    assert other_child.get(f"/api/v1/media/{media_id}").status_code == 404
    assert ApiClient(app.test_client(), app).get(f"/api/v1/media/{media_id}").status_code == 401
    assert world.me.get(f"/api/v1/media/{media_id}").status_code == 200


def _events(app, action, outcome):
    with app.app_context():
        query = (
            db.session()
            .query(AuditEvent)
            .filter_by(action=action, outcome=outcome)
            .order_by(AuditEvent.sequence)
        )
        return [(e.actor_role, e.object_id, tuple(e.sections), e.grant_id) for e in query]


def test_who_else_sees_a_picture_follows_the_childs_consent(app, factory):
    world = World(app, factory)
    liked = world.uploaded(section="likes")
    worry = world.uploaded(section="worries")
    sunrise = world.client(world.sunrise)
    oakwood = world.client(factory.user("provider"))
    assert sunrise.get(f"/api/v1/media/{liked}").status_code == 404
    grant = world.share_with_sunrise(["likes"])
    seen = sunrise.get(f"/api/v1/media/{liked}?size=thumb")
    assert seen.status_code == 200 and seen.mimetype == "image/jpeg"
    assert sunrise.get(f"/api/v1/media/{worry}").status_code == 404  # another section
    assert oakwood.get(f"/api/v1/media/{liked}").status_code == 404  # another provider
    assert world.client(world.worker).get(f"/api/v1/media/{liked}").status_code == 404
    assert sunrise.get("/api/v1/media/no-such-picture").status_code == 404
    assert world.me.delete(f"/api/v1/children/{world.child.id}/consents/{grant}").status_code == 204
    assert sunrise.get(f"/api/v1/media/{liked}").status_code == 404
    assert _events(app, "media.read", "allowed") == [("provider", liked, ("likes",), grant)]
    denied = _events(app, "media.read", "denied")
    assert [(role, object_id) for role, object_id, _s, _g in denied] == [
        ("provider", liked),
        ("provider", worry),
        ("provider", liked),
        ("social_worker", liked),
        ("provider", liked),
    ]


def test_allocated_worker_sees_pictures_of_a_section_shared_with_them(app, factory):
    world = World(app, factory)
    media_id = world.uploaded(section="support")
    world.share({"kind": "social_worker"}, ["support"])
    worker = world.client(world.worker)
    assert worker.get(f"/api/v1/media/{media_id}").status_code == 200
    assert world.client(world.admin).get(f"/api/v1/media/{media_id}").status_code == 404


def test_erasure_deletes_the_pictures_and_a_copy_never_opens(app, factory):
    world = World(app, factory)
    world.uploaded(phone_photo((64, 48)), caption=CAPTION_CANARY)
    with app.app_context():
        child = db.session().get(Child, world.child.id)
        row = db.session().query(MediaItem).one()
        copies = [
            (getattr(row, field), _context(child, row, field))
            for field in ("image", "thumbnail", "caption")
        ]
        assert encryption.open(*copies[2]) == CAPTION_CANARY.encode()  # readable before
    admin = world.client(world.admin)
    assert admin.delete(f"/api/v1/children/{world.child.id}").status_code == 204
    with app.app_context():
        assert db.session().query(MediaItem).count() == 0
        for sealed, context in copies:
            with pytest.raises(CryptoError):
                encryption.open(sealed, context)


def test_a_large_upload_never_touches_the_disk(app, factory, monkeypatch):
    world = World(app, factory)
    photo = c.noisy_jpeg((1400, 1000))
    assert len(photo) > 600 * 1024  # werkzeug would spool this to a temporary file

    def no_temporary_files(*_args, **_kwargs):
        raise AssertionError("an upload was written to a temporary file")

    monkeypatch.setattr("werkzeug.formparser.SpooledTemporaryFile", no_temporary_files)
    assert world.upload(photo).status_code == 201


def test_the_picture_is_cleaned_before_the_write_lock_is_taken(app, factory, monkeypatch):
    """Cleaning a phone photo takes ~0.4 s; SQLite writers must not wait for it."""
    world = World(app, factory)
    url = make_url(app.config["ALLABOUTME_SETTINGS"].database_url)
    real_clean, others_could_write = pool.ImagePool.clean, []

    def clean_while_checking_the_lock(image_pool, data):
        if url.get_backend_name() == "sqlite":
            other = sqlite3.connect(url.database, timeout=0, isolation_level=None)
            other.execute("BEGIN IMMEDIATE")  # raises "database is locked" if we hold it
            other.execute("ROLLBACK")
            other.close()
        others_could_write.append(True)
        return real_clean(image_pool, data)

    monkeypatch.setattr(pool.ImagePool, "clean", clean_while_checking_the_lock)
    assert world.upload(c.noisy_jpeg()).status_code == 201
    assert others_could_write == [True]


def test_the_upload_body_is_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    post = spec["paths"]["/api/v1/children/{child_id}/media"]["post"]
    reference = post["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    body = spec["components"]["schemas"][reference.rsplit("/", 1)[-1]]
    assert set(body["properties"]) == {"section", "caption", "file"}
    assert set(body["required"]) == {"section", "file"}
    assert body["properties"]["file"]["format"] == "binary"
    read = spec["paths"]["/api/v1/media/{media_id}"]["get"]
    assert set(read["responses"]["200"]["content"]) == {"image/jpeg", "image/png"}


def test_the_childs_export_holds_their_pictures_and_captions(app, factory):
    world = World(app, factory)
    world.uploaded(caption=CAPTION_CANARY)
    body = world.me.get(f"/api/v1/children/{world.child.id}/export").get_json()
    (picture,) = body["pictures"]
    assert picture["caption"] == CAPTION_CANARY and picture["section"] == "likes"
    image = base64.b64decode(picture["data_base64"])
    assert image[:3] == b"\xff\xd8\xff" and metadata_report(image) == {}


def test_the_upload_is_cleaned_outside_the_request_thread(app, factory, monkeypatch):
    def not_on_the_request_thread(_data):
        raise AssertionError("cleaned on the request thread")

    monkeypatch.setattr(imaging, "clean_image", not_on_the_request_thread)  # this process only
    world = World(app, factory)
    response = world.upload(phone_photo())
    assert response.status_code == 201, response.get_json()
    stored = world.me.get(f"/api/v1/media/{response.get_json()['id']}")
    assert metadata_report(stored.data) == {}


def test_a_pool_lost_twice_answers_503_with_retry_after_and_stores_nothing(
    app, factory, monkeypatch
):
    dying = pool.ImagePool(ImageWork(), task=pool_tasks.end_own_process)
    monkeypatch.setattr(pool, "pool_for", lambda _work: dying)
    world = World(app, factory)
    try:
        response = world.upload(phone_photo())
    finally:
        dying.shutdown()
    _problem(response, 503)
    assert response.get_json()["code"] == "service_unavailable"
    assert response.headers["Retry-After"] == str(pool.LOST_RETRY_AFTER_SECONDS)
    assert world.me.get(f"/api/v1/children/{world.child.id}/media").get_json()["items"] == []
