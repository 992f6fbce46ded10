"""Pages: log in, set up the authenticator app, join with an invitation, log out."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from allaboutme.accounts import authentication, invitations, login_flow, mfa
from allaboutme.accounts.models import PROFESSIONAL_ROLES
from allaboutme.accounts.schemas import EnrolArgs, LoginArgs, OtpArgs, RedeemArgs
from allaboutme.db import utcnow
from allaboutme.errors import AppError, ValidationFailed
from allaboutme.i18n import _
from allaboutme.web.access import MFA_PENDING, login_required, public
from allaboutme.web.forms import load_form
from allaboutme.web.limits import limiter, login_limit
from allaboutme.web.qrcodes import qr_svg
from allaboutme.web.transactions import transactional

bp = Blueprint("accounts", __name__)

HOME_BY_ROLE = {
    "child": "profiles.home",
    "social_worker": "children.caseload",
}


def home_url() -> str:
    if not current_user.is_authenticated:
        return url_for("accounts.login_page")
    if session.get("mfa") == MFA_PENDING:
        return url_for("accounts.mfa_page")
    return url_for(HOME_BY_ROLE.get(current_user.role, "accounts.staff_home"))


def _form_error_page(
    template: str, error: AppError, status: int | None = None, **context: Any
) -> tuple[str, int]:
    errors = error.errors if isinstance(error, ValidationFailed) else {}
    message = error.detail or error.title
    return (
        render_template(template, errors=errors, message=message, form=request.form, **context),
        status or error.status,
    )


@bp.get("/")
@public
def index() -> Response:
    return redirect(home_url())


@bp.get("/login")
@public
def login_page() -> Response | str:
    if current_user.is_authenticated:
        return redirect(home_url())
    return render_template("accounts/login.html", errors={}, form={})


@bp.post("/login")
@public
@limiter.limit(login_limit)
def login_submit() -> Response | tuple[str, int]:
    try:
        _log_in_from_form()
    except AppError as error:
        return _form_error_page("accounts/login.html", error)
    return redirect(home_url(), code=303)


@transactional(take_write_lock=False)
def _log_in_from_form() -> None:
    args = load_form(LoginArgs())
    login_flow.log_in(args["username"], args["password"], args.get("otp"))


@bp.post("/logout")
@login_required(allow_mfa_pending=True)
@transactional
def logout() -> Response:
    login_flow.end_session()
    return redirect(url_for("accounts.login_page", logged_out=1), code=303)


@bp.get("/home")
@login_required(*PROFESSIONAL_ROLES)
def staff_home() -> str:
    """The professionals' start page; a child's start page is their profile (``/me``)."""
    return render_template("accounts/home.html")


@bp.get("/mfa")
@login_required(*PROFESSIONAL_ROLES, allow_mfa_pending=True)
def mfa_page() -> str:
    return _render_mfa_page(errors={})


def _render_mfa_page(errors: dict[str, Any], status: int = 200) -> Any:
    user = current_user
    pending = mfa.pending_enrolment(user)
    qr = (
        qr_svg(pending.otpauth_uri, title=_("QR code for your authenticator app"))
        if pending
        else None
    )
    return render_template(
        "accounts/mfa.html", pending=pending, qr=qr, errors=errors, is_enrolled=user.has_mfa
    ), status


@bp.post("/mfa/start")
@login_required(*PROFESSIONAL_ROLES, allow_mfa_pending=True)
@limiter.limit(login_limit)
def mfa_start() -> Any:
    """Start setting up an app; someone already enrolled types a code from the current one."""
    try:
        _start_mfa_from_form()
    except ValidationFailed as error:
        return _render_mfa_page(errors=error.errors, status=422)
    return redirect(url_for("accounts.mfa_page"), code=303)


@transactional
def _start_mfa_from_form() -> None:
    args = load_form(EnrolArgs())
    mfa.begin_enrolment(current_user, current_code=args["otp"], now=utcnow())


@bp.post("/mfa/verify")
@login_required(*PROFESSIONAL_ROLES, allow_mfa_pending=True)
@limiter.limit(login_limit)
def mfa_verify() -> Any:
    try:
        _confirm_mfa_from_form()
    except ValidationFailed as error:
        return _render_mfa_page(errors=error.errors, status=422)
    return redirect(home_url(), code=303)


@transactional
def _confirm_mfa_from_form() -> None:
    args = load_form(OtpArgs())
    mfa.confirm_enrolment(current_user, args["otp"], now=utcnow())
    login_flow.mark_mfa_complete()


@bp.get("/join")
@public
def join_page() -> str:
    return render_template(
        "accounts/join.html", errors={}, form={"code": request.args.get("code", "")}
    )


@bp.post("/join")
@public
@limiter.limit(login_limit)
def join_submit() -> Response | tuple[str, int]:
    try:
        _redeem_from_form()
    except AppError as error:
        return _form_error_page("accounts/join.html", error)
    return redirect(home_url(), code=303)


@transactional
def _redeem_from_form() -> None:
    args = load_form(RedeemArgs())
    user = invitations.redeem_invitation(
        code=args["code"],
        username=args["username"],
        secret=args["password"],
        locale=args.get("locale") or "en",
        now=utcnow(),
    )
    login_flow.start_session(authentication.LoginOutcome(user, "not_required", None))
