"""The child's profile pages without JavaScript: home, a section, saving, history."""

from __future__ import annotations

import re
from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from allaboutme import db
from allaboutme.children.models import Child
from allaboutme.errors import ValidationFailed
from allaboutme.profiles import catalogue, forms
from tests.factories import CSRF_FIELD, ApiClient

VERSION_FIELD = re.compile(r'name="version" value="([^"]*)"')


def _child_pages(app, factory, name="Amira"):
    worker = factory.user("social_worker")
    child, login = factory.child(worker, with_login=True, name=name)
    client = ApiClient(app.test_client(), app)
    assert client.login(login).status_code == 201
    return child, client, worker


def _html(response) -> str:
    return response.get_data(as_text=True)


def _api_put(client, child_id, key, answers, version, **extra):
    response = client.put(
        f"/api/v1/children/{child_id}/profile/sections/{key}",
        json={"answers": answers, "language": "en", **extra},
        headers={"If-Match": f'"{version}"'},
    )
    assert response.status_code == 200, response.get_json()
    return response


def _profile(client, child_id):
    return client.get(f"/api/v1/children/{child_id}/profile").get_json()


def _post_section(client, key, fields, *, version):
    page = client.get(f"/me/sections/{key}")
    token = CSRF_FIELD.search(_html(page)).group(1)
    data = MultiDict({"csrf_token": token, "version": str(version), "language": "en"})
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            data.add(name, item)
    return client.client.post(f"/me/sections/{key}", data=data)


def test_home_greets_the_child_and_lists_nine_sections_with_progress(app, factory):
    child, client, _worker = _child_pages(app, factory)
    _api_put(client, child.id, "about_me", {"name": "Ami", "proud_of": "Swimming 50m"}, 0)

    response = client.get("/me")

    assert response.status_code == 200
    html = _html(response)
    assert "Hi Amira!" in html
    links = re.findall(r'class="section-card[^"]*" href="/me/sections/([a-z_]+)"', html)
    assert links == list(catalogue.SECTION_KEYS)
    about_total = len(catalogue.get_section("about_me").questions)
    assert f"2 of {about_total} questions answered" in html
    assert f'<progress class="progress" max="{about_total}" value="2"' in html
    assert f'aria-label="About me: 2 of {about_total} questions answered"' in html
    likes_total = len(catalogue.get_section("likes").questions)
    assert f"0 of {likes_total} questions answered" in html
    assert 'href="/me/history"' in html
    assert "Me then and me now" in html


def test_a_young_child_reads_the_young_wording(app, factory):
    child, client, _worker = _child_pages(app, factory)
    with app.app_context():
        db.session().get(Child, child.id).date_of_birth = date.today().replace(
            year=date.today().year - 8, day=1
        )
        db.session().commit()

    html = _html(client.get("/me"))
    assert "This is me" in html and ">About me<" not in html
    section = _html(client.get("/me/sections/about_me"))
    assert "Words that are like me" in section


def test_section_page_renders_every_question_type_with_labels(app, factory):
    _child, client, _worker = _child_pages(app, factory)
    for section in catalogue.SECTIONS:
        response = client.get(f"/me/sections/{section.key}")
        assert response.status_code == 200
        html = _html(response)
        for question in section.questions:
            _assert_question_rendered(html, question)
        choice_groups = [q for q in section.questions if q.type not in ("text", "list")]
        assert html.count("<legend") == len(choice_groups)
        assert 'name="version" value="0"' in html
        assert 'type="checkbox" name="helped" value="1"' in html
        assert re.search(r'<option value="en" lang="en" selected>', html)
        assert '<meta name="csrf-token"' in html
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
        assert f'js/editor.js" defer nonce="{nonce.group(1)}"' in html
        assert ' style="' not in html and " onclick=" not in html


def _assert_question_rendered(html: str, question: catalogue.Question) -> None:
    name = f"q.{question.key}"
    if question.type in ("text", "list"):
        assert f'<label for="q-{question.key}"' in html
        assert f'<textarea id="q-{question.key}" name="{name}"' in html
        if question.type == "list":
            assert "Write one on each line." in html
        return
    assert f'<fieldset id="q-{question.key}"' in html
    kind = "checkbox" if question.type == "multi_choice" else "radio"
    for choice in question.choices:
        assert f'<input type="{kind}" name="{name}" value="{choice.key}"' in html
        if choice.emoji:
            assert choice.emoji in html
    if question.type == "scale":
        points = range(question.scale_min, question.scale_max + 1)
        assert [c.key for c in question.choices] == [str(p) for p in points]


def test_posting_the_form_saves_a_new_version_the_api_shows(app, factory):
    child, client, _worker = _child_pages(app, factory)
    fields = {
        "q.name": "  Ami  ",
        "q.feeling_today": "4",
        "q.words_about_me": "kind\r\n\r\nfunny\r\n",
        "helped": "1",
    }
    response = _post_section(client, "about_me", fields, version=0)

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/me/sections/about_me?saved=1")
    profile = _profile(client, child.id)
    assert profile["version"] == 1
    saved = profile["sections"]["about_me"]
    assert saved["answers"] == {
        "name": "Ami",
        "feeling_today": 4,
        "words_about_me": ["kind", "funny"],
    }
    assert saved["helped"] is True
    page = _html(client.get(response.headers["Location"]))
    assert 'role="status">Saved' in page
    assert 'name="version" value="1"' in page
    assert '<input type="radio" name="q.feeling_today" value="4" checked>' in page


def test_posting_choices_and_clearing_an_answer(app, factory):
    child, client, _worker = _child_pages(app, factory)
    _api_put(client, child.id, "likes", {"favourite_things": "Pizza"}, 0)
    fields = {"q.activities": ["music", "art"], "q.favourite_things": "", "q.clubs": "Chess"}
    assert _post_section(client, "likes", fields, version=1).status_code == 303
    answers = _profile(client, child.id)["sections"]["likes"]["answers"]
    assert answers == {"activities": ["music", "art"], "clubs": ["Chess"]}


def test_a_stale_version_shows_both_and_saves_nothing(app, factory):
    child, client, _worker = _child_pages(app, factory)
    _api_put(client, child.id, "about_me", {"name": "Saved on my tablet"}, 0)

    response = _post_section(client, "about_me", {"q.name": "Typed on my phone"}, version=0)

    assert response.status_code == 409
    html = _html(response)
    assert "This changed on another device" in html
    assert "Saved on my tablet" in html
    assert html.count("Typed on my phone") == 2  # in "what you wrote" and still in the form
    assert VERSION_FIELD.search(html).group(1) == "1"
    assert "Keep what I wrote" in html and "Keep the saved one" in html
    assert _profile(client, child.id)["sections"]["about_me"]["answers"] == {
        "name": "Saved on my tablet"
    }

    kept = _post_section(client, "about_me", {"q.name": "Typed on my phone"}, version=1)
    assert kept.status_code == 303
    assert _profile(client, child.id)["sections"]["about_me"]["answers"] == {
        "name": "Typed on my phone"
    }


def test_a_bad_answer_shows_the_error_and_keeps_what_was_typed(app, factory):
    child, client, _worker = _child_pages(app, factory)
    too_long = "x" * 101
    fields = {"q.name": too_long, "q.words_about_me": "brave\nkind", "q.feeling_today": "2"}

    response = _post_section(client, "about_me", fields, version=0)

    assert response.status_code == 422
    html = _html(response)
    assert "Please keep this to 100 characters or fewer." in html
    assert 'href="#q-name"' in html
    assert f">{too_long}</textarea>" in html
    assert ">brave\nkind</textarea>" in html
    assert '<input type="radio" name="q.feeling_today" value="2" checked>' in html
    assert 'aria-invalid="true"' in html
    assert _profile(client, child.id)["version"] == 0


def test_a_bad_version_or_unknown_section_saves_nothing(app, factory):
    child, client, _worker = _child_pages(app, factory)
    response = _post_section(client, "about_me", {"q.name": "Ami"}, version="x")
    assert response.status_code == 422
    assert "Please reload the page and try again." in _html(response)
    assert client.get("/me/sections/no_such_section").status_code == 404
    assert _profile(client, child.id)["version"] == 0


def test_child_text_is_escaped_everywhere(app, factory):
    child, client, _worker = _child_pages(app, factory)
    evil = '<script>alert("hi")</script><b>bold</b>'
    _api_put(client, child.id, "about_me", {"name": evil, "words_about_me": [evil]}, 0)
    _api_put(client, child.id, "likes", {"favourite_things": evil}, 1)
    for path in ("/me/sections/about_me", "/me/history/1", "/me/history/2"):
        html = _html(client.get(path))
        assert "&lt;script&gt;alert(" in html
        assert "<script>alert(" not in html and "<b>bold</b>" not in html


def test_history_lists_versions_and_compares_then_with_now(app, factory):
    child, client, _worker = _child_pages(app, factory)
    _api_put(client, child.id, "about_me", {"name": "Little Ami"}, 0)
    _api_put(client, child.id, "likes", {"favourite_things": "Lego"}, 1, helped=True)
    _api_put(client, child.id, "about_me", {"name": "Amira"}, 2)

    html = _html(client.get("/me/history"))

    assert re.findall(r'href="/me/history/(\d+)"', html) == ["3", "2", "1"]
    assert html.count("Saved: About me") == 2 and html.count("Saved: Things I like") == 1
    assert html.count("Someone helped") == 1
    assert "<time datetime=" in html

    then = _html(client.get("/me/history/1"))
    assert "Then" in then and "Now" in then
    assert then.index("Little Ami") < then.index("Amira<")
    assert "Changed" in then
    assert "Lego" in then  # a section added since shows under "Now"
    assert client.get("/me/history/9").status_code == 404


def test_history_is_empty_before_the_first_save(app, factory):
    _child, client, _worker = _child_pages(app, factory)
    html = _html(client.get("/me/history"))
    assert "Nothing saved yet" in html
    assert client.get("/me/history/1").status_code == 404


def test_only_a_logged_in_child_sees_profile_pages(app, factory):
    worker = factory.user("social_worker")
    staff = ApiClient(app.test_client(), app)
    assert staff.login(worker).status_code == 201
    for path in ("/me", "/me/sections/about_me", "/me/history", "/me/history/1"):
        assert staff.get(path).status_code == 403, path
    anonymous = app.test_client().get("/me")
    assert anonymous.status_code in (302, 303)
    assert "/login" in anonymous.headers["Location"]


def test_form_parsing_follows_question_types(app):
    section = catalogue.get_section("about_me")
    form = MultiDict(
        {"q.name": " Ami ", "q.feeling_today": "5", "q.words_about_me": "a\n\n b ", "version": "3"}
    )
    with app.test_request_context():
        parsed = forms.parse_section_form(section, form, default_language="cy")
        assert parsed.answers == {
            "name": " Ami ",
            "feeling_today": 5,
            "words_about_me": ["a", " b "],
        }
        assert (parsed.language, parsed.has_help, parsed.expected_version) == ("cy", False, 3)
        assert forms.answered_count(section, parsed.answers) == 3
        for bad in ({"version": ""}, {"version": "1", "language": "not a language"}):
            with pytest.raises(ValidationFailed):
                forms.parse_section_form(section, MultiDict(bad), default_language="en")
