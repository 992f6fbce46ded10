"""All cryptography of allaboutme, behind a few plain functions and classes.

This package is the only importer of ``cryptography`` and ``argon2``, and it
imports nothing from Flask or the rest of the app: the app passes engines,
paths and secrets in. Child content is sealed by :class:`Vault` into
self-describing envelopes bound to their record (:class:`RecordContext`);
keys form the hierarchy root -> tenant -> subject (child) -> data key, with
everything below the root in a separate key store database.
"""

from allaboutme.crypto.aad import RecordContext
from allaboutme.crypto.envelope import KeyRef, parse_envelope
from allaboutme.crypto.errors import (
    CryptoError,
    DecryptionError,
    EnvelopeError,
    KeyDestroyedError,
    KeyNotFoundError,
    RootKeyError,
)
from allaboutme.crypto.keystore import KeyStore
from allaboutme.crypto.passwords import (
    DEFAULT_PARAMS,
    Argon2Params,
    dummy_verify,
    hash_secret,
    needs_rehash,
    verify_secret,
)
from allaboutme.crypto.rootkeys import (
    FileRootKeyProvider,
    RootKeyProvider,
    add_root_key_version,
    generate_root_key_file,
    remove_root_key_version,
)
from allaboutme.crypto.rotation import RotationReport
from allaboutme.crypto.schema import create_keystore_engine
from allaboutme.crypto.schema import metadata as keystore_metadata
from allaboutme.crypto.signing import (
    SigningKeyPair,
    generate_signing_keypair,
    public_pem_for,
    sign,
    verify,
)
from allaboutme.crypto.status import KeyStoreStatus
from allaboutme.crypto.tokens import constant_time_equal, new_token, token_digest, token_matches
from allaboutme.crypto.vault import Vault

__all__ = [
    "DEFAULT_PARAMS",
    "Argon2Params",
    "CryptoError",
    "DecryptionError",
    "EnvelopeError",
    "FileRootKeyProvider",
    "KeyDestroyedError",
    "KeyNotFoundError",
    "KeyRef",
    "KeyStore",
    "KeyStoreStatus",
    "RecordContext",
    "RootKeyError",
    "RootKeyProvider",
    "RotationReport",
    "SigningKeyPair",
    "Vault",
    "add_root_key_version",
    "constant_time_equal",
    "create_keystore_engine",
    "dummy_verify",
    "generate_root_key_file",
    "generate_signing_keypair",
    "hash_secret",
    "keystore_metadata",
    "needs_rehash",
    "new_token",
    "parse_envelope",
    "public_pem_for",
    "remove_root_key_version",
    "sign",
    "token_digest",
    "token_matches",
    "verify",
    "verify_secret",
]
