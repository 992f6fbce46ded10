"""Root keys: the top of the hierarchy, kept outside every database.

A root key only ever wraps tenant keys. The key store talks to it through the
small :class:`RootKeyProvider` protocol, so production can plug in a KMS or
Vault transit engine (which already take a key version and an encryption
context) while development uses :class:`FileRootKeyProvider`, a 0600 JSON file
holding several versions so the root key can rotate::

    {"format": "allaboutme-root-keys", "format_version": 1,
     "current": 2, "keys": {"1": "<base64>", "2": "<base64>"}}

Rotating the root key: :func:`add_root_key_version`, restart the app so it
wraps new tenant keys under the new version, run ``Vault.rotate_root()``, and
once ``status()`` shows no tenant key left on the old version,
:func:`remove_root_key_version`.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import stat
from pathlib import Path
from typing import Any, Final, Protocol, runtime_checkable

from allaboutme.crypto.errors import RootKeyError
from allaboutme.crypto.wrapping import KEY_BYTES, new_key, unwrap_key, wrap_key

FILE_FORMAT: Final = "allaboutme-root-keys"
FILE_FORMAT_VERSION: Final = 1


@runtime_checkable
class RootKeyProvider(Protocol):
    """Wraps and unwraps tenant keys under a numbered root key version."""

    @property
    def current_version(self) -> int:
        """The version new tenant keys are wrapped under."""
        ...

    def wrap(self, version: int, key: bytes, aad: bytes) -> bytes:
        """Encrypt ``key`` under root key ``version``, bound to ``aad``."""
        ...

    def unwrap(self, version: int, wrapped: bytes, aad: bytes) -> bytes:
        """Inverse of :meth:`wrap`; raises a ``CryptoError`` on any mismatch."""
        ...


class FileRootKeyProvider:
    """Root keys read once from a 0600 key file (development and small installs).

    The file is read in the constructor and read again when a key names a
    version this process has not seen, so running servers keep working while
    ``keys rotate --root`` adds a version and re-wraps the authority keys.
    """

    def __init__(self, path: str | os.PathLike[str], *, wrap_algorithm: int | None = None):
        self.path = Path(path)
        self._current, self._keys = _read_key_file(self.path)
        self._read_mtime = self.path.stat().st_mtime_ns
        self._wrap_algorithm = wrap_algorithm

    def _refresh(self) -> None:
        """Read the file again if it changed (a version was added or retired)."""
        mtime = self.path.stat().st_mtime_ns
        if mtime != self._read_mtime:
            self._current, self._keys = _read_key_file(self.path)
            self._read_mtime = mtime

    def __repr__(self) -> str:
        return f"FileRootKeyProvider({str(self.path)!r}, versions={sorted(self._keys)})"

    @property
    def current_version(self) -> int:
        self._refresh()
        return self._current

    @property
    def versions(self) -> tuple[int, ...]:
        """Every root key version present in the file."""
        return tuple(sorted(self._keys))

    def _key(self, version: int) -> bytes:
        if version not in self._keys:
            self._refresh()
        try:
            return self._keys[version]
        except KeyError:
            raise RootKeyError(f"root key version {version} is not in the key file") from None

    def wrap(self, version: int, key: bytes, aad: bytes) -> bytes:
        return wrap_key(self._key(version), key, aad, algorithm=self._wrap_algorithm)

    def unwrap(self, version: int, wrapped: bytes, aad: bytes) -> bytes:
        return unwrap_key(self._key(version), wrapped, aad)


def generate_root_key_file(path: str | os.PathLike[str]) -> None:
    """Create a new key file with one random root key (version 1), mode 0600.

    Refuses to overwrite an existing file: losing a root key loses every key
    below it.
    """
    _write_new(Path(path), {1: new_key()}, current=1)


def add_root_key_version(path: str | os.PathLike[str]) -> int:
    """Add a fresh root key version to the file, make it current, return its number."""
    path = Path(path)
    _current, keys = _read_key_file(path)
    version = max(keys) + 1
    keys[version] = new_key()
    _replace(path, keys, current=version)
    return version


def remove_root_key_version(path: str | os.PathLike[str], version: int) -> None:
    """Remove a retired root key version (never the current one).

    Only do this once ``Vault.status()`` shows no tenant key wrapped under it.
    """
    path = Path(path)
    current, keys = _read_key_file(path)
    if version == current:
        raise RootKeyError("refusing to remove the current root key version")
    if version not in keys:
        raise RootKeyError(f"root key version {version} is not in the key file")
    del keys[version]
    _replace(path, keys, current=current)


def _read_key_file(path: Path) -> tuple[int, dict[int, bytes]]:
    """Read and validate a key file; refuses one readable by group or others."""
    try:
        with path.open("rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            raw = handle.read()
    except OSError as exc:
        raise RootKeyError(f"cannot read root key file {path}: {exc.strerror}") from None
    if stat.S_IMODE(mode) & 0o077:
        raise RootKeyError(f"root key file {path} must be mode 0600")
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise RootKeyError(f"root key file {path} is not valid JSON") from None
    return _parse_document(document, path)


def _parse_document(document: Any, path: Path) -> tuple[int, dict[int, bytes]]:
    if not isinstance(document, dict) or document.get("format") != FILE_FORMAT:
        raise RootKeyError(f"{path} is not an allaboutme root key file")
    if document.get("format_version") != FILE_FORMAT_VERSION:
        raise RootKeyError(f"{path} has an unknown format version")
    keys: dict[int, bytes] = {}
    entries = document.get("keys")
    if not isinstance(entries, dict) or not entries:
        raise RootKeyError(f"{path} holds no keys")
    for name, encoded in entries.items():
        try:
            version, key = int(name), base64.b64decode(encoded, validate=True)
        except (TypeError, ValueError, binascii.Error):
            raise RootKeyError(f"{path} holds a malformed key entry") from None
        if version < 1 or len(key) != KEY_BYTES:
            raise RootKeyError(f"{path} holds a malformed key entry")
        keys[version] = key
    current = document.get("current")
    if isinstance(current, bool) or not isinstance(current, int) or current not in keys:
        raise RootKeyError(f"{path} names a current version it does not hold")
    return current, keys


def _serialise(keys: dict[int, bytes], current: int) -> bytes:
    document = {
        "format": FILE_FORMAT,
        "format_version": FILE_FORMAT_VERSION,
        "current": current,
        "keys": {str(v): base64.b64encode(k).decode("ascii") for v, k in sorted(keys.items())},
    }
    return (json.dumps(document, indent=2) + "\n").encode("ascii")


def _write_new(path: Path, keys: dict[int, bytes], current: int) -> None:
    """Create ``path`` exclusively with mode 0600 and write the key document."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise RootKeyError(f"refusing to overwrite existing root key file {path}") from None
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, _serialise(keys, current))
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace(path: Path, keys: dict[int, bytes], current: int) -> None:
    """Atomically replace the key file, so a crash leaves the old or the new file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    _write_new(temporary, keys, current)
    try:
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
