"""The framework administrator's directory pages and providers' vacancy reports."""

from __future__ import annotations

import io
import re

from allaboutme import db
from allaboutme.providers.models import ProviderProfile
from tests.factories import ApiClient

FORM = {
    "name": "Meadow House",
    "ofsted_urn": "SC765432",
    "ofsted_rating": "good",
    "lots": ["1a"],
    "capabilities": ["semh"],
    "lat": "51.4",
    "lon": "-0.1",
    "languages": "en, ar",
    "faiths": "",
    "cultural_competences": "",
    "vacancies": "1",
    "is_on_framework": "yes",
}


def _as(app, factory, role, organisation=None):
    client = ApiClient(app.test_client(), app)
    assert client.login(factory.user(role, organisation)).status_code == 201
    return client


def test_the_framework_admin_adds_edits_and_imports_providers(app, factory):
    admin = _as(app, factory, "framework_admin")
    page = "/framework/providers"
    assert admin.post_form(page, page, FORM).status_code == 303
    html = admin.get(page).get_data(as_text=True)
    assert "Meadow House" in html
    provider_id = re.search(r'href="/framework/providers/([0-9a-f]+)"', html).group(1)

    edit = f"{page}/{provider_id}"
    changed = {**FORM, "ofsted_rating": "outstanding", "vacancies": "3"}
    changed.pop("name")
    assert admin.post_form(edit, edit, changed).status_code == 303
    assert "Outstanding" in admin.get(page).get_data(as_text=True)
    bad = admin.post_form(edit, edit, {**changed, "lots": [], "lat": "x"})
    assert bad.status_code == 422

    csv = (
        "name,ofsted_urn,ofsted_rating,lots,lat,lon,capabilities,languages,faiths,"
        "cultural_competences,vacancies\n"
        "River Fostering,SC111222,good,2a,51.5,-0.2,,en,,,2\n"
        "Broken,SC1,excellent,9z,north,0,,,,,x\n"
    )
    report = admin.post_form(
        page,
        f"{page}/import",
        {"file": (io.BytesIO(csv.encode()), "providers.csv")},
        content_type="multipart/form-data",
    )
    text = report.get_data(as_text=True)
    assert report.status_code == 422
    assert "1 created, 0 updated, 1 rejected" in text and "line 3" in text
    assert "River Fostering" in admin.get(page).get_data(as_text=True)


def test_provider_staff_report_their_own_vacancies_only(app, factory):
    admin = _as(app, factory, "framework_admin")
    admin.post_form("/framework/providers", "/framework/providers", FORM)
    with app.app_context():
        organisation = db.session().query(ProviderProfile).one().organisation
        db.session().expunge(organisation)
    staff = _as(app, factory, "provider", organisation)
    page = "/provider/vacancies"
    assert staff.post_form(page, page, {"vacancies": "4"}).status_code == 303
    assert 'value="4"' in staff.get(page).get_data(as_text=True)
    assert staff.post_form(page, page, {"vacancies": "-2"}).status_code == 422
    assert staff.get("/framework/providers").status_code in (403, 404)
