"""Photos on a section page without JavaScript: add one, see it, be told why not, delete it."""

from __future__ import annotations

import io
import re

import pytest

from allaboutme.config import ImageWork
from allaboutme.media import pool
from allaboutme.media.imaging import metadata_report
from tests.factories import CSRF_FIELD, ApiClient
from tests.media import corpus as c
from tests.media import pool_tasks

CAPTION = "Me and Biscuit at the beach"
TOO_BIG = "That picture is too big. Please try a smaller one."
UNREADABLE = "We could not open that picture. Please try another one."
FILE_FIELD = 'id="picture-file" name="file" accept="image/*" class="picker" data-picker'


def _child_pages(app, factory, name="Amira"):
    worker = factory.user("social_worker")
    child, login = factory.child(worker, with_login=True, name=name)
    client = ApiClient(app.test_client(), app)
    assert client.login(login).status_code == 201
    return child, client


def _html(response) -> str:
    return response.get_data(as_text=True)


def _token(client, key="likes") -> str:
    return CSRF_FIELD.search(_html(client.get(f"/me/sections/{key}"))).group(1)


def _post_picture(client, data: bytes | None, *, key="likes", caption=CAPTION, field="file"):
    form = {"csrf_token": _token(client, key), "caption": caption}
    files = [] if data is None else [(io.BytesIO(data), "photo.jpg", "image/jpeg")]
    form[field] = files or (io.BytesIO(b""), "", "application/octet-stream")
    return client.client.post(
        f"/me/sections/{key}/pictures", data=form, content_type="multipart/form-data"
    )


def _pictures(client, child_id):
    response = client.get(f"/api/v1/children/{child_id}/media")
    assert response.status_code == 200
    return response.get_json()["items"]


def test_a_photo_posted_with_the_plain_form_is_cleaned_and_shown_on_its_section(app, factory):
    child, client = _child_pages(app, factory)
    assert "gps" in metadata_report(c.gps_jpeg())

    response = _post_picture(client, c.gps_jpeg())

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/me/sections/likes?picture=added#pictures")
    [picture] = _pictures(client, child.id)
    assert picture["section"] == "likes" and picture["caption"] == CAPTION
    stored = client.get(f"/api/v1/media/{picture['id']}")
    assert stored.status_code == 200 and metadata_report(stored.data) == {}

    page = _html(client.get("/me/sections/likes?picture=added"))
    assert "Picture added" in page
    assert f'src="/api/v1/media/{picture["id"]}?size=thumb"' in page
    assert f'width="{picture["thumb_width"]}" height="{picture["thumb_height"]}"' in page
    assert CAPTION in page
    assert f'href="/me/sections/likes/pictures/{picture["id"]}/delete"' in page
    assert picture["id"] not in _html(client.get("/me/sections/school"))


def test_the_camera_and_the_gallery_field_both_work(app, factory):
    child, client = _child_pages(app, factory)
    token = _token(client)
    form = {
        "csrf_token": token,
        "file": [
            (io.BytesIO(b""), "", "application/octet-stream"),  # "Take a photo" left empty
            (io.BytesIO(c.noisy_jpeg()), "chosen.jpg", "image/jpeg"),
        ],
    }
    response = client.client.post(
        "/me/sections/likes/pictures", data=form, content_type="multipart/form-data"
    )
    assert response.status_code == 303
    assert [p["caption"] for p in _pictures(client, child.id)] == [None]


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (c.SVG, 415, "That file is not a picture we can use. Please try a photo or a drawing."),
        (None, 422, "Please choose a picture first."),
        (b"\xff\xd8\xff" + b"\0" * (10 * 1024 * 1024), 413, TOO_BIG),
        (b"\xff\xd8\xff\xe0 broken", 422, UNREADABLE),
        (c.png_bomb(), 413, TOO_BIG),
    ],
    ids=["not-a-picture", "no-file", "too-many-bytes", "broken", "too-many-pixels"],
)
def test_a_refused_picture_says_why_and_keeps_the_caption(app, factory, data, status, message):
    child, client = _child_pages(app, factory)

    response = _post_picture(client, data)

    assert response.status_code == status
    page = _html(response)
    assert message in page
    assert f">{CAPTION}</textarea>" in page
    assert f'{FILE_FIELD} aria-invalid="true"' in page
    assert _pictures(client, child.id) == []


def test_a_caption_that_is_too_long_is_refused_with_the_words_kept(app, factory):
    child, client = _child_pages(app, factory)
    long_caption = "Biscuit " * 40

    response = _post_picture(client, c.noisy_jpeg(), caption=long_caption)

    assert response.status_code == 422
    page = _html(response)
    assert "Please keep this to 300 characters or fewer." in page
    assert f">{long_caption}</textarea>" in page
    assert re.search(r'id="picture-caption"[^>]*aria-invalid="true"', page)
    assert _pictures(client, child.id) == []


def test_a_large_photo_from_the_form_never_touches_the_disk(app, factory, monkeypatch):
    child, client = _child_pages(app, factory)
    photo = c.noisy_jpeg((1400, 1000))
    assert len(photo) > 600 * 1024  # werkzeug would spool this to a temporary file
    token = _token(client)

    def no_temporary_files(*_args, **_kwargs):
        raise AssertionError("an upload was written to a temporary file")

    monkeypatch.setattr("werkzeug.formparser.SpooledTemporaryFile", no_temporary_files)
    response = client.client.post(
        "/me/sections/likes/pictures",
        data={"csrf_token": token, "file": (io.BytesIO(photo), "big.jpg", "image/jpeg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert len(_pictures(client, child.id)) == 1


def test_a_picture_needs_the_form_token(app, factory):
    child, client = _child_pages(app, factory)
    response = client.client.post(
        "/me/sections/likes/pictures",
        data={"file": (io.BytesIO(c.noisy_jpeg()), "photo.jpg", "image/jpeg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert _pictures(client, child.id) == []


def test_deleting_a_picture_asks_first_then_takes_it_away(app, factory):
    child, client = _child_pages(app, factory)
    _post_picture(client, c.noisy_jpeg())
    [picture] = _pictures(client, child.id)
    confirm_url = f"/me/sections/likes/pictures/{picture['id']}/delete"

    confirm = client.get(confirm_url)

    assert confirm.status_code == 200
    page = _html(confirm)
    assert "Delete this picture?" in page and CAPTION in page
    assert f'src="/api/v1/media/{picture["id"]}?size=thumb"' in page
    assert 'href="/me/sections/likes#pictures">No, keep it</a>' in page
    token = CSRF_FIELD.search(page).group(1)
    deleted = client.client.post(confirm_url, data={"csrf_token": token})
    assert deleted.status_code == 303
    assert deleted.headers["Location"].endswith("/me/sections/likes?picture=deleted#pictures")
    assert _pictures(client, child.id) == []
    assert "Picture deleted" in _html(client.get("/me/sections/likes?picture=deleted"))
    assert client.get(confirm_url).status_code == 404


def test_a_child_cannot_see_or_delete_another_childs_picture(app, factory):
    child, client = _child_pages(app, factory)
    _post_picture(client, c.noisy_jpeg())
    [picture] = _pictures(client, child.id)
    _other, intruder = _child_pages(app, factory, name="Sam")
    confirm_url = f"/me/sections/likes/pictures/{picture['id']}/delete"

    assert intruder.get(confirm_url).status_code == 404
    token = _token(intruder)
    refused = intruder.client.post(confirm_url, data={"csrf_token": token})

    assert refused.status_code in (403, 404)
    assert [p["id"] for p in _pictures(client, child.id)] == [picture["id"]]


def test_the_page_gives_the_scripts_translated_words_and_the_api_addresses(app, factory):
    child, client = _child_pages(app, factory)
    response = client.get("/me/sections/likes?locale=ar")
    page = _html(response)
    assert f'data-upload-url="/api/v1/children/{child.id}/media"' in page
    assert 'data-media-url="/api/v1/media/MEDIA_ID"' in page
    assert 'data-max-bytes="10485760"' in page
    assert re.search(r'data-msg-image-too-large="[^"]+"', page)
    assert '<canvas id="drawing-canvas"' in page
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    for script in ("pictures.js", "drawing.js", "speech.js"):
        assert f'js/{script}" defer nonce="{nonce}"' in page
    assert ' style="' not in page and " onclick=" not in page


def test_a_picture_the_server_could_not_clean_now_keeps_the_caption(app, factory, monkeypatch):
    """The picture workers failed twice (503): the page asks to try again, the words kept."""
    dying = pool.ImagePool(ImageWork(), task=pool_tasks.end_own_process)
    monkeypatch.setattr(pool, "pool_for", lambda _work: dying)
    child, client = _child_pages(app, factory)
    try:
        response = _post_picture(client, c.noisy_jpeg())
    finally:
        dying.shutdown()

    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(pool.LOST_RETRY_AFTER_SECONDS)
    page = _html(response)
    assert "Not added yet. Please try again." in page
    assert f">{CAPTION}</textarea>" in page
    assert _pictures(client, child.id) == []
