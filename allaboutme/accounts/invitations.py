"""One-time invitation codes that let a child create their own login.

Codes are short enough to type from a worker's screen (12 characters of
Crockford base32, about 60 bits), stored only as a digest, used once, and
expire after 72 hours by default.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from allaboutme import db
from allaboutme.accounts.models import Invitation, User
from allaboutme.accounts.services import create_user, get_organisation
from allaboutme.audit import services as audit
from allaboutme.crypto.tokens import token_digest
from allaboutme.errors import Gone
from allaboutme.i18n import _

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12
DEFAULT_LIFETIME = timedelta(hours=72)
_READ_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


@dataclass(frozen=True)
class IssuedInvitation:
    code: str
    expires_at: datetime


def normalise_code(code: str) -> str:
    """Ignore case, spaces and dashes, and letters that read like digits."""
    cleaned = "".join(char for char in code.upper() if char.isalnum())
    return cleaned.translate(_READ_ALIKES)


def format_code(code: str) -> str:
    return "-".join(code[index : index + 4] for index in range(0, len(code), 4))


def issue_invitation(
    *,
    child_id: str,
    authority_id: str,
    actor: User,
    now: datetime,
    lifetime: timedelta = DEFAULT_LIFETIME,
) -> IssuedInvitation:
    """A new code for a child; earlier unused codes for the child stop working."""
    session = db.session()
    session.execute(
        update(Invitation)
        .where(Invitation.child_id == child_id, Invitation.used_at.is_(None))
        .values(expires_at=now)
    )
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    invitation = Invitation(
        child_id=child_id,
        authority_id=authority_id,
        code_digest=token_digest(code),
        created_by_id=actor.id,
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(invitation)
    session.flush()
    return IssuedInvitation(code=format_code(code), expires_at=invitation.expires_at)


def redeem_invitation(*, code: str, username: str, secret: str, locale: str, now: datetime) -> User:
    """Create the child's login from a live code; a used or expired code is Gone."""
    session = db.session()
    digest = token_digest(normalise_code(code))
    invitation = session.scalar(select(Invitation).where(Invitation.code_digest == digest))
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= now:
        raise Gone(
            _("This code has been used or has expired. Ask your social worker for a new one."),
            code="invitation_gone",
        )
    existing = session.scalar(select(User).where(User.child_id == invitation.child_id))
    if existing is not None:
        raise Gone(_("You already have a login. Use it to sign in."), code="invitation_gone")
    user = create_user(
        organisation=get_organisation(invitation.authority_id),
        role="child",
        username=username,
        secret=secret,
        locale=locale,
        child_id=invitation.child_id,
    )
    claimed = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if claimed != 1:
        raise Gone(_("This code has just been used."), code="invitation_gone")
    audit.record(
        actor=user,
        action="invitation.redeem",
        chain=invitation.authority_id,
        now=now,
        subject=audit.Subject(child_id=invitation.child_id, object_type="user", object_id=user.id),
    )
    return user
