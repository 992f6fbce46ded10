""" "Who has looked at my profile": reads of the child's content, in plain words.

Built from the audit trail, so it lists every read by anyone but the child:
consented reads, safeguarding checks, exports, and (later) packet views.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from allaboutme import db
from allaboutme.accounts.models import Organisation, User
from allaboutme.audit import services as audit
from allaboutme.children import services as children
from allaboutme.i18n import _

READ_ACTIONS = (
    "profile.read",
    "profile.read.safeguarding",
    "media.read",
    "child.export",
    "packet.view",
    "packet.pdf",
    "packet.response",
)


@dataclass(frozen=True)
class AccessViewer:
    display_name: str
    role: str
    org_name: str | None


@dataclass(frozen=True)
class Access:
    at: datetime
    viewer: AccessViewer
    action: str
    sections: list[str]
    is_safeguarding: bool
    reason: str | None


def _viewer(user_id: str | None, role: str | None, org_id: str | None) -> AccessViewer:
    user = db.session().get(User, user_id) if user_id else None
    organisation = db.session().get(Organisation, org_id) if org_id else None
    name = user.display_name if user else _("Someone who no longer works here")
    return AccessViewer(name, role or "", organisation.name if organisation else None)


def access_log(
    actor: User, child_id: str, *, limit: int, cursor: str | None
) -> tuple[list[Access], str | None]:
    """Who read the child's content (the child and their allocated workers may ask)."""
    child = children.get_child(actor, child_id)
    if actor.role == "la_admin":
        child = children.get_allocated_child(actor, child_id)  # admins use the audit pages
    before = int(cursor) if cursor and cursor.isdigit() else None
    events, next_before = audit.events_about_child(
        child.id, actions=READ_ACTIONS, limit=limit, before_sequence=before
    )
    items = [
        Access(
            at=event.at,
            viewer=_viewer(event.actor_user_id, event.actor_role, event.actor_org_id),
            action=event.action,
            sections=list(event.sections or []),
            is_safeguarding=event.action == "profile.read.safeguarding",
            reason=event.reason if event.action == "profile.read.safeguarding" else None,
        )
        for event in events
    ]
    return items, (str(next_before) if next_before is not None else None)
