"""TOTP for professionals: enrolment, verification, and no replay of a used code.

The shared secret is encrypted like child content (a data key under the
organisation's key); the last accepted time step is kept so a code that was
seen once, even by a shoulder-surfer, cannot be used again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pyotp

from allaboutme import db, encryption
from allaboutme.accounts.models import User
from allaboutme.audit import services as audit
from allaboutme.errors import Conflict, ValidationFailed
from allaboutme.i18n import _

ISSUER = "allaboutme"
STEP_SECONDS = 30
ALLOWED_DRIFT_STEPS = 1


@dataclass(frozen=True)
class Enrolment:
    secret: str
    otpauth_uri: str


def _context(user: User) -> encryption.RecordContext:
    return encryption.RecordContext(
        tenant_id=user.org_id,
        table="users",
        field="totp_secret",
        row_id=user.id,
        version=user.totp_version,
    )


def begin_enrolment(user: User) -> Enrolment:
    """A fresh secret for the user's authenticator app; active once verified."""
    if not user.is_professional:
        raise Conflict(_("Only professionals use an authenticator app."), code="mfa_not_applicable")
    secret = pyotp.random_base32()
    encryption.ensure_tenant_key(user.org_id)
    user.totp_version += 1
    user.totp_secret = encryption.seal(secret.encode(), _context(user))
    user.totp_enrolled_at = None
    user.totp_last_step = 0
    _audit(user, "mfa.enrolment_started")
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return Enrolment(secret=secret, otpauth_uri=uri)


def _audit(user: User, action: str, now: datetime | None = None) -> None:
    audit.record(
        actor=user,
        action=action,
        chain=user.org_id,
        now=now or db.utcnow(),
        subject=audit.Subject(object_type="user", object_id=user.id),
    )


def pending_enrolment(user: User) -> Enrolment | None:
    """The secret still waiting for its first code, to show again as a QR code."""
    if user.totp_secret is None or user.totp_enrolled_at is not None:
        return None
    secret = encryption.open(user.totp_secret, _context(user)).decode()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return Enrolment(secret=secret, otpauth_uri=uri)


def _matching_step(user: User, code: str, now: datetime) -> int | None:
    if user.totp_secret is None:
        return None
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    secret = encryption.open(user.totp_secret, _context(user)).decode()
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in range(current - ALLOWED_DRIFT_STEPS, current + ALLOWED_DRIFT_STEPS + 1):
        if pyotp.utils.strings_equal(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def verify_code(user: User, code: str, *, now: datetime) -> bool:
    """True for a right code not used before; the step is then spent."""
    step = _matching_step(user, code, now)
    if step is None or step <= user.totp_last_step:
        return False
    user.totp_last_step = step
    db.session().flush()
    return True


def confirm_enrolment(user: User, code: str, *, now: datetime) -> None:
    """Turn on the secret from ``begin_enrolment`` once a right code proves it works."""
    if user.totp_secret is None:
        raise Conflict(_("Start setting up your authenticator app first."), code="mfa_not_started")
    if not verify_code(user, code, now=now):
        raise ValidationFailed({"otp": [_("That code did not work. Please try the newest one.")]})
    if user.totp_enrolled_at is None:
        user.totp_enrolled_at = now
    _audit(user, "mfa.enrolled", now)
