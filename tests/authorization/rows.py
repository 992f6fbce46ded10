"""The matrix's columns (actors) and the shape of its rows.

Each actor is one role in one relationship to the child, the referral or the
packet the rows name. A row is one route and method, the answer most actors get,
and the actors who get something else. Answers are statuses, or for redirects
``"<status> <path>"`` (the path may end in ``*``), so a page that sends someone
to the login page is told apart from one that lets them through.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

ACTORS: dict[str, str] = {
    "anonymous": "nobody logged in: a browser with a session and a form's token",
    "child_own": "the child the rows are about",
    "child_other": "another child of the same authority",
    "worker_allocated": "the social worker allocated to the child",
    "worker_unallocated": "a social worker whose allocation to the child has ended",
    "worker_same_authority": "a social worker of the child's authority, never allocated",
    "worker_other_authority": "a social worker of another authority",
    "admin_same_authority": "the child's authority's administrator",
    "admin_other_authority": "another authority's administrator",
    "provider": "staff of the home the packet went to; the child still shares with it",
    "provider_revoked": "staff of a home sent a packet; the child then withdrew consent",
    "provider_expired": "staff of a home sent a packet; the child's consent then expired",
    "provider_other": "staff of a home on the framework that was sent nothing",
    "framework_admin": "the administrator of the provider framework",
    "deactivated_worker": "the child's allocated social worker, deactivated after logging in",
}

CHILDREN = ("child_own", "child_other")
SOCIAL_WORKERS = (
    "worker_allocated",
    "worker_unallocated",
    "worker_same_authority",
    "worker_other_authority",
)
ADMINS = ("admin_same_authority", "admin_other_authority")
STAFF = SOCIAL_WORKERS + ADMINS
PROVIDERS = ("provider", "provider_revoked", "provider_expired", "provider_other")
LOGGED_OUT = ("anonymous", "deactivated_worker")

Expected = int | str

LOGIN = "302 /login"
# A form posted from a session that has since ended: its token is refused
# ("this page has expired, reload it"), before any access rule is asked.
STALE_FORM = 403


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart body; a fresh stream is made for every request."""

    filename: str
    content: bytes


def _small_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 120, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


PICTURE = Upload("picture.png", _small_png())


@dataclass(frozen=True)
class Row:
    """One route and method, who gets what, and what to send.

    ``json`` goes to the API; ``form`` is a page's form (or the API's multipart
    body) and may hold :class:`Upload` parts. ``session="spare"`` runs the row on
    each actor's second session: two routes log out, and each needs a live one.
    """

    name: str
    method: str
    path: str
    default: Expected
    overrides: Mapping[str, Expected]
    json: Any = None
    form: Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    session: str = "main"

    def expected(self, actor: str) -> Expected:
        return self.overrides.get(actor, self.default)


def each(actors: Iterable[str], answer: Expected) -> dict[str, Expected]:
    return dict.fromkeys(actors, answer)


def _row(name: str, call: str, default: Expected, logged_out: dict, options: dict) -> Row:
    method, path = call.split(" ", 1)
    request = {
        key: options.pop(key) for key in ("json", "form", "headers", "session") if key in options
    }
    return Row(name, method, path, default, {**logged_out, **options}, **request)


def api(name: str, call: str, default: Expected, **options: Any) -> Row:
    """An API route behind a login: nobody logged in gets 401."""
    return _row(name, call, default, each(LOGGED_OUT, 401), options)


def page(name: str, call: str, default: Expected, **options: Any) -> Row:
    """A page behind a login: nobody logged in is sent to the login page.

    A dead session posting a form it was given earlier is refused by the CSRF
    check first (the page says it has expired; reloading leads to the login).
    """
    method = call.split(" ", 1)[0]
    logged_out = {"anonymous": LOGIN, "deactivated_worker": LOGIN}
    if method != "GET":
        logged_out["deactivated_worker"] = STALE_FORM
    return _row(name, call, default, logged_out, options)


def public(name: str, call: str, default: Expected, **options: Any) -> Row:
    """A route anyone may call; overrides still say who is sent elsewhere."""
    return _row(name, call, default, {}, options)


def allocated_worker(answer: Expected) -> dict[str, Expected]:
    """Only the allocated worker gets ``answer``; every other social worker is told 404."""
    return {**each(SOCIAL_WORKERS, 404), "worker_allocated": answer}


def own_child(answer: Expected) -> dict[str, Expected]:
    """Only the child themself gets ``answer``; another child is told 404."""
    return {"child_own": answer, "child_other": 404}


def referral_staff(answer: Expected) -> dict[str, Expected]:
    """The allocated worker and the authority's administrator; other staff get 404."""
    return {**each(STAFF, 404), "worker_allocated": answer, "admin_same_authority": answer}


def packet_recipients(answer: Expected) -> dict[str, Expected]:
    """The recipient; 410 once the child's consent is withdrawn or over; others 404."""
    return {
        "provider": answer,
        "provider_revoked": 410,
        "provider_expired": 410,
        "provider_other": 404,
    }
