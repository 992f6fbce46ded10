"""The self-describing envelope every encrypted record is stored as.

Layout (integers big-endian)::

    magic "AAM" (3) | format version (1, =1) | data algorithm (1, =1 AES-256-GCM)
    | key wrap algorithm (1: 1 AES-256-GCM-SIV, 2 AES-256-GCM)
    | subject kind (1: 1 child, 2 tenant) | subject key version (u32)
    | subject id length (u16) | subject id (UTF-8)            <- header ends here
    | wrap nonce (12) | wrapped data key (48)
    | data nonce (12) | ciphertext || GCM tag (16)

Every seal draws a fresh 256-bit data key. The data key is wrapped under the
subject key (the child's, or the tenant's own) with associated data naming the
header and the record context; the plaintext is encrypted under the data key
with associated data naming everything before the data nonce and the record
context. So any flipped bit, and any use in another context, fails to open.
Because the subject key never changes on rotation, envelopes are never rewritten.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from allaboutme.crypto.aad import (
    SUBJECT_CASE,
    SUBJECT_CHILD,
    SUBJECT_TENANT,
    RecordContext,
    encode_fields,
    record_aad,
    u32,
)
from allaboutme.crypto.errors import DecryptionError, EnvelopeError
from allaboutme.crypto.wrapping import (
    KEY_BYTES,
    NONCE_BYTES,
    TAG_BYTES,
    WRAP_ALGORITHMS,
    WRAPPED_BYTES,
    decrypt_key,
    encrypt_key,
    new_key,
    new_nonce,
    preferred_wrap_algorithm,
)

MAGIC: Final = b"AAM"
FORMAT_VERSION: Final = 1
ALG_AES_256_GCM: Final = 1
KIND_CODES: Final = {SUBJECT_CHILD: 1, SUBJECT_TENANT: 2, SUBJECT_CASE: 3}
KIND_NAMES: Final = {code: name for name, code in KIND_CODES.items()}

_FIXED = struct.Struct(">3sBBBBIH")
_BODY_MIN_BYTES: Final = NONCE_BYTES + WRAPPED_BYTES + NONCE_BYTES + TAG_BYTES
MIN_ENVELOPE_BYTES: Final = _FIXED.size + 1 + _BODY_MIN_BYTES


@dataclass(frozen=True, slots=True)
class KeyRef:
    """Which subject key an envelope needs: its kind, owner id and version."""

    kind: str
    subject_id: str
    version: int


@dataclass(frozen=True, slots=True)
class Envelope:
    """A parsed (not yet authenticated) envelope."""

    wrap_algorithm: int
    key_ref: KeyRef
    header: bytes
    wrap_nonce: bytes
    wrapped_key: bytes
    nonce: bytes
    ciphertext: bytes

    @property
    def authenticated_prefix(self) -> bytes:
        """Everything before the data nonce, authenticated as associated data."""
        return self.header + self.wrap_nonce + self.wrapped_key


def _header(wrap_algorithm: int, ctx: RecordContext, key_version: int) -> bytes:
    subject = ctx.subject_id.encode("utf-8")
    u32(key_version)
    return (
        _FIXED.pack(
            MAGIC,
            FORMAT_VERSION,
            ALG_AES_256_GCM,
            wrap_algorithm,
            KIND_CODES[ctx.subject_kind],
            key_version,
            len(subject),
        )
        + subject
    )


def seal_envelope(
    subject_key: bytes,
    key_version: int,
    plaintext: bytes,
    ctx: RecordContext,
    *,
    wrap_algorithm: int | None = None,
    _data_key: bytes | None = None,
    _wrap_nonce: bytes | None = None,
    _nonce: bytes | None = None,
) -> bytes:
    """Encrypt ``plaintext`` for ``ctx`` under a fresh data key wrapped by ``subject_key``.

    The underscore parameters exist only so fixed test vectors can pin the
    random inputs; production code never passes them.
    """
    if not isinstance(plaintext, bytes | bytearray | memoryview):
        raise TypeError("plaintext must be bytes")
    wrap_algorithm = preferred_wrap_algorithm() if wrap_algorithm is None else wrap_algorithm
    if wrap_algorithm not in WRAP_ALGORITHMS:
        raise ValueError("unknown key wrap algorithm")
    data_key = new_key() if _data_key is None else _data_key
    wrap_nonce = new_nonce() if _wrap_nonce is None else _wrap_nonce
    nonce = new_nonce() if _nonce is None else _nonce
    if len(data_key) != KEY_BYTES or len(nonce) != NONCE_BYTES:
        raise ValueError("data key must be 32 bytes and nonce 12 bytes")
    header = _header(wrap_algorithm, ctx, key_version)
    context = record_aad(ctx, key_version)
    wrapped = encrypt_key(
        wrap_algorithm,
        subject_key,
        wrap_nonce,
        data_key,
        encode_fields(b"data-key", header, context),
    )
    prefix = header + wrap_nonce + wrapped
    ciphertext = AESGCM(data_key).encrypt(
        nonce, bytes(plaintext), encode_fields(b"data", prefix, context)
    )
    return prefix + nonce + ciphertext


def parse_envelope(data: bytes) -> Envelope:
    """Split envelope bytes into their parts, failing closed on anything unknown."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise EnvelopeError("envelope is not bytes")
    data = bytes(data)
    if len(data) < MIN_ENVELOPE_BYTES:
        raise EnvelopeError("envelope is truncated")
    magic, fmt, alg, wrap_alg, kind, version, id_len = _FIXED.unpack_from(data)
    if magic != MAGIC:
        raise EnvelopeError("not an allaboutme envelope")
    if fmt != FORMAT_VERSION:
        raise EnvelopeError("unknown envelope format version")
    if alg != ALG_AES_256_GCM:
        raise EnvelopeError("unknown data algorithm")
    if wrap_alg not in WRAP_ALGORITHMS:
        raise EnvelopeError("unknown key wrap algorithm")
    if kind not in KIND_NAMES:
        raise EnvelopeError("unknown subject kind")
    header_end = _FIXED.size + id_len
    if id_len == 0 or len(data) < header_end + _BODY_MIN_BYTES:
        raise EnvelopeError("envelope is truncated")
    try:
        subject_id = data[_FIXED.size : header_end].decode("utf-8")
    except UnicodeDecodeError:
        raise EnvelopeError("malformed subject id") from None
    wrap_end = header_end + NONCE_BYTES + WRAPPED_BYTES
    return Envelope(
        wrap_algorithm=wrap_alg,
        key_ref=KeyRef(KIND_NAMES[kind], subject_id, version),
        header=data[:header_end],
        wrap_nonce=data[header_end : header_end + NONCE_BYTES],
        wrapped_key=data[header_end + NONCE_BYTES : wrap_end],
        nonce=data[wrap_end : wrap_end + NONCE_BYTES],
        ciphertext=data[wrap_end + NONCE_BYTES :],
    )


def check_context(envelope: Envelope, ctx: RecordContext) -> None:
    """Reject an envelope whose key reference names another subject than ``ctx``."""
    ref = envelope.key_ref
    if ref.kind != ctx.subject_kind or ref.subject_id != ctx.subject_id:
        raise DecryptionError("envelope does not belong to this record")


def open_envelope(subject_key: bytes, envelope: Envelope, ctx: RecordContext) -> bytes:
    """Authenticate and decrypt a parsed envelope for ``ctx``."""
    check_context(envelope, ctx)
    context = record_aad(ctx, envelope.key_ref.version)
    data_key = decrypt_key(
        envelope.wrap_algorithm,
        subject_key,
        envelope.wrap_nonce,
        envelope.wrapped_key,
        encode_fields(b"data-key", envelope.header, context),
    )
    try:
        return AESGCM(data_key).decrypt(
            envelope.nonce,
            envelope.ciphertext,
            encode_fields(b"data", envelope.authenticated_prefix, context),
        )
    except InvalidTag:
        raise DecryptionError("envelope authentication failed") from None
