"""Easy mode: any child can ask for young wording, pictures by every question, fewer words."""

from __future__ import annotations

import re

import pytest

from allaboutme.profiles import catalogue
from tests.factories import CSRF_FIELD, ApiClient


def _child(app, factory):
    worker = factory.user("social_worker")
    _child, login = factory.child(worker, with_login=True, name="Amira")  # 13: "older" wording
    client = ApiClient(app.test_client(), app)
    assert client.login(login).status_code == 201
    return client, login


def _html(response) -> str:
    return response.get_data(as_text=True)


def _switch(client, *, on: bool, back: str = "/me/sections/about_me"):
    token = CSRF_FIELD.search(_html(client.get("/me"))).group(1)
    return client.client.post(
        "/me/easy-mode", data={"csrf_token": token, "easy": "1" if on else "0", "next": back}
    )


def test_the_switch_is_on_every_child_page_and_says_whether_it_is_on(app, factory):
    client, _login = _child(app, factory)
    for path in ("/me", "/me/sections/likes"):
        page = _html(client.get(path))
        assert 'action="/me/easy-mode"' in page
        assert 'aria-pressed="false"' in page and 'name="easy" value="1"' in page
        assert f'name="next" value="{path}"' in page
        assert "Easy mode" in page and "Read this to me" in page
    _switch(client, on=True)
    page = _html(client.get("/me"))
    assert 'aria-pressed="true"' in page and 'name="easy" value="0"' in page


def test_easy_mode_is_remembered_in_a_cookie_that_says_nothing_about_the_child(app, factory):
    client, login = _child(app, factory)

    response = _switch(client, on=True)

    assert response.status_code == 303
    assert response.headers["Location"] == "/me/sections/about_me"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("aam_easy=1;")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Max-Age=31536000" in cookie
    # Logging out and in again (a new session) keeps it: it is this phone's preference.
    assert client.delete("/api/v1/session").status_code == 204
    assert client.get("/me").status_code in (302, 401)
    assert client.login(login).status_code == 201
    assert 'class="child is-easy"' in _html(client.get("/me"))


def test_easy_mode_uses_young_wording_and_fewer_words_whatever_the_age(app, factory):
    client, _login = _child(app, factory)
    usual_home = _html(client.get("/me"))
    assert ">About me<" in usual_home and "This is me" not in usual_home
    assert "questions answered</span>" in usual_home

    _switch(client, on=True)

    home = _html(client.get("/me"))
    assert 'class="child is-easy"' in home
    assert "This is me" in home and ">About me<" not in home
    assert "This is your space to say who you are" not in home
    assert "See how your profile has changed" not in home
    assert "questions answered</span>" not in home
    assert 'aria-label="This is me: 0 of 6 questions answered"' in home  # still said to readers

    section = _html(client.get("/me/sections/about_me"))
    assert "Words that are like me" in section
    assert "Like funny or kind." in section  # young hints stay
    assert "Things people notice about me that are true." not in section  # others go
    about_me = catalogue.get_section("about_me")
    emoji = re.findall(r'<span class="question-emoji" aria-hidden="true">([^<]+)</span>', section)
    assert emoji == [catalogue.QUESTION_EMOJI[q.key] for q in about_me.questions]


def test_switching_off_forgets_the_cookie(app, factory):
    client, _login = _child(app, factory)
    _switch(client, on=True)

    response = _switch(client, on=False, back="/me")

    assert response.headers["Location"] == "/me"
    assert response.headers["Set-Cookie"].startswith("aam_easy=;")
    home = _html(client.get("/me"))
    assert 'class="child"' in home and ">About me<" in home


@pytest.mark.parametrize(
    "back", ["https://evil.example/me", "//evil.example/me", "/login", "/me/../login", "/me?x=1"]
)
def test_easy_mode_only_ever_goes_back_to_the_childs_own_pages(app, factory, back):
    client, _login = _child(app, factory)
    response = _switch(client, on=True, back=back)
    assert response.status_code == 303
    assert response.headers["Location"] == "/me"


def test_easy_mode_needs_the_form_token_and_a_child(app, factory):
    client, _login = _child(app, factory)
    refused = client.client.post("/me/easy-mode", data={"easy": "1", "next": "/me"})
    assert refused.status_code == 403
    assert "aam_easy" not in refused.headers.get("Set-Cookie", "")


def test_every_question_has_its_own_picture():
    keys = {question.key for section in catalogue.SECTIONS for question in section.questions}
    assert keys == set(catalogue.QUESTION_EMOJI)
    assert len(set(catalogue.QUESTION_EMOJI.values())) == len(catalogue.QUESTION_EMOJI)
