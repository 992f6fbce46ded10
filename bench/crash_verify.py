"""``python -m bench.crash_verify check LEDGER.json OUT.json``: the databases after the crashes.

Runs inside the throwaway instance (its settings, databases and keys) while no
server runs. ``baseline OUT.json`` notes what the seed stored before any write
was sent; ``check`` answers four questions:

1. Is every acknowledged write there? A section write acknowledged at version
   *v* must be stored at *v* with the same answers (versions are immutable, and
   the profile's version must be *v* or later); an acknowledged grant or picture
   must exist, the picture with the size and caption the answer gave.
2. Does every sealed record open? Every section record, picture, thumbnail,
   caption, child's name and referral summary (a case record, under the
   case-record key) is decrypted through the services that own it.
3. Is anything half-written? Every profile version 1..current has exactly one
   section record, every stored change has exactly its one audit event and no
   audit event names a change that is not there.
4. Do the keys hold? Every live key in the key store unwraps, and no key
   rotation is left unfinished.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import select

from allaboutme import create_app, db, encryption
from allaboutme.accounts.models import User
from allaboutme.audit.models import AuditEvent
from allaboutme.children import services as children
from allaboutme.children.models import Child
from allaboutme.consent.models import ConsentGrant
from allaboutme.crypto.schema import subject_keys
from allaboutme.media import services as media
from allaboutme.media.models import MediaItem
from allaboutme.profiles import services as profiles
from allaboutme.profiles.models import Profile, SectionRecord
from allaboutme.referrals import services as referrals
from allaboutme.referrals.models import Referral
from bench.crash_load import answers_digest

MAX_CAPTION_PAGE = 200
EXAMPLES = 5  # how many failures of each kind are named in the result


class Tally:
    """Rows checked and rows that failed, with the first few failures named."""

    def __init__(self) -> None:
        self.checked = 0
        self.failed: list[str] = []

    def add(self, ok: bool, what: str) -> None:
        self.checked += 1
        if not ok:
            self.failed.append(what)

    def as_json(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "failed": len(self.failed),
            "examples": self.failed[:EXAMPLES],
        }


def _children() -> list[tuple[Child, User | None]]:
    """Every child, with their own login when they have one (the reader of their own content)."""
    with_login = select(User).where(User.child_id.is_not(None))
    logins = {user.child_id: user for user in db.session().scalars(with_login)}
    return [(c, logins.get(c.id)) for c in db.session().scalars(select(Child).order_by(Child.id))]


def open_everything(everyone: list[tuple[Child, User | None]]) -> dict[str, Any]:
    """Decrypt every sealed record once; digests and sizes are kept for the write checks."""
    kinds = ("sections", "pictures", "thumbnails", "captions", "names", "referral_summaries")
    tallies = {name: Tally() for name in kinds}
    opened: dict[str, Any] = {"section_digests": {}, "picture_sizes": {}, "captions": {}}
    for child, user in everyone:
        tallies["names"].add(_opens(lambda c=child: children.preferred_name(c)), child.id)
        _open_sections(child, tallies["sections"], opened["section_digests"])
        if user is not None:
            _open_pictures(child, user, tallies, opened)
    for referral in db.session().scalars(select(Referral)):
        ok = _opens(lambda r=referral: referrals.get_summary(r))
        tallies["referral_summaries"].add(ok, f"referral {referral.id}")
    return {"tallies": tallies, "opened": opened}


def _opens(action: Any) -> bool:
    try:
        action()
    except Exception:  # noqa: BLE001 - any failure to open is what is counted
        return False
    return True


def _open_sections(child: Child, tally: Tally, digests: dict[str, str]) -> None:
    records = db.session().scalars(
        select(SectionRecord).where(
            SectionRecord.child_id == child.id, SectionRecord.is_removal.is_(False)
        )
    )
    for record in records:
        try:
            (content,) = profiles.open_records(child, [record])
        except Exception:  # noqa: BLE001 - counted, named below
            tally.add(False, f"section record {record.id}")
            continue
        digests[record.id] = answers_digest(content.answers)
        tally.add(True, record.id)


def _open_pictures(
    child: Child, user: User, tallies: dict[str, Tally], opened: dict[str, Any]
) -> None:
    now = db.utcnow()
    ids = db.session().scalars(select(MediaItem.id).where(MediaItem.child_id == child.id)).all()
    for media_id in ids:
        try:
            _type, image = media.read_media(user, media_id, thumbnail=False, now=now)
            opened["picture_sizes"][media_id] = len(image)
            tallies["pictures"].add(True, media_id)
        except Exception:  # noqa: BLE001 - counted, named below
            tallies["pictures"].add(False, f"picture {media_id}")
        ok = _opens(lambda m=media_id: media.read_media(user, m, thumbnail=True, now=now))
        tallies["thumbnails"].add(ok, f"thumbnail {media_id}")
    with_caption = (
        db.session()
        .scalars(
            select(MediaItem.id).where(
                MediaItem.child_id == child.id, MediaItem.caption.is_not(None)
            )
        )
        .all()
    )
    try:
        listed = _all_captions(user, child.id)
    except Exception:  # noqa: BLE001 - one bad caption fails the child's list: count them all
        for media_id in with_caption:
            tallies["captions"].add(False, f"caption of {media_id} (the list failed)")
        return
    opened["captions"].update(listed)
    for media_id in with_caption:
        tallies["captions"].add(listed.get(media_id) is not None, f"caption of {media_id}")


def _all_captions(user: User, child_id: str) -> dict[str, str | None]:
    captions: dict[str, str | None] = {}
    cursor = None
    while True:
        page, cursor = media.list_media(user, child_id, limit=MAX_CAPTION_PAGE, cursor=cursor)
        captions.update({item.id: item.caption for item in page})
        if cursor is None:
            return captions


def acknowledged_writes_kept(ledger: dict[str, Any], opened: dict[str, Any]) -> dict[str, Any]:
    """Every write the server acknowledged is stored as acknowledged."""
    records = {
        (r.child_id, r.profile_version): r
        for r in db.session().scalars(
            select(SectionRecord).where(SectionRecord.is_removal.is_(False))
        )
    }
    versions = dict(db.session().execute(select(Profile.child_id, Profile.current_version)).all())
    sections, grants, pictures = Tally(), Tally(), Tally()
    for write in ledger["acknowledged"]["sections"]:
        record = records.get((write["child_id"], write["version"]))
        kept = (
            record is not None
            and record.section_key == write["key"]
            and opened["section_digests"].get(record.id) == write["digest"]
            and versions.get(write["child_id"], 0) >= write["version"]
        )
        sections.add(kept, f"{write['child_id']} version {write['version']}")
    stored_grants = set(db.session().scalars(select(ConsentGrant.id)))
    for write in ledger["acknowledged"]["grants"]:
        grants.add(write["grant_id"] in stored_grants, f"grant {write['grant_id']}")
    for write in ledger["acknowledged"]["pictures"]:
        media_id = write["media_id"]
        kept = opened["picture_sizes"].get(media_id) == write["byte_size"] and opened[
            "captions"
        ].get(media_id) == write.get("caption")
        pictures.add(kept, f"picture {media_id}")
    return {"sections": sections, "grants": grants, "pictures": pictures}


def baseline() -> dict[str, Any]:
    """What the database holds before the first write is sent (whatever the seed made)."""
    session = db.session()
    versions = session.execute(select(SectionRecord.child_id, SectionRecord.profile_version))
    return {
        "versions": [[child_id, version] for child_id, version in versions],
        "grants": list(session.scalars(select(ConsentGrant.id))),
        "pictures": list(session.scalars(select(MediaItem.id))),
    }


def stored_unacknowledged(ledger: dict[str, Any]) -> dict[str, int]:
    """Writes stored whose answer never arrived (each must match a write in doubt)."""
    acknowledged, before = ledger["acknowledged"], ledger["baseline"]
    known_versions = {(w["child_id"], w["version"]) for w in acknowledged["sections"]}
    known_versions |= {(child_id, version) for child_id, version in before["versions"]}
    rows = db.session().execute(select(SectionRecord.child_id, SectionRecord.profile_version))
    stored_versions = {(child_id, version) for child_id, version in rows}
    known_grants = {w["grant_id"] for w in acknowledged["grants"]} | set(before["grants"])
    known_pictures = {w["media_id"] for w in acknowledged["pictures"]} | set(before["pictures"])
    return {
        "section": len(stored_versions - known_versions),
        "grant": len(set(db.session().scalars(select(ConsentGrant.id))) - known_grants),
        "picture": len(set(db.session().scalars(select(MediaItem.id))) - known_pictures),
    }


def half_written(everyone: list[tuple[Child, User | None]]) -> dict[str, Any]:
    """Changes without their audit event, events without their change, gaps in versions."""
    events: dict[str, Counter[str]] = defaultdict(Counter)
    for action, child_id, object_id, version in db.session().execute(
        select(
            AuditEvent.action, AuditEvent.child_id, AuditEvent.object_id, AuditEvent.object_version
        ).where(AuditEvent.action.in_(("profile.section.write", "consent.grant", "media.upload")))
    ):
        key = str(version) if action == "profile.section.write" else object_id
        events[f"{action} {child_id}"][key] += 1
    problems = Tally()
    for child, _user in everyone:
        _compare_child(child, events, problems)
    return problems.as_json()


def _compare_child(child: Child, events: dict[str, Counter[str]], problems: Tally) -> None:
    session = db.session()
    current = profiles.current_version(child.id)
    versions = Counter(
        str(v)
        for v in session.scalars(
            select(SectionRecord.profile_version).where(SectionRecord.child_id == child.id)
        )
    )
    expected = Counter(str(v) for v in range(1, current + 1))
    problems.add(versions == expected, f"{child.id}: section versions are not exactly 1..{current}")
    written = events[f"profile.section.write {child.id}"]
    problems.add(written == versions, f"{child.id}: section writes and their audit events differ")
    grants = Counter(
        session.scalars(select(ConsentGrant.id).where(ConsentGrant.child_id == child.id))
    )
    problems.add(events[f"consent.grant {child.id}"] == grants, f"{child.id}: grants vs events")
    pictures = Counter(session.scalars(select(MediaItem.id).where(MediaItem.child_id == child.id)))
    problems.add(events[f"media.upload {child.id}"] == pictures, f"{child.id}: pictures vs events")


def keys_hold() -> dict[str, Any]:
    """Every live key unwraps; no rotation is left half done."""
    vault = encryption.vault()
    tally = Tally()
    with vault.keystore.engine.connect() as connection:
        live = connection.execute(
            select(subject_keys.c.subject_kind, subject_keys.c.subject_id).where(
                subject_keys.c.destroyed_at.is_(None)
            )
        ).all()
    for kind, subject_id in live:
        tally.add(_opens(lambda k=kind, s=subject_id: vault.keystore.subject_key(k, s)), subject_id)
    status = vault.status()
    return {
        "live_keys": tally.as_json(),
        "root_version": status.current_root_version,
        "tenant_key_versions": {t: list(v) for t, v in status.tenant_key_versions.items()},
        "tenants_mid_rotation": list(status.tenants_mid_rotation),
        "root_rotation_pending": status.root_rotation_pending,
    }


def verify(ledger: dict[str, Any]) -> dict[str, Any]:
    everyone = _children()
    opening = open_everything(everyone)
    kept = acknowledged_writes_kept(ledger, opening["opened"])
    return {
        "children": len(everyone),
        "acknowledged_kept": {kind: tally.as_json() for kind, tally in kept.items()},
        "lost_acknowledged_writes": sum(len(t.failed) for t in kept.values()),
        "records_opened": {kind: t.as_json() for kind, t in opening["tallies"].items()},
        "undecryptable_rows": sum(len(t.failed) for t in opening["tallies"].values()),
        "stored_without_acknowledgement": stored_unacknowledged(ledger),
        "half_written": half_written(everyone),
        "keys": keys_hold(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.crash_verify")
    sub = parser.add_subparsers(dest="what", required=True)
    sub.add_parser("baseline").add_argument("out", type=Path)
    check = sub.add_parser("check")
    check.add_argument("ledger", type=Path)
    check.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    app = create_app()
    with app.app_context():
        result = (
            baseline() if args.what == "baseline" else verify(json.loads(args.ledger.read_text()))
        )
    args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
