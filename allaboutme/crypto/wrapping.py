"""Key wrapping: encrypting one 256-bit key under another.

Keys are wrapped with AES-256-GCM-SIV where the installed ``cryptography`` and
its OpenSSL support it (nonce misuse resistant, so a repeated random nonce under
a long-lived key encrypting many keys does no harm), else with AES-256-GCM. The
algorithm used is recorded next to the ciphertext, so both stay readable on any
host that supports them.

A stored wrapped key (tenant key under a root key, subject key under a tenant
key) is the self-describing blob::

    format (1 byte, =1) | algorithm (1) | nonce (12) | ciphertext+tag (48)
"""

from __future__ import annotations

import functools
import os
from typing import Final

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESGCMSIV

from allaboutme.crypto.aad import encode_fields
from allaboutme.crypto.errors import DecryptionError, EnvelopeError

KEY_BYTES: Final = 32
NONCE_BYTES: Final = 12
TAG_BYTES: Final = 16
WRAPPED_BYTES: Final = KEY_BYTES + TAG_BYTES

WRAP_AES_256_GCM_SIV: Final = 1
WRAP_AES_256_GCM: Final = 2
WRAP_ALGORITHMS: Final = frozenset({WRAP_AES_256_GCM_SIV, WRAP_AES_256_GCM})

BLOB_FORMAT: Final = 1
BLOB_BYTES: Final = 2 + NONCE_BYTES + WRAPPED_BYTES


def new_key() -> bytes:
    """A fresh random 256-bit key."""
    return os.urandom(KEY_BYTES)


def new_nonce() -> bytes:
    """A fresh random 96-bit nonce."""
    return os.urandom(NONCE_BYTES)


@functools.cache
def gcm_siv_available() -> bool:
    """Whether this host can really compute AES-GCM-SIV (probed once, lazily).

    The class exists in every supported ``cryptography`` release but raises
    ``UnsupportedAlgorithm`` when the linked OpenSSL lacks the mode.
    """
    try:
        AESGCMSIV(bytes(KEY_BYTES)).encrypt(bytes(NONCE_BYTES), b"", None)
    except UnsupportedAlgorithm:
        return False
    return True


def preferred_wrap_algorithm() -> int:
    """AES-GCM-SIV when available, else AES-GCM."""
    return WRAP_AES_256_GCM_SIV if gcm_siv_available() else WRAP_AES_256_GCM


def _wrap_cipher(algorithm: int, kek: bytes) -> AESGCM | AESGCMSIV:
    if len(kek) != KEY_BYTES:
        raise ValueError("wrapping key must be 32 bytes")
    if algorithm == WRAP_AES_256_GCM_SIV:
        if not gcm_siv_available():
            raise EnvelopeError("AES-GCM-SIV is not supported on this host")
        return AESGCMSIV(kek)
    if algorithm == WRAP_AES_256_GCM:
        return AESGCM(kek)
    raise EnvelopeError("unknown key wrap algorithm")


def encrypt_key(algorithm: int, kek: bytes, nonce: bytes, key: bytes, aad: bytes) -> bytes:
    """Encrypt a 32-byte ``key`` under ``kek``; returns ciphertext+tag (48 bytes)."""
    if len(key) != KEY_BYTES or len(nonce) != NONCE_BYTES:
        raise ValueError("key must be 32 bytes and nonce 12 bytes")
    return _wrap_cipher(algorithm, kek).encrypt(nonce, key, aad)


def decrypt_key(algorithm: int, kek: bytes, nonce: bytes, wrapped: bytes, aad: bytes) -> bytes:
    """Inverse of :func:`encrypt_key`; raises :class:`DecryptionError` on any mismatch."""
    cipher = _wrap_cipher(algorithm, kek)
    try:
        key = cipher.decrypt(nonce, wrapped, aad)
    except InvalidTag:
        raise DecryptionError("key unwrap failed") from None
    if len(key) != KEY_BYTES:
        raise DecryptionError("key unwrap failed")
    return key


def wrap_key(
    kek: bytes,
    key: bytes,
    aad: bytes,
    *,
    algorithm: int | None = None,
    _nonce: bytes | None = None,
) -> bytes:
    """Wrap ``key`` under ``kek`` into a stored blob bound to ``aad``.

    ``_nonce`` exists only for fixed test vectors.
    """
    algorithm = preferred_wrap_algorithm() if algorithm is None else algorithm
    header = bytes([BLOB_FORMAT, algorithm])
    nonce = new_nonce() if _nonce is None else _nonce
    ciphertext = encrypt_key(algorithm, kek, nonce, key, encode_fields(b"wrapped-key", header, aad))
    return header + nonce + ciphertext


def unwrap_key(kek: bytes, blob: bytes, aad: bytes) -> bytes:
    """Open a blob made by :func:`wrap_key`; fails closed on anything unexpected."""
    if not isinstance(blob, bytes | bytearray | memoryview):
        raise EnvelopeError("wrapped key is not bytes")
    blob = bytes(blob)
    if len(blob) != BLOB_BYTES:
        raise EnvelopeError("wrapped key has the wrong length")
    if blob[0] != BLOB_FORMAT:
        raise EnvelopeError("unknown wrapped key format")
    if blob[1] not in WRAP_ALGORITHMS:
        raise EnvelopeError("unknown key wrap algorithm")
    header, nonce, wrapped = blob[:2], blob[2 : 2 + NONCE_BYTES], blob[2 + NONCE_BYTES :]
    return decrypt_key(blob[1], kek, nonce, wrapped, encode_fields(b"wrapped-key", header, aad))
