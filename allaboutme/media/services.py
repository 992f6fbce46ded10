"""The child's photos and drawings: cleaned, sealed, and read through the consent gate.

With ``profiles.services`` this is the only place child content is decrypted. A
picture belongs to one profile section and is shown to someone other than the child
exactly when the child's consent lets them read that section; every such read is
audited, and every refusal too (answered "not found", so nobody learns it exists).
Only the child adds, lists or deletes their pictures.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import defer

from allaboutme import db, encryption
from allaboutme.accounts.models import User
from allaboutme.audit import services as audit
from allaboutme.children import services as children
from allaboutme.children.models import Child
from allaboutme.children.sections import SECTION_KEYS
from allaboutme.consent import policy
from allaboutme.consent import services as consent
from allaboutme.errors import NotFound, ValidationFailed, field_error
from allaboutme.i18n import _
from allaboutme.media import imaging, pool
from allaboutme.media.models import MediaItem

MAX_CAPTION_LENGTH = 300
TABLE = "media_items"
IMAGE, THUMBNAIL, CAPTION = "image", "thumbnail", "caption"


@dataclass(frozen=True)
class MediaSummary:
    """What the child sees of one picture without its pixels: enough to lay out a page."""

    id: str
    section: str
    content_type: str
    width: int
    height: int
    thumb_width: int
    thumb_height: int
    byte_size: int
    caption: str | None
    created_at: datetime


def _context(child: Child, item: MediaItem, field: str) -> encryption.RecordContext:
    """Each part gets its own context, so an image copied into the thumbnail won't open."""
    return encryption.RecordContext(
        tenant_id=child.authority_id,
        child_id=child.id,
        table=TABLE,
        field=field,
        row_id=item.id,
        version=1,
    )


def _clean_caption(caption: str | None) -> str | None:
    """Stripped, at most 300 characters; an empty caption is no caption."""
    text = (caption or "").strip()
    if len(text) > MAX_CAPTION_LENGTH:
        message = _("Please keep this to %(limit)s characters or fewer.", limit=MAX_CAPTION_LENGTH)
        raise field_error("caption", message)
    return text or None


def _check_section(section: str) -> None:
    if section not in SECTION_KEYS:
        raise field_error("section", _("There is no section called that."))


def clean_upload(data: bytes) -> imaging.CleanImage:
    """Rebuild an upload from its pixels, or refuse it (413, 415, or 422 on ``file``).

    Separate from :func:`upload_media` because it is the slow part (a 12 MP photo
    takes about 0.4 s): the edge calls it before taking the database's write lock.
    The work runs in the image pool, off the request thread; a full or lost pool
    answers 503 with Retry-After. No database, no keys, nothing written anywhere.
    """
    try:
        return pool.clean_image(data)
    except ValidationFailed as error:
        messages = [message for found in error.errors.values() for message in found]
        raise ValidationFailed({"file": messages}, code=error.code) from None


def upload_media(
    actor: User,
    child_id: str,
    *,
    section: str,
    picture: imaging.CleanImage,
    caption: str | None,
    now: datetime,
) -> MediaSummary:
    """The child adds a picture to a section; only its re-encoded pixels are kept, sealed.

    ``picture`` comes from :func:`clean_upload`, so the upload itself (with whatever
    EXIF, GPS or comments it carried) never reaches the database.
    """
    child = children.get_own_child(actor, child_id)
    _check_section(section)
    text = _clean_caption(caption)
    item = MediaItem(
        id=db.new_id(),
        child_id=child.id,
        section_key=section,
        content_type=picture.content_type,
        width=picture.width,
        height=picture.height,
        thumb_width=picture.thumb_width,
        thumb_height=picture.thumb_height,
        byte_size=len(picture.data),
        created_at=now,
        created_by_id=actor.id,
    )
    item.image = encryption.seal(picture.data, _context(child, item, IMAGE))
    item.thumbnail = encryption.seal(picture.thumbnail, _context(child, item, THUMBNAIL))
    if text is not None:
        item.caption = encryption.seal(text.encode(), _context(child, item, CAPTION))
    db.session().add(item)
    db.session().flush()
    _audit(actor, child, item, "media.upload", now)
    return _summary(item, text)


def _summary(item: MediaItem, caption: str | None) -> MediaSummary:
    return MediaSummary(
        id=item.id,
        section=item.section_key,
        content_type=item.content_type,
        width=item.width,
        height=item.height,
        thumb_width=item.thumb_width,
        thumb_height=item.thumb_height,
        byte_size=item.byte_size,
        caption=caption,
        created_at=item.created_at,
    )


def _audit(
    actor: User,
    child: Child,
    item: MediaItem,
    action: str,
    now: datetime,
    decision: policy.Decision | None = None,
) -> None:
    grant_id = decision.grant_for.get(item.section_key) if decision else None
    audit.record(
        actor=actor,
        action=action,
        chain=child.authority_id,
        now=now,
        subject=audit.Subject(
            child_id=child.id,
            object_type="media",
            object_id=item.id,
            sections=(item.section_key,),
            grant_id=grant_id,
        ),
    )


def _audit_denied(actor: User, child: Child, item: MediaItem, now: datetime) -> None:
    """Written after the refused request rolls back, so the refusal stays on record."""
    audit.record_detached(
        actor=actor,
        action="media.read",
        chain=child.authority_id,
        now=now,
        outcome="denied",
        reason="no_active_consent",
        subject=audit.Subject(
            child_id=child.id,
            object_type="media",
            object_id=item.id,
            sections=(item.section_key,),
        ),
    )


def _item(media_id: str, *fields_not_needed: str) -> MediaItem:
    """The row without the sealed parts this caller will not open (pictures are big)."""
    options = [defer(getattr(MediaItem, name)) for name in fields_not_needed]
    item = db.session().scalar(select(MediaItem).where(MediaItem.id == media_id).options(*options))
    if item is None:
        raise NotFound()
    return item


def read_media(actor: User, media_id: str, *, thumbnail: bool, now: datetime) -> tuple[str, bytes]:
    """The picture (or its thumbnail) and its content type, for whoever may read its section.

    The child reads their own; anyone else only while the child's consent covers the
    picture's section, and the read is audited. A refusal is audited and looks
    exactly like a picture that does not exist.
    """
    wanted, other = (THUMBNAIL, IMAGE) if thumbnail else (IMAGE, THUMBNAIL)
    item = _item(media_id, other, CAPTION)
    child = consent.child_for_reading(actor, item.child_id)
    decision = consent.decision_for(consent.viewer_for(actor, child), child, now=now)
    if not decision.allows(item.section_key):
        _audit_denied(actor, child, item, now)
        raise NotFound()
    if not decision.is_child_self:
        _audit(actor, child, item, "media.read", now, decision)
    return item.content_type, encryption.open(getattr(item, wanted), _context(child, item, wanted))


def list_media(
    actor: User, child_id: str, *, limit: int, cursor: str | None = None
) -> tuple[list[MediaSummary], str | None]:
    """The child's pictures, newest first, a page at a time, captions decrypted.

    ``cursor`` is the id of the last picture of the previous page.
    """
    child = children.get_own_child(actor, child_id)
    query = (
        select(MediaItem)
        .where(MediaItem.child_id == child.id)
        .options(defer(MediaItem.image), defer(MediaItem.thumbnail))
    )
    if cursor:
        query = query.where(_older_than(child, cursor))
    newest_first = query.order_by(MediaItem.created_at.desc(), MediaItem.id.desc())
    rows = list(db.session().scalars(newest_first.limit(limit + 1)))
    page = rows[:limit]
    captions = _captions(child, page)
    summaries = [_summary(item, text) for item, text in zip(page, captions, strict=True)]
    return summaries, (page[-1].id if len(rows) > limit else None)


def _older_than(child: Child, cursor: str) -> ColumnElement[bool]:
    """Pictures after ``cursor`` in newest-first order (keyset paging: stable under adds)."""
    last = (
        db.session()
        .execute(
            select(MediaItem.created_at, MediaItem.id).where(
                MediaItem.id == cursor, MediaItem.child_id == child.id
            )
        )
        .first()
    )
    if last is None:
        raise field_error("cursor", ValidationFailed.title)
    return or_(
        MediaItem.created_at < last.created_at,
        and_(MediaItem.created_at == last.created_at, MediaItem.id < last.id),
    )


def _captions(child: Child, items: list[MediaItem]) -> list[str | None]:
    """Decrypt the captions of one child's pictures with one key store read."""
    sealed = [(i.caption, _context(child, i, CAPTION)) for i in items if i.caption is not None]
    opened = iter(encryption.open_many(sealed)) if sealed else iter(())
    return [next(opened).decode() if item.caption is not None else None for item in items]


def delete_media(actor: User, media_id: str, *, now: datetime) -> None:
    """The child takes a picture away; the row and its sealed parts are deleted."""
    item = _item(media_id, IMAGE, THUMBNAIL, CAPTION)
    child = children.get_own_child(actor, item.child_id)
    _audit(actor, child, item, "media.delete", now)
    db.session().delete(item)
    db.session().flush()


def pictures_for_export(child: Child) -> list[dict[str, object]]:
    """Every picture of the child, decrypted, for the child's copy of their data.

    The caller (``allaboutme.rights``) has checked the reader is the child or
    their authority's administrator and audited the export.
    """
    items = list(
        db.session().scalars(
            select(MediaItem).where(MediaItem.child_id == child.id).order_by(MediaItem.created_at)
        )
    )
    captions = _captions(child, items)
    exported = []
    for item, caption in zip(items, captions, strict=True):
        image = encryption.open(item.image, _context(child, item, "image"))
        exported.append(
            {
                "id": item.id,
                "section": item.section_key,
                "caption": caption,
                "content_type": item.content_type,
                "width": item.width,
                "height": item.height,
                "created_at": item.created_at,
                "data_base64": base64.b64encode(image).decode(),
            }
        )
    return exported


@dataclass(frozen=True)
class Picture:
    """A picture as another feature shows it: caption, and the pixels when asked for."""

    id: str
    section: str
    caption: str | None
    content_type: str
    image: bytes | None


def pictures_in_sections(
    child: Child, decision: policy.Decision, *, with_images: bool
) -> list[Picture]:
    """The child's pictures in the sections ``decision`` allows, oldest first.

    For a packet: the caller asked the gate for ``decision`` and audited the read
    (``packet.view`` or ``packet.pdf``), which names these sections.
    """
    if not decision.allowed:
        return []
    query = select(MediaItem).where(
        MediaItem.child_id == child.id, MediaItem.section_key.in_(sorted(decision.allowed))
    )
    query = query.options(defer(MediaItem.thumbnail))
    if not with_images:
        query = query.options(defer(MediaItem.image))
    items = list(db.session().scalars(query.order_by(MediaItem.created_at, MediaItem.id)))
    captions = _captions(child, items)
    images = (
        encryption.open_many([(i.image, _context(child, i, IMAGE)) for i in items])
        if with_images and items
        else [None] * len(items)
    )
    return [
        Picture(item.id, item.section_key, caption, item.content_type, image)
        for item, caption, image in zip(items, captions, images, strict=True)
    ]
