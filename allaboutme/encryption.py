"""The application's vault: built once from the settings, reached from services.

``crypto`` knows nothing of Flask; this module wires it to the app: the root
key file (generated once in development), the separate key store database,
and the :class:`~allaboutme.crypto.Vault` every encrypted column goes through.
"""

from __future__ import annotations

import os

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import Engine

from allaboutme.config import Settings
from allaboutme.crypto import (
    FileRootKeyProvider,
    KeyNotFoundError,
    RecordContext,
    Vault,
    create_keystore_engine,
    generate_root_key_file,
    generate_signing_keypair,
)
from allaboutme.crypto.vault import KeyCache
from allaboutme.pool_health import ping_after_idle

_EXTENSION = "allaboutme.vault"

__all__ = [
    "KeyNotFoundError",
    "RecordContext",
    "ensure_case_key",
    "ensure_child_key",
    "destroy_case_key",
    "destroy_child_key",
    "ensure_tenant_key",
    "init_app",
    "open",
    "open_many",
    "seal",
    "vault",
]


def build_vault(settings: Settings) -> Vault:
    if not settings.root_key_file.exists() and "ALLABOUTME_ROOT_KEY_FILE" in settings.generated:
        settings.root_key_file.parent.mkdir(parents=True, exist_ok=True)
        generate_root_key_file(settings.root_key_file)
    return Vault(
        _keystore_engine(settings.keystore_url), FileRootKeyProvider(settings.root_key_file)
    )


def _keystore_engine(url: str) -> Engine:
    """The key store's engine; a server's pooled connections are pinged only after idling."""
    if url.startswith("sqlite"):
        return create_keystore_engine(url)
    engine = create_keystore_engine(url, pool_pre_ping=False)
    ping_after_idle(engine)
    return engine


def init_app(app: Flask, settings: Settings) -> Vault:
    built = build_vault(settings)
    app.extensions[_EXTENSION] = built
    return built


def vault() -> Vault:
    return current_app.extensions[_EXTENSION]


def _request_keys() -> KeyCache | None:
    """This request's unwrapped subject keys: each is read from the key store once.

    They live as long as the request (its app context) and no longer; destroying
    a key empties them first (below).
    """
    if not has_app_context():
        return None
    return g.setdefault("_subject_keys", {})


def seal(plaintext: bytes, context: RecordContext) -> bytes:
    return vault().seal(plaintext, context, _request_keys())


def open(envelope: bytes, context: RecordContext) -> bytes:  # noqa: A001 - mirrors Vault.open
    return vault().open(envelope, context, _request_keys())


def open_many(items: list[tuple[bytes, RecordContext]]) -> list[bytes]:
    return vault().open_many(items, _request_keys())


def destroy_child_key(child_id: str) -> bool:
    """Erase a child's key (see ``Vault.destroy_child_key``), forgetting any copy held here."""
    g.pop("_subject_keys", None)
    return vault().destroy_child_key(child_id)


def destroy_case_key(child_id: str) -> bool:
    """End a child's case records (see ``Vault.destroy_case_key``), forgetting any copy held."""
    g.pop("_subject_keys", None)
    return vault().destroy_case_key(child_id)


def ensure_child_key(tenant_id: str, child_id: str) -> None:
    vault().ensure_child_key(tenant_id, child_id)


def ensure_case_key(tenant_id: str, child_id: str) -> None:
    vault().ensure_case_key(tenant_id, child_id)


def ensure_tenant_key(tenant_id: str) -> None:
    vault().ensure_tenant_key(tenant_id)


def is_ready() -> bool:
    """The root keys can be read and the key store answers."""
    vault().status()
    return True


def audit_signing_key(settings: Settings) -> bytes:
    """The Ed25519 key that signs audit checkpoints (generated once in development)."""
    path = settings.audit_signing_key_file
    if not path.exists() and "ALLABOUTME_AUDIT_SIGNING_KEY_FILE" in settings.generated:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(generate_signing_keypair().private_pem)
    return path.read_bytes()
