"""The profile's part of the child's data rights: their whole history, decrypted.

The caller (``allaboutme.rights``) has already checked that the reader is the
child or their authority's administrator, and audited the export.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from allaboutme import db
from allaboutme.children.models import Child
from allaboutme.profiles import services as profiles
from allaboutme.profiles.models import SectionRecord


def profile_history(child: Child) -> list[dict[str, Any]]:
    """Every saved version of every section, decrypted, for the child's copy of their data."""
    records = db.session().scalars(
        select(SectionRecord)
        .where(SectionRecord.child_id == child.id)
        .order_by(SectionRecord.profile_version)
    )
    records = list(records)
    saved = [record for record in records if not record.is_removal]
    contents = dict(zip((r.id for r in saved), profiles.open_records(child, saved), strict=True))
    versions = []
    for record in records:
        entry: dict[str, Any] = {
            "version": record.profile_version,
            "section": record.section_key,
            "action": "removed" if record.is_removal else "saved",
            "has_help": record.has_help,
            "created_at": record.created_at,
        }
        if record.id in contents:
            entry["answers"] = contents[record.id].answers
            entry["language"] = contents[record.id].language
        versions.append(entry)
    return versions
