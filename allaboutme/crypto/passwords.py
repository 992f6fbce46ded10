"""Password and PIN hashing: Argon2id over a peppered HMAC.

The secret is first run through HMAC-SHA256 keyed with a pepper that lives
outside the database (app configuration or a secret store), then hashed with
Argon2id. A stolen database alone is then useless for offline guessing, even
of a child's 6-digit PIN, because the pepper is missing. The pre-hash also
gives Argon2 a fixed 32-byte input whatever the secret's length.

Text secrets are NFKC-normalised first, so the same passphrase typed on two
keyboards that compose accents differently still matches.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import unicodedata
from dataclasses import dataclass
from typing import Final

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PEPPER_BYTES: Final = 16


@dataclass(frozen=True, slots=True)
class Argon2Params:
    """Argon2id cost settings; defaults follow the security design (t=3, m=64 MiB, p=1)."""

    time_cost: int = 3
    memory_cost_kib: int = 64 * 1024
    parallelism: int = 1
    hash_len: int = 32
    salt_len: int = 16


DEFAULT_PARAMS: Final = Argon2Params()


@functools.lru_cache(maxsize=8)
def _hasher(params: Argon2Params) -> PasswordHasher:
    return PasswordHasher(
        time_cost=params.time_cost,
        memory_cost=params.memory_cost_kib,
        parallelism=params.parallelism,
        hash_len=params.hash_len,
        salt_len=params.salt_len,
        type=Type.ID,
    )


def _peppered(secret: str | bytes, pepper: str | bytes) -> bytes:
    """HMAC-SHA256(pepper, secret) with the secret normalised and encoded."""
    pepper_bytes = pepper.encode("utf-8") if isinstance(pepper, str) else bytes(pepper)
    if len(pepper_bytes) < MIN_PEPPER_BYTES:
        raise ValueError(f"pepper must be at least {MIN_PEPPER_BYTES} bytes")
    if isinstance(secret, str):
        secret = unicodedata.normalize("NFKC", secret).encode("utf-8")
    return hmac.new(pepper_bytes, bytes(secret), hashlib.sha256).digest()


def hash_secret(
    secret: str | bytes, pepper: str | bytes, params: Argon2Params = DEFAULT_PARAMS
) -> str:
    """The encoded Argon2id hash (``$argon2id$...``) to store for ``secret``."""
    return _hasher(params).hash(_peppered(secret, pepper))


def verify_secret(
    stored: str, secret: str | bytes, pepper: str | bytes, params: Argon2Params = DEFAULT_PARAMS
) -> bool:
    """Whether ``secret`` matches ``stored``; False (never an exception) on mismatch.

    A malformed stored hash also gives False: a login form must not turn a
    corrupt row into a server error that tells the caller the account exists.
    """
    try:
        return _hasher(params).verify(stored, _peppered(secret, pepper))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str, params: Argon2Params = DEFAULT_PARAMS) -> bool:
    """Whether ``stored`` was made with other settings and should be re-hashed on login."""
    try:
        return _hasher(params).check_needs_rehash(stored)
    except InvalidHashError:
        return True


@functools.lru_cache(maxsize=8)
def _dummy_hash(params: Argon2Params) -> str:
    return _hasher(params).hash(b"allaboutme-dummy-secret-for-unknown-users")


def dummy_verify(
    secret: str | bytes, pepper: str | bytes, params: Argon2Params = DEFAULT_PARAMS
) -> bool:
    """Spend the time of one real verification and return False.

    Call it when the username is unknown, so "no such user" and "wrong
    secret" take about the same time and cannot be told apart.
    """
    verify_secret(_dummy_hash(params), secret, pepper, params)
    return False


def warm_up(params: Argon2Params = DEFAULT_PARAMS) -> None:
    """Precompute the dummy hash (call at start-up so the first unknown login is not slower)."""
    _dummy_hash(params)
