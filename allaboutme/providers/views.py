"""Pages: the framework administrator's directory and providers' own vacancy reports."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from allaboutme import db
from allaboutme.db import utcnow
from allaboutme.errors import ValidationFailed
from allaboutme.i18n import _
from allaboutme.providers import importer, services
from allaboutme.providers.models import CAPABILITIES, LOTS, OFSTED_RATINGS
from allaboutme.providers.schemas import ProviderArgs, ProviderChangeArgs
from allaboutme.web.access import login_required
from allaboutme.web.forms import form_location, load_body
from allaboutme.web.transactions import transactional

bp = Blueprint("providers", __name__)
PAGE_SIZE = 100
_LISTS = ("languages", "faiths", "cultural_competences")


def _vocabularies() -> dict[str, Any]:
    return {"lots": LOTS, "ratings": OFSTED_RATINGS, "capabilities": CAPABILITIES}


def _form_body(*, with_name: bool) -> dict[str, Any]:
    """The provider form in the API's shape; lists are typed one per line or comma."""
    form = request.form
    body: dict[str, Any] = {
        "ofsted_urn": form.get("ofsted_urn", ""),
        "ofsted_rating": form.get("ofsted_rating", ""),
        "lots": form.getlist("lots"),
        "capabilities": form.getlist("capabilities"),
        "vacancies": int(form["vacancies"]) if form.get("vacancies", "").isdigit() else -1,
        "is_on_framework": form.get("is_on_framework") == "yes",
    }
    for name in _LISTS:
        raw = form.get(name, "").replace("\n", ",")
        body[name] = [item.strip() for item in raw.split(",") if item.strip()]
    body["location"] = form_location()
    if with_name:
        body["name"] = form.get("name", "")
    return body


@bp.get("/framework/providers")
@login_required("framework_admin")
def directory() -> str:
    return _render_directory(errors={}, report=None)


def _render_directory(errors: dict[str, Any], report: Any, status: int = 200) -> Any:
    items, next_cursor = services.list_providers(
        current_user, limit=PAGE_SIZE, cursor=request.args.get("cursor") or None
    )
    return render_template(
        "providers/directory.html",
        providers=items,
        next_cursor=next_cursor,
        errors=errors,
        form=request.form,
        report=report,
        **_vocabularies(),
    ), status


@bp.post("/framework/providers")
@login_required("framework_admin")
def add_provider() -> Any:
    try:
        transactional(
            lambda: services.create_provider(
                current_user, now=utcnow(), **load_body(ProviderArgs(), _form_body(with_name=True))
            )
        )()
    except ValidationFailed as error:
        return _render_directory(errors=error.errors, report=None, status=422)
    return redirect(url_for("providers.directory", added=1), code=303)


@bp.post("/framework/providers/import")
@login_required("framework_admin")
def import_csv() -> Any:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _render_directory(
            errors={"file": [_("Choose a CSV file.")]}, report=None, status=422
        )
    try:
        report = transactional(lambda: importer.import_providers(upload.read(), now=utcnow()))()
    except importer.UnreadableFile as error:
        return _render_directory(errors={"file": [error.message]}, report=None, status=422)
    return _render_directory(errors={}, report=report, status=200 if not report.rejected else 422)


@bp.get("/framework/providers/<string:provider_id>")
@login_required("framework_admin")
def edit_provider(provider_id: str) -> str:
    profile = services.get_provider(current_user, provider_id)
    return render_template("providers/edit.html", provider=profile, errors={}, **_vocabularies())


@bp.post("/framework/providers/<string:provider_id>")
@login_required("framework_admin")
def save_provider(provider_id: str) -> Any:
    try:
        transactional(
            lambda: services.update_provider(
                current_user,
                provider_id,
                load_body(ProviderChangeArgs(), _form_body(with_name=False)),
                now=utcnow(),
            )
        )()
    except ValidationFailed as error:
        db.session().rollback()
        profile = services.get_provider(current_user, provider_id)
        page = render_template(
            "providers/edit.html", provider=profile, errors=error.errors, **_vocabularies()
        )
        return page, 422
    return redirect(url_for("providers.directory", saved=1), code=303)


@bp.get("/provider/vacancies")
@login_required("provider")
def vacancies() -> str:
    profile = services.get_provider(current_user, current_user.org_id)
    return render_template("providers/vacancies.html", provider=profile, errors={})


@bp.post("/provider/vacancies")
@login_required("provider")
def report_vacancies() -> Any:
    raw = request.form.get("vacancies", "")
    try:
        body = load_body(ProviderChangeArgs(), {"vacancies": int(raw) if raw.isdigit() else -1})
        transactional(
            lambda: services.update_provider(current_user, current_user.org_id, body, now=utcnow())
        )()
    except ValidationFailed as error:
        profile = services.get_provider(current_user, current_user.org_id)
        page = render_template("providers/vacancies.html", provider=profile, errors=error.errors)
        return page, 422
    return redirect(url_for("providers.vacancies", saved=1), code=303)
