"""The referral journey on the pages, without JavaScript: worker, child and provider."""

from __future__ import annotations

import io
import re

from PIL import Image

from tests.referrals.conftest import ABOUT_ME, WORRIES


def _html(response) -> str:
    return response.get_data(as_text=True)


def _create_on_page(cast) -> str:
    page = f"/children/{cast.child_id}/referrals/new"
    assert "New referral for Amira" in _html(cast.worker.get(page))
    response = cast.worker.post_form(
        page,
        f"/children/{cast.child_id}/referrals",
        {
            "lot": "2a",
            "needs": "semh",
            "location_kind": "home",
            "lat": "51.3727",
            "lon": "-0.1099",
            "summary": "Calm home near school, please.",
        },
    )
    assert response.status_code == 303, _html(response)
    return response.headers["Location"].rsplit("/", 1)[-1]


def test_a_bad_referral_form_is_shown_again_with_the_problem(cast):
    page = f"/children/{cast.child_id}/referrals/new"
    response = cast.worker.post_form(
        page,
        f"/children/{cast.child_id}/referrals",
        {"lot": "2a", "lat": "north", "lon": "", "summary": "x"},
    )
    assert response.status_code == 422
    assert "latitude" in _html(response)


def test_the_whole_journey_on_the_pages(cast):
    cast.write("about_me", ABOUT_ME)
    cast.write("worries", WORRIES)
    referral_id = _create_on_page(cast)
    page = f"/referrals/{referral_id}"
    html = _html(cast.worker.get(page))
    assert "Sunrise Fostering" in html and "over 20 miles" in html

    sunrise, oakwood = cast.providers["sunrise"], cast.providers["oakwood"]
    cast.worker.post_form(page, f"{page}/shortlist", {"provider_ids": [sunrise, oakwood]})
    assert cast.worker.post_form(page, f"{page}/ask-child", {}).status_code == 303

    home = _html(cast.child.get("/me"))
    assert "Your social worker would like to share your profile with these homes" in home
    assert "Oakwood Fostering" in home
    ask = f"/me/referrals/{referral_id}"
    answered = cast.child.post_form(
        ask,
        ask,
        {
            f"share-{sunrise}-about_me": "yes",
            f"share-{sunrise}-worries": "yes",
            f"share-{oakwood}-about_me": "no",
        },
    )
    assert answered.status_code == 303
    assert "would like to share" not in _html(cast.child.get("/me"))

    refused = cast.worker.post_form(page, f"{page}/send", {"provider_ids": [sunrise, oakwood]})
    assert refused.status_code == 422 and "has not agreed" in _html(refused)
    assert (
        cast.worker.post_form(page, f"{page}/send", {"provider_ids": [sunrise]}).status_code == 303
    )

    provider = cast.provider_staff["sunrise"]
    inbox = _html(provider.get("/packets"))
    packet_id = re.search(r'href="/packets/([0-9a-f]+)"', inbox).group(1)
    packet_page = f"/packets/{packet_id}"
    shown = _html(provider.get(packet_page))
    assert "Mira" in shown and "Being moved far from my school" in shown
    provider.post_form(
        packet_page,
        f"{packet_page}/response",
        {"decision": "interested", "note": "We would love to meet Mira."},
    )
    saved = provider.post_form(
        packet_page,
        f"{packet_page}/home",
        {"who_lives_here": "Sam, Jo and a cat called Biscuit.", "pets": "Biscuit"},
    )
    assert saved.status_code == 303
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(picture, "JPEG")
    uploaded = provider.post_form(
        packet_page,
        f"{packet_page}/home/photos",
        {"photo": (io.BytesIO(picture.getvalue()), "garden.jpg"), "caption": "Garden"},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 303

    assert "We would love to meet Mira." in _html(cast.worker.get(page))
    assert "A home has told you about itself" in _html(cast.child.get("/me"))
    homes = _html(cast.child.get("/me/new-homes"))
    assert "a cat called Biscuit" in homes
    photo_id = re.search(r"/home-photos/([0-9a-f]+)", homes).group(1)
    photo = cast.child.get(f"/home-photos/{photo_id}")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert cast.provider_staff["oakwood"].get(f"/home-photos/{photo_id}").status_code == 404

    looked = _html(cast.child.get("/me/looked"))
    assert "Sunrise Fostering" in looked


def test_pages_of_other_people_are_not_found(cast):
    referral_id = _create_on_page(cast)
    stranger = cast.client(cast.factory.user("social_worker"))
    assert stranger.get(f"/referrals/{referral_id}").status_code == 404
    assert cast.child.get(f"/me/referrals/{referral_id}").status_code == 404  # not asked yet
    assert cast.provider_staff["sunrise"].get("/packets/nothing-here").status_code == 404
