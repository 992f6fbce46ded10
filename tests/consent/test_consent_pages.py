"""The child's consent pages without JavaScript: choose, see receipts, preview, withdraw, look."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from sqlalchemy import func, select

from allaboutme import db
from allaboutme.accounts.models import User
from allaboutme.audit.models import AuditEvent
from allaboutme.children.sections import SECTION_KEYS
from allaboutme.consent.models import ConsentGrant
from allaboutme.profiles import catalogue
from tests.consent.test_consent_api import World
from tests.factories import CSRF_FIELD
from tests.profiles.answers_for_tests import sample_answers


class Inputs(HTMLParser):
    """Every <input> of a page, with the id of the form it is in."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.form: str | None = None
        self.inputs: list[dict[str, str | None]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self.form = values.get("id")
        elif tag == "input":
            self.inputs.append({**values, "form": self.form})

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None

    def radios(self, form: str, name: str) -> list[dict[str, str | None]]:
        return [
            i
            for i in self.inputs
            if i["form"] == form and i.get("type") == "radio" and i.get("name") == name
        ]


def _html(response) -> str:
    return response.get_data(as_text=True)


def _post(api, path, data):
    token = CSRF_FIELD.search(_html(api.get("/me/sharing"))).group(1)
    return api.client.post(path, data={"csrf_token": token, **data})


def _share_with_sunrise(world, sections, purpose="placement", **extra):
    data = {"audience": "provider", "org_id": world.sunrise_org.id, "purpose": purpose, **extra}
    data.update({f"share_{key}": "yes" for key in sections})
    data.update({f"share_{key}": "no" for key in SECTION_KEYS if key not in sections})
    return _post(world.me, "/me/sharing", data)


def _grants(app):
    with app.app_context():
        return list(db.session().scalars(select(ConsentGrant).order_by(ConsentGrant.granted_at)))


def _texts(section_key: str) -> list[str]:
    """The text answers ``sample_answers`` wrote for a section, as they appear on a page."""
    section = catalogue.get_section(section_key)
    return [f"I like drawing {q.key}" for q in section.questions if q.type in ("text", "list")]


def test_nothing_is_chosen_until_the_child_chooses(app, factory):
    world = World(app, factory)
    page = world.me.get("/me/sharing")
    assert page.status_code == 200
    html = _html(page)
    assert "Who can see my profile" in html and "Right now they can't see anything." in html
    inputs = Inputs(html)
    for form in ("sw-form", "new-form"):
        for key in SECTION_KEYS:
            radios = inputs.radios(form, f"share_{key}")
            assert [r["value"] for r in radios] == ["yes", "no"], (form, key)
            assert not any("checked" in r for r in radios), (form, key)
        assert not any("checked" in r for r in inputs.radios(form, "purpose"))
        helped = [i for i in inputs.inputs if i["form"] == form and i.get("name") == "helped"]
        assert len(helped) == 1 and "checked" not in helped[0]
    assert "Sunrise Fostering" in html  # offered in the list of homes and agencies


def test_yes_to_two_sections_makes_one_grant_and_shows_the_receipt(app, factory):
    world = World(app, factory)
    response = _share_with_sunrise(world, ["likes", "aspirations"], helped="1")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("#receipts")
    [grant] = _grants(app)
    assert grant.audience_kind == "provider" and grant.audience_org_id == world.sunrise_org.id
    assert grant.sections == ["likes", "aspirations"]
    assert grant.purpose == "placement" and grant.has_help and grant.revoked_at is None
    html = _html(world.me.get(response.headers["Location"]))
    assert 'role="status"' in html
    assert "You said Sunrise Fostering can see: Things I like, Hopes and dreams." in html
    inputs = Inputs(html)
    form = f"p-{world.sunrise_org.id}-form"
    checked = {
        key: [r["value"] for r in inputs.radios(form, f"share_{key}") if "checked" in r]
        for key in SECTION_KEYS
    }
    assert checked["likes"] == ["yes"] and checked["aspirations"] == ["yes"]
    assert checked["worries"] == ["no"]
    assert [r["value"] for r in inputs.radios(form, "purpose") if "checked" in r] == ["placement"]
    assert world.profile_as(world.client(world.sunrise)).get_json()["sections"].keys() == {
        "likes",
        "aspirations",
    }


def test_changing_choices_replaces_the_grant_and_all_no_shares_nothing(app, factory):
    world = World(app, factory)
    _share_with_sunrise(world, ["likes"])
    again = _share_with_sunrise(world, ["likes"])  # the same choices change nothing
    assert again.status_code == 303 and len(_grants(app)) == 1
    _share_with_sunrise(world, ["worries"], purpose="support", until="2099-03-03")
    first, second = _grants(app)
    assert first.revoked_at is not None and second.revoked_at is None
    assert second.sections == ["worries"] and second.expires_at.year == 2099
    everything_no = _share_with_sunrise(world, [])
    assert everything_no.status_code == 303
    assert all(grant.revoked_at is not None for grant in _grants(app))
    html = _html(world.me.get(everything_no.headers["Location"]))
    assert "You stopped Sunrise Fostering seeing: Worries and feeling safe." in html


def test_a_missing_purpose_or_past_date_is_explained_and_nothing_is_saved(app, factory):
    world = World(app, factory)
    missing = _share_with_sunrise(world, ["likes"], purpose="")
    assert missing.status_code == 422
    assert "Choose why they can see it." in _html(missing)
    past = _share_with_sunrise(world, ["likes"], until="2001-01-01")
    assert past.status_code == 422 and "Choose a date in the future." in _html(past)
    inputs = Inputs(_html(past))
    assert [r["value"] for r in inputs.radios("new-form", "share_likes") if "checked" in r] == [
        "yes"
    ]  # what the child chose is kept
    no_org = _post(
        world.me,
        "/me/sharing",
        {"audience": "provider", "share_likes": "yes", "purpose": "support"},
    )
    assert no_org.status_code == 422 and "Choose a home or agency" in _html(no_org)
    assert _grants(app) == []


def test_stop_sharing_withdraws_in_one_tap(app, factory):
    world = World(app, factory)
    _share_with_sunrise(world, ["likes"])
    [grant] = _grants(app)
    sunrise = world.client(world.sunrise)
    assert world.profile_as(sunrise).status_code == 200
    html = _html(world.me.get("/me/sharing"))
    assert f"/me/sharing/grants/{grant.id}/stop" in html
    stopped = _post(world.me, f"/me/sharing/grants/{grant.id}/stop", {})
    assert stopped.status_code == 303
    assert world.profile_as(sunrise).status_code == 404
    html = _html(world.me.get(stopped.headers["Location"]))
    assert "You stopped Sunrise Fostering seeing: Things I like." in html
    assert f"/me/sharing/grants/{grant.id}/stop" not in html
    assert _post(world.me, "/me/sharing/grants/nope/stop", {}).status_code == 404


def test_the_preview_shows_exactly_the_shared_answers(app, factory):
    world = World(app, factory)
    _share_with_sunrise(world, ["likes", "school"])  # nothing written in "school" yet
    with app.app_context():
        events_before = db.session().scalar(select(func.count()).select_from(AuditEvent))
    page = world.me.get(f"/me/sharing/preview?audience=provider&org_id={world.sunrise_org.id}")
    assert page.status_code == 200
    html = _html(page)
    assert "See it as Sunrise Fostering will" in html
    assert re.findall(r'data-section="([a-z_]+)"', html) == ["likes", "school"]
    assert all(text in html for text in _texts("likes"))
    assert not any(text in html for text in _texts("worries") + _texts("aspirations"))
    assert "you haven't written anything in it yet" in html
    with app.app_context():
        events_after = db.session().scalar(select(func.count()).select_from(AuditEvent))
    assert events_after == events_before  # the child reading their own words is not audited

    worker_view = _html(world.me.get("/me/sharing/preview?audience=social_worker"))
    assert "can't see anything of your profile right now" in worker_view
    assert re.findall(r'data-section="([a-z_]+)"', worker_view) == []
    other = world.me.get(f"/me/sharing/preview?audience=provider&org_id={world.child.authority_id}")
    assert other.status_code == 404
    assert world.me.get("/me/sharing/preview?audience=stranger").status_code == 404


def test_child_text_and_organisation_names_are_escaped(app, factory):
    world = World(app, factory)
    answers = sample_answers("likes", text="<script>alert(1)</script>")
    world.me.put(
        f"/api/v1/children/{world.child.id}/profile/sections/likes",
        json={"answers": answers, "language": "en"},
        headers={"If-Match": '"3"'},
    )
    evil = factory.organisation("provider", "<b>Evil</b> Homes")
    data = {"audience": "provider", "org_id": evil.id, "purpose": "support", "share_likes": "yes"}
    _post(world.me, "/me/sharing", data)
    for path in ("/me/sharing", f"/me/sharing/preview?audience=provider&org_id={evil.id}"):
        html = _html(world.me.get(path))
        assert "<script>alert" not in html and "<b>Evil" not in html
        assert "&lt;b&gt;Evil&lt;/b&gt; Homes" in html


def test_the_looked_page_lists_reads_in_plain_words(app, factory):
    world = World(app, factory)
    empty = _html(world.me.get("/me/looked"))
    assert "Nobody has looked at your profile yet." in empty
    _share_with_sunrise(world, ["likes"])
    world.profile_as(world.client(world.sunrise))
    admin = world.client(world.admin)
    admin.post(
        f"/api/v1/children/{world.child.id}/safeguarding-reads",
        json={"reason": "Concern raised by school on 3 March; checking wellbeing."},
    )
    page = world.me.get("/me/looked")
    assert page.status_code == 200
    html = _html(page)
    with app.app_context():
        sunrise_name = db.session().get(User, world.sunrise.user_id).display_name
    assert f"{sunrise_name} from Sunrise Fostering looked at: Things I like" in html
    assert "A safeguarding check by" in html and "keep children safe" in html
    assert html.index("A safeguarding check by") < html.index("looked at: Things I like")


def test_professionals_cannot_open_the_childs_pages(app, factory):
    world = World(app, factory)
    worker = world.client(world.worker)
    for path in ("/me/sharing", "/me/looked", "/me/sharing/preview?audience=social_worker"):
        assert worker.get(path).status_code == 403, path
    assert worker.post("/me/sharing", data={"audience": "social_worker"}).status_code == 403
    anonymous = app.test_client()
    assert anonymous.get("/me/sharing").status_code in (302, 401)


def test_the_allocated_worker_sees_grants_and_reads_but_a_colleague_does_not(app, factory):
    world = World(app, factory)
    _share_with_sunrise(world, ["likes"])
    world.profile_as(world.client(world.sunrise))
    path = f"/children/{world.child.id}/sharing"
    page = world.client(world.worker).get(path)
    assert page.status_code == 200
    html = _html(page)
    assert "What Amira shares" in html
    assert "Sunrise Fostering" in html and "Things I like" in html and "Active" in html
    assert "from Sunrise Fostering looked at: Things I like" in html
    assert "Stop sharing" not in html and '<form method="post"' not in html.split("<main")[1]
    assert world.client(world.colleague).get(path).status_code == 404
    assert world.client(factory.user("social_worker")).get(path).status_code == 404
    assert world.client(world.admin).get(path).status_code == 403
    assert world.me.get(path).status_code == 403
