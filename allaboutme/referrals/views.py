"""Pages: the worker's referrals, the provider's packets, the child's say and new homes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_login import current_user

from allaboutme.children import services as children
from allaboutme.children.sections import SECTION_KEYS, SECTION_NAMES
from allaboutme.db import utcnow
from allaboutme.errors import ValidationFailed
from allaboutme.i18n import _
from allaboutme.media import services as media
from allaboutme.profiles import catalogue
from allaboutme.providers.models import CAPABILITIES, LOTS
from allaboutme.referrals import api, documents, homes, packets, requests, sending, services
from allaboutme.referrals.schemas import ReferralArgs, ResponseArgs
from allaboutme.web.access import login_required
from allaboutme.web.forms import form_location, load_body, load_form
from allaboutme.web.transactions import transactional

bp = Blueprint("referrals", __name__)


@bp.app_context_processor
def _share_requests() -> dict[str, Any]:
    """The child's home screen asks: "would you like to share with these homes?"."""

    def share_requests() -> list[requests.ShareRequest]:
        if not (current_user.is_authenticated and current_user.role == "child"):
            return []
        return requests.open_requests(current_user)

    def new_homes_count() -> int:
        if not (current_user.is_authenticated and current_user.role == "child"):
            return 0
        found = homes.homes_for_child(current_user, now=utcnow())
        return sum(1 for home in found if home.profile)

    return {"share_requests": share_requests, "new_homes_count": new_homes_count}


def _labels() -> dict[str, Any]:
    return {
        "section_names": SECTION_NAMES,
        "need_label": documents.need_label,
        "lots": LOTS,
        "capabilities": CAPABILITIES,
    }


# --- The social worker ---------------------------------------------------------


@bp.get("/referrals")
@login_required("social_worker", "la_admin")
def referral_list() -> str:
    return render_template("referrals/list.html", referrals=services.list_referrals(current_user))


@bp.get("/children/<string:child_id>/referrals/new")
@login_required("social_worker")
def new_referral(child_id: str) -> str:
    child = children.get_allocated_child(current_user, child_id)
    return render_template(
        "referrals/new.html",
        child_id=child.id,
        child_name=children.preferred_name(child),
        errors={},
        form={},
        chosen_needs=[],
        **_labels(),
    )


@bp.post("/children/<string:child_id>/referrals")
@login_required("social_worker")
def create_referral(child_id: str) -> Any:
    try:
        view = _create_from_form(child_id)
    except ValidationFailed as error:
        child = children.get_allocated_child(current_user, child_id)
        page = render_template(
            "referrals/new.html",
            child_id=child.id,
            child_name=children.preferred_name(child),
            errors=error.errors,
            form=request.form,
            chosen_needs=request.form.getlist("needs"),
            **_labels(),
        )
        return page, 422
    return redirect(url_for("referrals.referral_page", referral_id=view.referral.id), code=303)


def _referral_form(child_id: str) -> dict[str, Any]:
    """The form's flat fields in the API's shape, so one schema checks both."""
    form = request.form
    body: dict[str, Any] = {
        "child_id": child_id,
        "lot": form.get("lot", ""),
        "needs": form.getlist("needs"),
        "location_kind": form.get("location_kind", "home"),
        "summary": form.get("summary", ""),
    }
    body["location"] = form_location()
    if form.get("start_by"):
        body["start_by"] = form["start_by"]
    return body


@transactional
def _create_from_form(child_id: str) -> services.ReferralView:
    args = load_body(ReferralArgs(), _referral_form(child_id))
    return services.create_referral(current_user, now=utcnow(), **args)


@bp.get("/referrals/<string:referral_id>")
@login_required("social_worker", "la_admin")
def referral_page(referral_id: str) -> str:
    return _render_referral(referral_id, errors={})


@transactional
def _matches(referral_id: str) -> dict[str, Any]:
    return api.matches_json(services.find_matches(current_user, referral_id, now=utcnow()))


def _render_referral(referral_id: str, errors: dict[str, Any], status: int = 200) -> Any:
    view = services.get_referral(current_user, referral_id)
    child = (
        children.get_child(current_user, view.referral.child_id) if view.referral.child_id else None
    )
    sent = packets.packets_of_referral(current_user, referral_id, now=utcnow())
    return render_template(
        "referrals/referral.html",
        view=view,
        child_name=children.preferred_name(child) if child else None,
        matches=_matches(referral_id),
        sent=sent,
        sharing=_sharing_by_provider(child, view.candidate_ids) if child else {},
        errors=errors,
        **_labels(),
    ), status


def _sharing_by_provider(child: Any, provider_ids: list[str]) -> dict[str, list[str]]:
    """Which sections the child lets each shortlisted home see now (names only)."""
    now = utcnow()
    return {
        provider_id: sending.shared_with(child, provider_id, now=now)
        for provider_id in provider_ids
    }


def _worker_action(referral_id: str, action: Any) -> Any:
    try:
        transactional(action)()
    except ValidationFailed as error:
        return _render_referral(referral_id, errors=error.errors, status=422)
    return redirect(url_for("referrals.referral_page", referral_id=referral_id), code=303)


@bp.post("/referrals/<string:referral_id>/shortlist")
@login_required("social_worker")
def shortlist(referral_id: str) -> Any:
    chosen = request.form.getlist("provider_ids")
    return _worker_action(
        referral_id,
        lambda: services.shortlist_providers(current_user, referral_id, chosen, now=utcnow()),
    )


@bp.post("/referrals/<string:referral_id>/ask-child")
@login_required("social_worker")
def ask_child(referral_id: str) -> Any:
    return _worker_action(
        referral_id, lambda: services.ask_child(current_user, referral_id, now=utcnow())
    )


@bp.post("/referrals/<string:referral_id>/send")
@login_required("social_worker")
def send(referral_id: str) -> Any:
    chosen = request.form.getlist("provider_ids")
    return _worker_action(
        referral_id,
        lambda: sending.send_referral(current_user, referral_id, chosen, now=utcnow()),
    )


@bp.post("/referrals/<string:referral_id>/close")
@login_required("social_worker")
def close(referral_id: str) -> Any:
    return _worker_action(
        referral_id, lambda: services.close_referral(current_user, referral_id, now=utcnow())
    )


# --- The provider --------------------------------------------------------------


@bp.get("/packets")
@login_required("provider")
def inbox() -> str:
    return render_template(
        "referrals/inbox.html", items=packets.list_packets(current_user, now=utcnow()), **_labels()
    )


@transactional
def _open(packet_id: str) -> packets.PacketView:
    return packets.open_packet(current_user, packet_id, now=utcnow())


@bp.get("/packets/<string:packet_id>")
@login_required("provider")
def packet_page(packet_id: str) -> str:
    return _render_packet(packet_id, errors={})


def _render_packet(packet_id: str, errors: dict[str, Any], status: int = 200) -> Any:
    view = _open(packet_id)
    sections = {key: catalogue.get_section(key) for key in view.profile.sections}
    return render_template(
        "referrals/packet.html",
        view=view,
        sections=sections,
        answer_text=documents.answer_text,
        home=homes.home_for_provider(current_user, packet_id),
        home_fields=homes.HOME_FIELDS,
        errors=errors,
        **_labels(),
    ), status


def _provider_action(packet_id: str, action: Any, **done: int) -> Any:
    """Run one change in its own transaction; show the packet again with any problem."""
    try:
        transactional(action)()
    except ValidationFailed as error:
        return _render_packet(packet_id, errors=error.errors, status=422)
    return redirect(url_for("referrals.packet_page", packet_id=packet_id, **done), code=303)


@bp.post("/packets/<string:packet_id>/response")
@login_required("provider")
def respond(packet_id: str) -> Any:
    def answer() -> None:
        args = load_form(ResponseArgs())
        packets.respond_to_packet(
            current_user, packet_id, decision=args["decision"], note=args["note"], now=utcnow()
        )

    return _provider_action(packet_id, answer, answered=1)


@bp.post("/packets/<string:packet_id>/home")
@login_required("provider")
def save_home(packet_id: str) -> Any:
    content = {key: request.form.get(key, "") for key in homes.HOME_FIELDS}
    return _provider_action(
        packet_id,
        lambda: homes.save_home_profile(
            current_user, packet_id, content=content, language="en", now=utcnow()
        ),
        home=1,
    )


@bp.post("/packets/<string:packet_id>/home/photos")
@login_required("provider")
def add_home_photo(packet_id: str) -> Any:
    upload = request.files.get("photo")
    try:  # cleaning is the slow part: done before the transaction takes the write lock
        if upload is None:
            raise ValidationFailed({"photo": [_("Choose a photo.")]})
        cleaned = media.clean_upload(upload.read())
    except ValidationFailed as error:
        return _render_packet(packet_id, errors=error.errors, status=422)
    caption = request.form.get("caption", "")
    return _provider_action(
        packet_id,
        lambda: homes.add_home_photo(
            current_user, packet_id, image=cleaned, caption=caption, now=utcnow()
        ),
        home=1,
    )


# --- The child -----------------------------------------------------------------


@bp.get("/me/referrals/<string:referral_id>")
@login_required("child")
def share_request(referral_id: str) -> str:
    return _render_request(referral_id, errors={})


def _render_request(referral_id: str, errors: dict[str, Any], status: int = 200) -> Any:
    sections = [
        {"key": key, "name": SECTION_NAMES[key], "emoji": catalogue.get_section(key).emoji}
        for key in SECTION_KEYS
    ]
    return render_template(
        "referrals/share_request.html",
        share=requests.get_request(current_user, referral_id),
        sections=sections,
        errors=errors,
    ), status


@bp.post("/me/referrals/<string:referral_id>")
@login_required("child")
def answer_request(referral_id: str) -> Any:
    share = requests.get_request(current_user, referral_id)
    choices = {
        home.provider_id: [
            key
            for key in SECTION_KEYS
            if request.form.get(f"share-{home.provider_id}-{key}") == "yes"
        ]
        for home in share.homes
    }
    try:
        transactional(
            lambda: requests.answer_request(
                current_user,
                referral_id,
                choices,
                has_help=request.form.get("helped") == "yes",
                locale=current_user.locale,
                now=utcnow(),
            )
        )()
    except ValidationFailed as error:
        return _render_request(referral_id, errors=error.errors, status=422)
    return redirect(url_for("consent.sharing", answered=1), code=303)


@bp.get("/me/new-homes")
@login_required("child")
def new_homes() -> str:
    return render_template(
        "referrals/new_homes.html",
        homes=homes.homes_for_child(current_user, now=utcnow()),
        home_fields=homes.HOME_FIELDS,
    )


@bp.get("/home-photos/<string:photo_id>")
@login_required("child", "provider")
def home_photo(photo_id: str) -> Response:
    content_type, data = homes.home_photo(
        current_user, photo_id, thumbnail=request.args.get("size") == "thumb"
    )
    response = Response(data, mimetype=content_type)
    response.headers["Cache-Control"] = "private, no-store"
    return response
