"""Random tokens (session ids, invitation codes) and their stored digests.

The database keeps only ``token_digest(token)``: whoever reads a copy of it
cannot replay a live session or redeem an invitation. Tokens have at least
128 bits of randomness, so an unsalted SHA-256 is enough (no guessing is
possible, unlike with passwords).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Final

MIN_TOKEN_BYTES: Final = 16


def new_token(nbytes: int = 32) -> str:
    """A URL-safe random token of ``nbytes`` random bytes (at least 16)."""
    if nbytes < MIN_TOKEN_BYTES:
        raise ValueError(f"tokens need at least {MIN_TOKEN_BYTES} random bytes")
    return secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    """SHA-256 of the token as lowercase hex: what to store and look up by."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def constant_time_equal(a: str | bytes, b: str | bytes) -> bool:
    """Compare two secrets without leaking where they first differ."""
    a_bytes = a.encode("utf-8") if isinstance(a, str) else bytes(a)
    b_bytes = b.encode("utf-8") if isinstance(b, str) else bytes(b)
    return hmac.compare_digest(a_bytes, b_bytes)


def token_matches(token: str, stored_digest: str) -> bool:
    """Whether ``token`` hashes to ``stored_digest`` (constant-time)."""
    return constant_time_equal(token_digest(token), stored_digest)
