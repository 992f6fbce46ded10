"""JSON endpoints for referrals and packets (API.md "Providers, referrals and packets")."""

from __future__ import annotations

from typing import Any

from flask import Response, url_for
from flask_login import current_user
from flask_smorest import Blueprint

from allaboutme.accounts.models import Organisation
from allaboutme.db import session, utcnow
from allaboutme.referrals import documents, matching, packets, pdf, sending, services
from allaboutme.referrals.models import Packet
from allaboutme.referrals.schemas import (
    MatchesSchema,
    PacketListSchema,
    PacketSchema,
    ProviderIdsArgs,
    ReferralArgs,
    ReferralListSchema,
    ReferralSchema,
    ResponseArgs,
    ResponseSchema,
    SentSchema,
)
from allaboutme.web.access import login_required
from allaboutme.web.transactions import transactional

blp = Blueprint(
    "referrals_api", __name__, url_prefix="/api/v1", description="Referrals and packets"
)
STAFF = ("social_worker", "la_admin")


def referral_json(view: services.ReferralView) -> dict[str, Any]:
    referral = view.referral
    return {
        "id": referral.id,
        "child_id": referral.child_id,
        "status": referral.status,
        "lot": referral.lot,
        "needs": list(referral.needs),
        "location": {"lat": referral.lat, "lon": referral.lon},
        "location_kind": referral.location_kind,
        "summary": view.summary,
        "start_by": referral.start_by,
        "shortlist": view.candidate_ids,
        "created_at": referral.created_at,
        "child_asked_at": referral.child_asked_at,
        "child_answered_at": referral.child_answered_at,
        "sent_at": referral.sent_at,
        "closed_at": referral.closed_at,
    }


@blp.route("/referrals", methods=["POST"])
@login_required("social_worker")
@blp.arguments(ReferralArgs)
@blp.response(201, ReferralSchema)
@transactional
def create_referral(args: dict[str, Any]) -> dict[str, Any]:
    """Start a referral (a draft) for a child allocated to you."""
    view = services.create_referral(current_user, now=utcnow(), **args)
    return referral_json(view)


@blp.route("/referrals", methods=["GET"])
@login_required(*STAFF)
@blp.response(200, ReferralListSchema)
def list_referrals() -> dict[str, Any]:
    """Referrals of the children you may see, newest first."""
    return {"items": [referral_json(view) for view in services.list_referrals(current_user)]}


@blp.route("/referrals/<string:referral_id>", methods=["GET"])
@login_required(*STAFF)
@blp.response(200, ReferralSchema)
def get_referral(referral_id: str) -> dict[str, Any]:
    """One referral."""
    return referral_json(services.get_referral(current_user, referral_id))


def _reason_json(reason: matching.Reason) -> dict[str, Any]:
    return {"code": reason.code, "text": matching.explain(reason), "points": reason.weight_effect}


def _provider_json(provider: matching.ProviderProfile) -> dict[str, Any]:
    return {
        "id": provider.id,
        "name": provider.name,
        "ofsted_rating": provider.ofsted_rating,
        "lots": sorted(provider.lots),
    }


def matches_json(result: matching.MatchResult) -> dict[str, Any]:
    return {
        "items": [
            {
                "provider": _provider_json(match.provider),
                "score": match.score,
                "distance_miles": match.distance_miles,
                "is_far": match.distance_miles > matching.FAR_MILES,
                "reasons": [_reason_json(reason) for reason in match.reasons],
            }
            for match in result.items
        ],
        "excluded": [
            {"provider": _provider_json(item.provider), "reason": _reason_json(item.reason)}
            for item in result.excluded
        ],
    }


@blp.route("/referrals/<string:referral_id>/matches", methods=["GET"])
@login_required(*STAFF)
@blp.response(200, MatchesSchema)
@transactional
def get_matches(referral_id: str) -> dict[str, Any]:
    """Framework providers best first, with reasons; the excluded with theirs."""
    return matches_json(services.find_matches(current_user, referral_id, now=utcnow()))


@blp.route("/referrals/<string:referral_id>/shortlist", methods=["PUT"])
@login_required("social_worker")
@blp.arguments(ProviderIdsArgs)
@blp.response(200, ReferralSchema)
@transactional
def shortlist(args: dict[str, Any], referral_id: str) -> dict[str, Any]:
    """Choose the homes to ask the child about."""
    view = services.shortlist_providers(
        current_user, referral_id, args["provider_ids"], now=utcnow()
    )
    return referral_json(view)


@blp.route("/referrals/<string:referral_id>/ask-child", methods=["POST"])
@login_required("social_worker")
@blp.response(200, ReferralSchema)
@transactional
def ask_child(referral_id: str) -> dict[str, Any]:
    """Ask the child which parts of their profile each shortlisted home may see."""
    return referral_json(services.ask_child(current_user, referral_id, now=utcnow()))


@blp.route("/referrals/<string:referral_id>/send", methods=["POST"])
@login_required("social_worker")
@blp.arguments(ProviderIdsArgs)
@blp.response(201, SentSchema)
@transactional
def send(args: dict[str, Any], referral_id: str) -> dict[str, Any]:
    """One packet per provider, carrying only what the child's consent allows it."""
    sent = sending.send_referral(current_user, referral_id, args["provider_ids"], now=utcnow())
    return {
        "packets": [
            {
                "id": packet.id,
                "provider_id": packet.provider_id,
                "sections": list(packet.sections),
                "expires_at": packet.expires_at,
            }
            for packet in sent
        ]
    }


@blp.route("/referrals/<string:referral_id>/close", methods=["POST"])
@login_required("social_worker")
@blp.response(200, ReferralSchema)
@transactional
def close(referral_id: str) -> dict[str, Any]:
    """Close the referral: its packets stop opening at once."""
    return referral_json(services.close_referral(current_user, referral_id, now=utcnow()))


def packet_summary_json(item: packets.PacketSummary) -> dict[str, Any]:
    packet = item.packet
    return {
        "id": packet.id,
        "referral_id": packet.referral_id,
        "provider_id": packet.provider_id,
        "provider_name": item.provider_name,
        "sections": list(packet.sections),
        "state": item.state,
        "sent_at": packet.sent_at,
        "expires_at": packet.expires_at,
        "decision": packet.response_decision,
        "note": item.note,
        "responded_at": packet.responded_at,
    }


@blp.route("/referrals/<string:referral_id>/packets", methods=["GET"])
@login_required(*STAFF)
@blp.response(200, PacketListSchema)
def referral_packets(referral_id: str) -> dict[str, Any]:
    """The packets sent for a referral with each provider's answer."""
    items = packets.packets_of_referral(current_user, referral_id, now=utcnow())
    return {"items": [packet_summary_json(item) for item in items]}


@blp.route("/packets", methods=["GET"])
@login_required("provider")
@blp.response(200, PacketListSchema)
def list_packets() -> dict[str, Any]:
    """Your organisation's packets, newest first."""
    items = packets.list_packets(current_user, now=utcnow())
    return {"items": [packet_summary_json(item) for item in items]}


def packet_json(view: packets.PacketView) -> dict[str, Any]:
    packet, referral = view.packet, view.referral
    return {
        "id": packet.id,
        "verification_id": packet.verification_id,
        "referral": {
            "id": referral.id,
            "lot": referral.lot,
            "needs": list(referral.needs),
            "summary": view.summary,
            "start_by": referral.start_by,
            "location": {"lat": referral.lat, "lon": referral.lon},
        },
        "profile": {
            "child_name": view.child_name,
            "sections": {
                key: {
                    "answers": content.answers,
                    "language": content.language,
                    "updated_at": content.updated_at,
                }
                for key, content in view.profile.sections.items()
            },
            "pictures": [
                {
                    "id": picture.id,
                    "section": picture.section,
                    "caption": picture.caption,
                    "url": url_for("media_api.read_media", media_id=picture.id),
                }
                for picture in view.pictures
            ],
        },
        "sent_at": packet.sent_at,
        "expires_at": packet.expires_at,
        "decision": packet.response_decision,
    }


@blp.route("/packets/<string:packet_id>", methods=["GET"])
@login_required("provider")
@blp.response(200, PacketSchema)
@transactional
def get_packet(packet_id: str) -> dict[str, Any]:
    """The packet as the child allows now: 404 to others, 410 once over or withdrawn."""
    return packet_json(packets.open_packet(current_user, packet_id, now=utcnow()))


def render_pdf(packet_id: str) -> bytes:
    """The packet as a PDF marked for its recipient (audited as ``packet.pdf``)."""
    now = utcnow()
    view = packets.open_packet(current_user, packet_id, now=now, action="packet.pdf")
    organisation = session().get(Organisation, current_user.org_id)
    document = documents.packet_document(
        view,
        recipient_name=organisation.name if organisation else "",
        verification_url=url_for("referrals.packet_page", packet_id=view.packet.id, _external=True),
        now=now,
    )
    return pdf.render_packet_pdf(document)


@blp.route("/packets/<string:packet_id>/pdf", methods=["GET"])
@login_required("provider")
@blp.response(200, content_type="application/pdf")
@transactional
def get_packet_pdf(packet_id: str) -> Response:
    """The packet as a PDF; every page carries the recipient, the time and the packet id."""
    body = render_pdf(packet_id)
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="packet-{packet_id}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("/packets/<string:packet_id>/response", methods=["POST"])
@login_required("provider")
@blp.arguments(ResponseArgs)
@blp.response(200, ResponseSchema)
@transactional
def respond(args: dict[str, Any], packet_id: str) -> dict[str, Any]:
    """Answer the referral: interested or declined, with a note for the social worker."""
    packet: Packet = packets.respond_to_packet(
        current_user, packet_id, decision=args["decision"], note=args["note"], now=utcnow()
    )
    return {
        "id": packet.id,
        "decision": packet.response_decision,
        "responded_at": packet.responded_at,
    }
