"""Reads of the child's profile made on another feature's behalf, through the same gate.

A provider opening a packet, matching weighing heritage, a packet's statutory
snapshot: each asks the consent policy afresh, so a withdrawal applies at once,
and each read for someone other than the child is audited under the name the
calling feature gives it. With ``profiles.services`` this is where profile
content is decrypted; plaintext for snapshots never leaves this module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from allaboutme import encryption
from allaboutme.accounts.models import User
from allaboutme.audit import services as audit
from allaboutme.children.models import Child
from allaboutme.consent import policy
from allaboutme.consent import services as consent
from allaboutme.profiles import services
from allaboutme.profiles.services import ProfileView


@dataclass(frozen=True)
class AuditAs:
    """How a read made for another feature is recorded (e.g. a provider's packet view)."""

    action: str
    object_type: str
    object_id: str


def read_sections(
    actor: User,
    child: Child,
    keys: frozenset[str],
    *,
    now: datetime,
    purpose: str | None,
    audit_as: AuditAs,
) -> ProfileView:
    """Only the ``keys`` sections that the child's consent lets ``actor`` read now.

    For reads on another feature's behalf (a provider opening a packet, matching
    reading heritage): the gate decides afresh, so a withdrawal applies at once,
    and a read that returns anything is audited as ``audit_as`` names it. Nothing
    allowed gives an empty view and no event; the caller decides what that means.
    """
    viewer = consent.viewer_for(actor, child)
    decision = consent.decision_for(viewer, child, now=now, purpose=purpose)
    narrowed = policy.Decision(
        child.id,
        decision.allowed & keys,
        {key: grant for key, grant in decision.grant_for.items() if key in keys},
        is_child_self=decision.is_child_self,
    )
    view = services.view_at(child, services.current_version(child.id), narrowed)
    if view.sections and not decision.is_child_self:
        grants = sorted({narrowed.grant_for[key] for key in view.sections})
        audit.record(
            actor=actor,
            action=audit_as.action,
            chain=child.authority_id,
            now=now,
            subject=audit.Subject(
                child_id=child.id,
                object_type=audit_as.object_type,
                object_id=audit_as.object_id,
                object_version=view.version,
                sections=tuple(view.sections),
                grant_id=grants[0],
            ),
            reason="grants:" + ",".join(grants) if len(grants) > 1 else None,
        )
    return view


def seal_case_copy(
    child: Child, viewer: policy.Viewer, *, purpose: str, now: datetime, row_id: str
) -> tuple[list[str], bytes]:
    """What ``viewer`` may read now, sealed as a case record (a packet's snapshot).

    The plaintext never leaves this module: the sections the child's consent
    allows ``viewer`` are opened and sealed again under the child's case-record
    key, which outlives the erasure of the working profile. Returns the sections
    copied and the envelope.
    """
    decision = consent.decision_for(viewer, child, now=now, purpose=purpose)
    view = services.view_at(child, services.current_version(child.id), decision)
    payload = {
        "version": view.version,
        "sections": {
            key: {"answers": content.answers, "language": content.language}
            for key, content in view.sections.items()
        },
    }
    encryption.ensure_case_key(child.authority_id, child.id)
    context = encryption.RecordContext(
        tenant_id=child.authority_id,
        child_id=child.id,
        table="packets",
        field="snapshot",
        row_id=row_id,
        version=1,
        is_case_record=True,
    )
    sealed = encryption.seal(json.dumps(payload, ensure_ascii=False).encode(), context)
    return list(view.sections), sealed
