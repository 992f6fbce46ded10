""" "About my new home": what an interested provider tells the child before any move.

A provider that answered "interested" may describe the home (who lives there,
pets, food, what a day looks like) and add photos. The child whose referral it is
sees it, with the page around it in their own language. Photos are rebuilt from
their pixels like every other picture, so none carries a location.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import defer

from allaboutme import db
from allaboutme.accounts.models import Organisation, User
from allaboutme.audit import services as audit
from allaboutme.children.models import Child
from allaboutme.errors import Conflict, NotFound, ValidationFailed
from allaboutme.i18n import _, _l
from allaboutme.media import services as media
from allaboutme.referrals import packets
from allaboutme.referrals.models import HomePhoto, HomeProfile, Packet, Referral

HOME_FIELDS = {
    "who_lives_here": _l("Who lives here"),
    "pets": _l("Pets"),
    "food": _l("Food and mealtimes"),
    "typical_day": _l("What a day looks like"),
    "welcome": _l("A message for you"),
}
FIELD_MAX_LENGTH = 1000
MAX_PHOTOS = 8
CAPTION_MAX_LENGTH = 200


@dataclass(frozen=True)
class HomeView:
    packet_id: str
    provider_name: str
    profile: HomeProfile | None
    photos: list[HomePhoto]


def _interested_packet(actor: User, packet_id: str, now: datetime) -> Packet:
    """The recipient's live packet, once it has said it is interested."""
    packet, _referral, _child = packets.shared_packet(actor, packet_id, now)
    if packet.response_decision != "interested":
        raise Conflict(
            _("Say you are interested before describing your home."), code="not_interested"
        )
    return packet


def _clean_content(content: dict[str, object]) -> dict[str, str]:
    errors: dict[str, list[object]] = {}
    cleaned: dict[str, str] = {}
    for key, value in content.items():
        text = str(value or "").strip()
        if key not in HOME_FIELDS:
            errors[key] = [_("Unknown field.")]
        elif len(text) > FIELD_MAX_LENGTH:
            errors[key] = [_("Write up to %(count)d characters.", count=FIELD_MAX_LENGTH)]
        elif text:
            cleaned[key] = text
    if errors:
        raise ValidationFailed(errors)
    if not cleaned:
        raise ValidationFailed({"who_lives_here": [_("Tell the young person something.")]})
    return cleaned


def save_home_profile(
    actor: User, packet_id: str, *, content: dict[str, object], language: str, now: datetime
) -> HomeProfile:
    """Write or replace the home's description for this child."""
    packet = _interested_packet(actor, packet_id, now)
    cleaned = _clean_content(content)
    profile = db.session().get(HomeProfile, packet.id) or HomeProfile(packet_id=packet.id)
    profile.content = cleaned
    profile.language = language
    profile.updated_at = now
    profile.written_by_id = actor.id
    db.session().add(profile)
    db.session().flush()
    _audit(actor, packet, "home.profile.write", now)
    return profile


def add_home_photo(
    actor: User, packet_id: str, *, image: media.imaging.CleanImage, caption: str, now: datetime
) -> HomePhoto:
    """Add a cleaned photo of the home (the edge cleans it before the write lock)."""
    packet = _interested_packet(actor, packet_id, now)
    count = len(_photos(packet.id))
    if count >= MAX_PHOTOS:
        raise Conflict(_("A home can show up to %(count)d photos.", count=MAX_PHOTOS))
    if len(caption.strip()) > CAPTION_MAX_LENGTH:
        raise ValidationFailed(
            {"caption": [_("Write up to %(count)d characters.", count=CAPTION_MAX_LENGTH)]}
        )
    photo = HomePhoto(
        id=db.new_id(),
        packet_id=packet.id,
        content_type=image.content_type,
        image=image.data,
        thumbnail=image.thumbnail,
        caption=caption.strip(),
        created_at=now,
    )
    db.session().add(photo)
    db.session().flush()
    _audit(actor, packet, "home.photo.add", now)
    return photo


def _audit(actor: User, packet: Packet, action: str, now: datetime) -> None:
    audit.record(
        actor=actor,
        action=action,
        chain=packet.authority_id,
        now=now,
        subject=audit.Subject(child_id=packet.child_ref, object_type="packet", object_id=packet.id),
    )


def _photos(packet_id: str) -> list[HomePhoto]:
    query = select(HomePhoto).where(HomePhoto.packet_id == packet_id)
    query = query.options(defer(HomePhoto.image), defer(HomePhoto.thumbnail))
    return list(db.session().scalars(query.order_by(HomePhoto.created_at, HomePhoto.id)))


def _view(packet: Packet) -> HomeView:
    organisation = db.session().get(Organisation, packet.provider_id)
    return HomeView(
        packet_id=packet.id,
        provider_name=organisation.name if organisation else "",
        profile=db.session().get(HomeProfile, packet.id),
        photos=_photos(packet.id),
    )


def homes_for_child(actor: User, *, now: datetime) -> list[HomeView]:
    """The homes interested in the child, from open referrals, with what they wrote.

    Only homes the child still shares with and whose packet is still open: a home
    the child said no to afterwards stops appearing.
    """
    if actor.role != "child" or not actor.child_id:
        return []
    rows = db.session().scalars(
        select(Packet)
        .join(Referral, Referral.id == Packet.referral_id)
        .where(
            Referral.child_id == actor.child_id,
            Referral.status != "closed",
            Packet.response_decision == "interested",
        )
        .order_by(Packet.responded_at.desc())
    )
    child = db.session().get(Child, actor.child_id)
    return [
        _view(packet)
        for packet in rows
        if child is not None
        and now < packet.expires_at
        and packets.still_shared(packet, child, now)
    ]


def home_for_provider(actor: User, packet_id: str) -> HomeView:
    return _view(packets.recipient_packet(actor, packet_id))


def home_photo(actor: User, photo_id: str, *, thumbnail: bool) -> tuple[str, bytes]:
    """A photo of a home, for the child it was written for or the provider's own staff."""
    photo = db.session().get(HomePhoto, photo_id)
    packet = db.session().get(Packet, photo.packet_id) if photo else None
    if photo is None or packet is None:
        raise NotFound()
    is_child = actor.role == "child" and actor.child_id == packet.child_ref
    is_provider = actor.role == "provider" and actor.org_id == packet.provider_id
    if not (is_child or is_provider):
        raise NotFound()
    return photo.content_type, photo.thumbnail if thumbnail else photo.image
