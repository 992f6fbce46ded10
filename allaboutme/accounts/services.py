"""Organisations and users: creating them, finding them, switching them off.

Every function takes the acting user explicitly (``actor``; None for the
command line and the demo seed) and flushes without committing.
"""

from __future__ import annotations

from sqlalchemy import func, select

from allaboutme import db
from allaboutme.accounts import passwords
from allaboutme.accounts.models import (
    ORG_KINDS,
    ROLE_ORG_KIND,
    ROLES,
    LoginThrottle,
    Organisation,
    User,
)
from allaboutme.accounts.session_store import end_sessions_of
from allaboutme.audit import services as audit
from allaboutme.crypto.tokens import token_digest
from allaboutme.errors import Conflict, NotFound, ValidationFailed, field_error
from allaboutme.i18n import _, normalise_locale


def normalise_username(username: str) -> str:
    return username.strip().casefold()


def username_digest(username: str) -> str:
    return token_digest(normalise_username(username))


def create_organisation(*, kind: str, name: str) -> Organisation:
    """A new organisation; names are unique so people can tell them apart."""
    if kind not in ORG_KINDS:
        raise field_error("kind", _("Unknown kind of organisation."))
    name = name.strip()
    if not name:
        raise field_error("name", _("A name is needed."))
    session = db.session()
    if session.scalar(select(Organisation.id).where(Organisation.name == name)):
        raise Conflict(_("An organisation with that name already exists."), code="duplicate_name")
    organisation = Organisation(kind=kind, name=name)
    session.add(organisation)
    session.flush()
    return organisation


def find_organisation_by_name(name: str) -> Organisation:
    found = db.session().scalar(select(Organisation).where(Organisation.name == name.strip()))
    if found is None:
        raise NotFound(_("No organisation has that name."))
    return found


def get_organisation(org_id: str) -> Organisation:
    found = db.session().get(Organisation, org_id)
    if found is None:
        raise NotFound()
    return found


def create_user(
    *,
    organisation: Organisation,
    role: str,
    username: str,
    secret: str,
    display_name: str | None = None,
    locale: str = "en",
    child_id: str | None = None,
) -> User:
    """A new login; the role must suit the organisation, the secret must be strong."""
    if role not in ROLES:
        raise field_error("role", _("Unknown role."))
    if ROLE_ORG_KIND[role] != organisation.kind:
        raise field_error("role", _("That role does not belong to this kind of organisation."))
    normalised = normalise_username(username)
    _check_username(normalised)
    passwords.check_secret(secret, is_child=role == "child", username=normalised)
    session = db.session()
    user = User(
        org_id=organisation.id,
        role=role,
        username=normalised,
        display_name=(display_name or normalised).strip()[:120],
        locale=normalise_locale(locale) or "en",
        password_hash=passwords.hash_secret(secret),
        child_id=child_id,
    )
    session.add(user)
    session.flush()
    _audit_admin(None, "user.create", user)
    return user


def _check_username(username: str) -> None:
    if not 3 <= len(username) <= 64 or not all(ch.isalnum() or ch in "._-" for ch in username):
        raise field_error(
            "username", _("Use 3 to 64 letters or numbers (dots, dashes and underscores are fine).")
        )
    taken = db.session().scalar(select(func.count()).where(User.username == username))
    if taken:
        raise ValidationFailed({"username": [_("That username is taken. Please try another.")]})


def get_user(user_id: str) -> User | None:
    return db.session().get(User, user_id)


def find_user_by_username(username: str) -> User | None:
    return db.session().scalar(select(User).where(User.username == normalise_username(username)))


def _audit_admin(actor: User | None, action: str, user: User) -> None:
    audit.record(
        actor=actor,
        action=action,
        chain=user.org_id,
        now=db.utcnow(),
        subject=audit.Subject(child_id=user.child_id, object_type="user", object_id=user.id),
    )


def deactivate_user(user: User, *, actor: User | None = None) -> None:
    """Switch a login off and end its sessions at once."""
    user.is_active = False
    end_sessions_of(user.id)
    db.session().flush()
    _audit_admin(actor, "user.deactivate", user)


def change_role(user: User, role: str, *, actor: User | None = None) -> None:
    """A new role ends every session, so no page keeps the old rights."""
    if ROLE_ORG_KIND.get(role) != user.organisation.kind:
        raise field_error("role", _("That role does not belong to this kind of organisation."))
    user.role = role
    end_sessions_of(user.id)
    db.session().flush()
    _audit_admin(actor, "user.role_change", user)


def set_secret(user: User, secret: str, *, actor: User | None = None) -> None:
    """A new password or PIN; every session of the user ends."""
    passwords.check_secret(secret, is_child=user.role == "child", username=user.username)
    user.password_hash = passwords.hash_secret(secret)
    end_sessions_of(user.id)
    db.session().flush()
    _audit_admin(actor, "user.secret_change", user)


def reset_login_throttle(username: str, *, actor: User | None = None) -> None:
    """Let a user try again after the hard stop (a worker's decision)."""
    throttle = db.session().get(LoginThrottle, username_digest(username))
    if throttle is not None:
        throttle.failures = 0
        throttle.last_failure_at = None
        db.session().flush()
    user = find_user_by_username(username)
    if user is not None:
        _audit_admin(actor, "user.login_reset", user)
