"""JSON endpoints for sessions, MFA and invitation redemption (API.md)."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_smorest import Blueprint

from allaboutme.accounts import authentication, invitations, login_flow, mfa
from allaboutme.accounts.models import PROFESSIONAL_ROLES
from allaboutme.accounts.schemas import (
    EnrolArgs,
    EnrolmentSchema,
    LoginArgs,
    OtpArgs,
    RedeemArgs,
    SessionSchema,
)
from allaboutme.db import utcnow
from allaboutme.web.access import login_required, public
from allaboutme.web.limits import limiter, login_limit
from allaboutme.web.transactions import transactional

blp = Blueprint(
    "session_api",
    __name__,
    url_prefix="/api/v1",
    description="Logging in and out, MFA, invitations",
)


@blp.route("/session", methods=["POST"])
@public
@limiter.limit(login_limit)
@blp.arguments(LoginArgs)
@blp.response(201, SessionSchema)
@transactional(take_write_lock=False)
def create_session(args: dict[str, Any]) -> dict[str, Any]:
    """Log in with a username, password and (for professionals) a TOTP code."""
    user = login_flow.log_in(args["username"], args["password"], args.get("otp"))
    return login_flow.session_payload(user)


@blp.route("/session", methods=["GET"])
@login_required(allow_mfa_pending=True)
@blp.response(200, SessionSchema)
def read_session() -> dict[str, Any]:
    """Who is logged in, with a fresh CSRF token."""
    return login_flow.session_payload(current_user)


@blp.route("/session", methods=["DELETE"])
@login_required(allow_mfa_pending=True)
@blp.response(204)
@transactional
def delete_session() -> None:
    """Log out; the session is dead on the server at once."""
    login_flow.end_session()


@blp.route("/session/mfa/enrol", methods=["POST"])
@login_required(*PROFESSIONAL_ROLES, allow_mfa_pending=True)
@limiter.limit(login_limit)
@blp.arguments(EnrolArgs, required=False)
@blp.response(201, EnrolmentSchema)
@transactional
def enrol_mfa(args: dict[str, Any] | None) -> dict[str, str]:
    """Start TOTP enrolment: a new secret for an authenticator app.

    Someone already enrolled sends ``otp``, a code from the app in force: a
    session alone does not let anyone swap the second factor.
    """
    current_code = (args or {}).get("otp")
    enrolment = mfa.begin_enrolment(current_user, current_code=current_code, now=utcnow())
    return {"secret": enrolment.secret, "otpauth_uri": enrolment.otpauth_uri}


@blp.route("/session/mfa/verify", methods=["POST"])
@login_required(*PROFESSIONAL_ROLES, allow_mfa_pending=True)
@limiter.limit(login_limit)
@blp.arguments(OtpArgs)
@blp.response(200, SessionSchema)
@transactional
def verify_mfa(args: dict[str, Any]) -> dict[str, Any]:
    """Prove the authenticator app works; the session becomes a full one."""
    mfa.confirm_enrolment(current_user, args["otp"], now=utcnow())
    login_flow.mark_mfa_complete()
    return login_flow.session_payload(current_user)


@blp.route("/invites/redeem", methods=["POST"])
@public
@limiter.limit(login_limit)
@blp.arguments(RedeemArgs)
@blp.response(201, SessionSchema)
@transactional
def redeem_invite(args: dict[str, Any]) -> dict[str, Any]:
    """A child turns an invitation code into their own login, and is logged in."""
    user = invitations.redeem_invitation(
        code=args["code"],
        username=args["username"],
        secret=args["password"],
        locale=args.get("locale") or "en",
        now=utcnow(),
    )
    login_flow.start_session(authentication.LoginOutcome(user, "not_required", None))
    return login_flow.session_payload(user)
