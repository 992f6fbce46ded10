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


def _context(user: User, field: str = "totp_secret") -> encryption.RecordContext:
    """Where a TOTP secret is sealed: the app in force, or ``totp_pending_secret``."""
    return encryption.RecordContext(
        tenant_id=user.org_id,
        table="users",
        field=field,
        row_id=user.id,
        version=user.totp_version,
    )


def _pending_context(user: User) -> encryption.RecordContext:
    return _context(user, "totp_pending_secret")


def begin_enrolment(
    user: User, *, current_code: str | None = None, now: datetime | None = None
) -> Enrolment:
    """A fresh secret for the user's authenticator app; active once verified.

    Someone already enrolled must give ``current_code``, a code from the app in
    force, and keeps that app until the new one has given a right code: the new
    secret waits apart, so logging in never falls back to the password alone
    while a new app is being set up.
    """
    if not user.is_professional:
        raise Conflict(_("Only professionals use an authenticator app."), code="mfa_not_applicable")
    if user.has_mfa and not verify_code(user, current_code or "", now=now or db.utcnow()):
        raise _wrong_code() if current_code else _code_needed()
    secret = pyotp.random_base32()
    encryption.ensure_tenant_key(user.org_id)
    if user.has_mfa:
        user.totp_pending_secret = encryption.seal(secret.encode(), _pending_context(user))
    else:
        user.totp_version += 1
        user.totp_secret = encryption.seal(secret.encode(), _context(user))
        user.totp_last_step = 0
    _audit(user, "mfa.enrolment_started")
    return _enrolment(user, secret)


def _enrolment(user: User, secret: str) -> Enrolment:
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
    secret = _pending_secret(user)
    return _enrolment(user, secret) if secret is not None else None


def _pending_secret(user: User) -> str | None:
    if user.totp_pending_secret is not None:
        return encryption.open(user.totp_pending_secret, _pending_context(user)).decode()
    if user.totp_secret is not None and user.totp_enrolled_at is None:
        return encryption.open(user.totp_secret, _context(user)).decode()
    return None


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in range(current - ALLOWED_DRIFT_STEPS, current + ALLOWED_DRIFT_STEPS + 1):
        if pyotp.utils.strings_equal(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def verify_code(user: User, code: str, *, now: datetime) -> bool:
    """True for a right code of the app in force, not used before; the step is then spent."""
    if user.totp_secret is None:
        return False
    secret = encryption.open(user.totp_secret, _context(user)).decode()
    step = _matching_step(secret, code, now)
    if step is None or step <= user.totp_last_step:
        return False
    user.totp_last_step = step
    db.session().flush()
    return True


def confirm_enrolment(user: User, code: str, *, now: datetime) -> None:
    """Turn on the secret from ``begin_enrolment`` once a right code proves it works."""
    if user.totp_pending_secret is not None:
        _switch_to_new_app(user, code, now)
        return
    if user.totp_secret is None:
        raise Conflict(_("Start setting up your authenticator app first."), code="mfa_not_started")
    if not verify_code(user, code, now=now):
        raise _wrong_code()
    if user.totp_enrolled_at is None:
        user.totp_enrolled_at = now
    _audit(user, "mfa.enrolled", now)


def _switch_to_new_app(user: User, code: str, now: datetime) -> None:
    """The new app gave a right code: it replaces the old one, which stops working."""
    assert user.totp_pending_secret is not None
    secret = encryption.open(user.totp_pending_secret, _pending_context(user)).decode()
    step = _matching_step(secret, code, now)
    if step is None:
        raise _wrong_code()
    user.totp_version += 1
    user.totp_secret = encryption.seal(secret.encode(), _context(user))
    user.totp_pending_secret = None
    user.totp_last_step = step
    user.totp_enrolled_at = now
    db.session().flush()
    _audit(user, "mfa.enrolled", now)


def _code_needed() -> ValidationFailed:
    return ValidationFailed({"otp": [_("Type the 6-digit code from your authenticator app.")]})


def _wrong_code() -> ValidationFailed:
    return ValidationFailed({"otp": [_("That code did not work. Please try the newest one.")]})
