"""Every route declares who may call it; a test fails for a route that does not.

``@public`` marks a deliberate exception. ``@login_required(...)`` checks the
login, that a professional's session has passed MFA, and the role. Relationship
rules (is this worker allocated to this child?) are the services' job.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, has_request_context, session
from flask_login import current_user

from allaboutme.errors import Forbidden, NotAuthenticated

F = TypeVar("F", bound=Callable[..., Any])

ACCESS_RULE_ATTRIBUTE = "access_rule"
MFA_PENDING = "enrol_required"


def public(view: F) -> F:
    """Anyone may call this route, logged in or not."""
    setattr(view, ACCESS_RULE_ATTRIBUTE, "public")
    return view


def login_required(*roles: str, allow_mfa_pending: bool = False) -> Callable[[F], F]:
    """Only a logged-in user with one of ``roles`` (any role when none given)."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            require_user(roles, allow_mfa_pending=allow_mfa_pending)
            return view(*args, **kwargs)

        rule = "login:" + (",".join(roles) if roles else "any")
        setattr(wrapper, ACCESS_RULE_ATTRIBUTE, rule)
        return wrapper  # type: ignore[return-value]

    return decorate


def require_user(roles: tuple[str, ...] = (), *, allow_mfa_pending: bool = False) -> Any:
    if not current_user.is_authenticated:
        raise NotAuthenticated()
    if session.get("mfa") == MFA_PENDING and not allow_mfa_pending:
        raise Forbidden(code="mfa_enrolment_required")
    if roles and current_user.role not in roles:
        raise Forbidden()
    return current_user._get_current_object()


def current_auth_strength() -> str | None:
    """How the current session was authenticated, for audit events."""
    if not has_request_context():
        return "command_line"
    if not current_user.is_authenticated:
        return None
    role, mfa = current_user.role, session.get("mfa")
    if role == "child":
        return "secret"
    return "password+totp" if mfa == "ok" and _mfa_enforced() else "password"


def _mfa_enforced() -> bool:
    return bool(current_app.config["ALLABOUTME_SETTINGS"].mfa_enabled)


def access_rule_of(view: Callable[..., Any]) -> str | None:
    return getattr(view, ACCESS_RULE_ATTRIBUTE, None)
