"""allaboutme: a child in care's own profile, encrypted, consented and carried into referrals.

``flask --app allaboutme`` finds :func:`create_app` here. The factory is imported
when called, not at package import, so that pure modules such as
``allaboutme.crypto`` or ``allaboutme.consent.policy`` load without Flask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application (see :func:`allaboutme.app.create_app`)."""
    from allaboutme import app  # noqa: PLC0415 - deliberate: keep package import light

    return app.create_app(config)
