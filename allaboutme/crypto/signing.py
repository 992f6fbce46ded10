"""Ed25519 signatures, for audit checkpoints that can be verified elsewhere.

Keys travel as PEM (PKCS#8 private, SubjectPublicKeyInfo public) so they can
be stored in a secret store and published with standard tools.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from allaboutme.crypto.errors import CryptoError


@dataclass(frozen=True, slots=True)
class SigningKeyPair:
    """An Ed25519 key pair as PEM bytes; the private half is never printed."""

    private_pem: bytes = field(repr=False)
    public_pem: bytes


def generate_signing_keypair(password: bytes | None = None) -> SigningKeyPair:
    """A new Ed25519 key pair; the private PEM is encrypted when ``password`` is given."""
    private_key = Ed25519PrivateKey.generate()
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return SigningKeyPair(private_pem, public_pem)


def _private_key(private_pem: bytes, password: bytes | None) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(private_pem, password=password)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise CryptoError("not a usable private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CryptoError("private key is not Ed25519")
    return key


def _public_key(public_pem: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(public_pem)
    except (ValueError, UnsupportedAlgorithm):
        raise CryptoError("not a usable public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise CryptoError("public key is not Ed25519")
    return key


def public_pem_for(private_pem: bytes, password: bytes | None = None) -> bytes:
    """The public PEM of a private PEM (to publish alongside checkpoints)."""
    return (
        _private_key(private_pem, password)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def sign(private_pem: bytes, message: bytes, password: bytes | None = None) -> bytes:
    """A 64-byte Ed25519 signature of ``message``."""
    return _private_key(private_pem, password).sign(message)


def verify(public_pem: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is valid for ``message``; False for any bad signature.

    A malformed public key raises ``CryptoError``: that is a configuration
    fault, not a forged checkpoint, and must not pass silently as "invalid".
    """
    key = _public_key(public_pem)
    try:
        key.verify(bytes(signature), bytes(message))
    except InvalidSignature:
        return False
    return True
