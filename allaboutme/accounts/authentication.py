"""Checking a login while bounding guessing, without letting anyone lock a child out.

- Unknown usernames and wrong secrets get the same answer in about the same time.
- Failures are counted per username (whether or not it exists): from the 5th
  consecutive failure each try must wait longer (1 s, 2 s, 4 s ... up to 15 min);
  at 100 the username stops until a worker resets it.
- A browser that has logged in successfully before carries a device token; its
  tries are counted on the device instead, so a peer guessing elsewhere cannot
  lock the child out of their own phone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update

from allaboutme import db
from allaboutme.accounts import mfa, passwords
from allaboutme.accounts.models import KnownDevice, LoginThrottle, User
from allaboutme.accounts.services import find_user_by_username, username_digest
from allaboutme.audit import services as audit
from allaboutme.crypto.tokens import new_token, token_digest
from allaboutme.errors import InvalidCredentials, RateLimited
from allaboutme.i18n import _

DELAY_FROM_FAILURE = 5
MAX_DELAY = timedelta(minutes=15)
HARD_STOP_FAILURES = 100
HARD_STOP_RETRY = timedelta(hours=1)
DEVICE_MAX_FAILURES = 10


@dataclass(frozen=True)
class LoginOutcome:
    user: User
    mfa: str  # "ok" | "enrol_required" | "not_required"
    device_token: str | None  # a new token to remember this browser, if one was issued


def delay_after(failures: int) -> timedelta:
    """How long to wait after ``failures`` consecutive failures."""
    if failures < DELAY_FROM_FAILURE:
        return timedelta(0)
    exponent = min(failures - DELAY_FROM_FAILURE, 20)  # 2**20 s is already past the cap
    return min(timedelta(seconds=2**exponent), MAX_DELAY)


def _wait_required(failures: int, last_failure_at: datetime | None, now: datetime) -> timedelta:
    if failures >= HARD_STOP_FAILURES:
        return HARD_STOP_RETRY
    if last_failure_at is None:
        return timedelta(0)
    remaining = last_failure_at + delay_after(failures) - now
    return max(remaining, timedelta(0))


def _throttle(username: str) -> LoginThrottle | None:
    return db.session().get(LoginThrottle, username_digest(username))


def _known_device(user: User | None, device_token: str | None) -> KnownDevice | None:
    if user is None or not device_token:
        return None
    device = db.session().scalar(
        select(KnownDevice).where(KnownDevice.token_digest == token_digest(device_token))
    )
    if device is None or device.user_id != user.id or device.failures >= DEVICE_MAX_FAILURES:
        return None
    return device


def authenticate(
    username: str,
    secret: str,
    *,
    otp: str | None,
    device_token: str | None,
    mfa_required: bool,
    now: datetime,
) -> LoginOutcome:
    """Check a login; raise InvalidCredentials or RateLimited, or return who it is."""
    user = find_user_by_username(username)
    device = _known_device(user, device_token)
    throttle = None if device else _throttle(username)
    _refuse_while_throttled(device, throttle, now)
    if not _secret_matches(user, secret):
        _record_failure(username, device, user, now, reason="wrong_secret")
        raise InvalidCredentials()
    assert user is not None
    mfa_state = _check_second_factor(user, otp, mfa_required=mfa_required, now=now)
    if mfa_state is None:
        _record_failure(username, device, user, now, reason="wrong_code" if otp else "code_missing")
        message = (
            _("That code did not work. Check the time on your phone and try again.")
            if otp
            else _("Type the 6-digit code from your authenticator app.")
        )
        raise InvalidCredentials(
            message, code="invalid_otp" if otp else "otp_required", errors={"otp": [message]}
        )
    return _succeed(user, device, throttle, mfa_state, now)


def _refuse_while_throttled(
    device: KnownDevice | None, throttle: LoginThrottle | None, now: datetime
) -> None:
    if device is not None:
        failures, last_failure_at = device.failures, device.last_used_at
    elif throttle is not None:
        failures, last_failure_at = throttle.failures, throttle.last_failure_at
    else:
        return
    wait = _wait_required(failures, last_failure_at if failures else None, now)
    if wait > timedelta(0):
        raise RateLimited(int(wait.total_seconds()) + 1)


def _secret_matches(user: User | None, secret: str) -> bool:
    if user is None or not user.is_active:
        passwords.spend_verify_time(secret)
        return False
    return passwords.verify_secret(user.password_hash, secret)


def _check_second_factor(
    user: User, otp: str | None, *, mfa_required: bool, now: datetime
) -> str | None:
    """The session's MFA state, or None when a needed code is missing or wrong."""
    if not user.is_professional or not mfa_required:
        return "not_required"
    if not user.has_mfa:
        return "enrol_required"
    if otp and mfa.verify_code(user, otp, now=now):
        return "ok"
    return None


def _record_failure(
    username: str, device: KnownDevice | None, user: User | None, now: datetime, *, reason: str
) -> None:
    """Count and audit a failure in its own transaction: the request's is rolled back."""
    _audit_failure(user, now, reason)
    with db.database().engine.begin() as connection:
        if device is not None:
            connection.execute(
                update(KnownDevice)
                .where(KnownDevice.id == device.id)
                .values(failures=KnownDevice.failures + 1, last_used_at=now)
            )
            return
        digest = username_digest(username)
        changed = connection.execute(
            update(LoginThrottle)
            .where(LoginThrottle.username_digest == digest)
            .values(failures=LoginThrottle.failures + 1, last_failure_at=now)
        ).rowcount
        if not changed:
            connection.execute(
                insert(LoginThrottle).values(
                    username_digest=digest, failures=1, last_failure_at=now
                )
            )


def _audit_failure(user: User | None, now: datetime, reason: str) -> None:
    with db.database().sessionmaker() as session, session.begin():
        audit.record(
            actor=None,
            action="login",
            outcome="denied",
            reason=reason,
            now=now,
            chain=user.org_id if user else audit.SERVICE_CHAIN,
            subject=audit.Subject(object_type="user", object_id=user.id if user else None),
            session=session,
        )


def _succeed(
    user: User,
    device: KnownDevice | None,
    throttle: LoginThrottle | None,
    mfa_state: str,
    now: datetime,
) -> LoginOutcome:
    new_device_token = None
    if device is not None:
        device.failures = 0
        device.last_used_at = now
    else:
        new_device_token = new_token()
        db.session().add(
            KnownDevice(
                user_id=user.id, token_digest=token_digest(new_device_token), last_used_at=now
            )
        )
    if throttle is not None:
        throttle.failures = 0
        throttle.last_failure_at = None
    audit.record(
        actor=user,
        action="login",
        chain=user.org_id,
        now=now,
        subject=audit.Subject(child_id=user.child_id, object_type="user", object_id=user.id),
        reason=f"mfa:{mfa_state}",
    )
    return LoginOutcome(user=user, mfa=mfa_state, device_token=new_device_token)


def record_logout(user: User, *, now: datetime) -> None:
    """Logging out is part of the trail: it shows when a session really ended."""
    audit.record(
        actor=user,
        action="logout",
        chain=user.org_id,
        now=now,
        subject=audit.Subject(child_id=user.child_id, object_type="user", object_id=user.id),
    )
