"""The failures the crypto package raises.

Every error derives from :class:`CryptoError` so the app can catch the family in
one place. Messages never contain key material or plaintext; they name ids and
versions at most, so they are safe to log.
"""

from __future__ import annotations


class CryptoError(Exception):
    """Base of every failure raised by ``allaboutme.crypto``."""


class EnvelopeError(CryptoError):
    """The bytes are not an envelope (or wrapped key) this code understands.

    Raised for a wrong magic, an unknown format version or algorithm, or
    truncation: the parser fails closed rather than guessing.
    """


class DecryptionError(CryptoError):
    """Authentication failed: wrong key, wrong context, or tampered bytes.

    Deliberately says nothing about *which* part did not match.
    """


class KeyNotFoundError(CryptoError):
    """No key exists for the tenant or subject asked for."""


class KeyDestroyedError(CryptoError):
    """The subject's key was destroyed (erasure); its data can never be opened."""


class RootKeyError(CryptoError):
    """The root key source is missing, unreadable, too permissive or lacks a version."""
