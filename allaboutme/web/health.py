"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from allaboutme import db, encryption
from allaboutme.web.access import public

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz() -> ResponseReturnValue:
    """The process is alive (no dependencies checked)."""
    return jsonify(status="ok")


@bp.get("/readyz")
@public
def readyz() -> ResponseReturnValue:
    """The database answers and the keys are loaded: safe to send traffic."""
    checks = {"database": _database_ok(), "keys": _keys_ok()}
    ready = all(checks.values())
    return jsonify(status="ok" if ready else "unavailable", checks=checks), 200 if ready else 503


def _database_ok() -> bool:
    try:
        with db.database().engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means not ready
        return False
    return True


def _keys_ok() -> bool:
    try:
        return encryption.is_ready()
    except Exception:  # noqa: BLE001 - any failure means not ready
        return False
