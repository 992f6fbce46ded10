"""Rules for the secrets people choose, and hashing them with the pepper.

Professionals choose a password of 12+ characters; children a PIN of 6+
digits or a passphrase of 8+ characters, which is easier to remember and type
on a phone. Either is refused when it is among the commonly breached secrets.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import current_app

from allaboutme.config import Settings
from allaboutme.crypto import passwords as argon
from allaboutme.errors import ValidationFailed
from allaboutme.i18n import _

MAX_SECRET_LENGTH = 128
PROFESSIONAL_MIN_LENGTH = 12
CHILD_PIN_MIN_LENGTH = 6
CHILD_PASSPHRASE_MIN_LENGTH = 8

_COMMON_SECRETS_FILE = Path(__file__).with_name("common_secrets.txt")


@cache
def _common_secrets() -> frozenset[str]:
    lines = _COMMON_SECRETS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip())


def _is_trivial_pin(secret: str) -> bool:
    """All the same digit, or a run up or down (123456, 987654)."""
    digits = [int(char) for char in secret]
    steps = {later - earlier for earlier, later in zip(digits, digits[1:], strict=False)}
    return len(steps) == 1 and steps <= {-1, 0, 1}


def secret_problems(secret: str, *, is_child: bool, username: str = "") -> list[str]:
    """Why ``secret`` may not be used (empty when it is fine)."""
    problems: list[str] = []
    if len(secret) > MAX_SECRET_LENGTH:
        problems.append(_("Use at most %(n)d characters.", n=MAX_SECRET_LENGTH))
    if is_child:
        if secret.isdigit():
            if len(secret) < CHILD_PIN_MIN_LENGTH:
                problems.append(_("A PIN needs at least 6 numbers."))
            elif _is_trivial_pin(secret):
                problems.append(_("That PIN is too easy to guess. Try a mix of numbers."))
        elif len(secret) < CHILD_PASSPHRASE_MIN_LENGTH:
            problems.append(_("Use a PIN of 6 numbers or more, or at least 8 letters."))
    elif len(secret) < PROFESSIONAL_MIN_LENGTH:
        problems.append(_("Use at least 12 characters."))
    lowered = secret.lower()
    if lowered in _common_secrets() or (username and lowered == username.lower()):
        problems.append(_("That one is too common and easy to guess. Please choose another."))
    return problems


def check_secret(
    secret: str, *, is_child: bool, username: str = "", field: str = "password"
) -> None:
    problems = secret_problems(secret, is_child=is_child, username=username)
    if problems:
        raise ValidationFailed({field: problems})


def _settings() -> Settings:
    return current_app.config["ALLABOUTME_SETTINGS"]


def _cost() -> argon.Argon2Params:
    cost = _settings().password_cost
    return argon.Argon2Params(
        time_cost=cost.time_cost, memory_cost_kib=cost.memory_cost_kib, parallelism=cost.parallelism
    )


def hash_secret(secret: str) -> str:
    return argon.hash_secret(secret, _settings().password_pepper, _cost())


def verify_secret(stored: str, secret: str) -> bool:
    return argon.verify_secret(stored, secret, _settings().password_pepper, _cost())


def spend_verify_time(secret: str) -> None:
    """Take as long as a real check, so unknown users answer like wrong passwords."""
    argon.dummy_verify(secret, _settings().password_pepper, _cost())
