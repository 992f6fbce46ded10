"""The root key file: created once with mode 0600, versioned, never overwritten."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from allaboutme.crypto import (
    DecryptionError,
    FileRootKeyProvider,
    RootKeyError,
    RootKeyProvider,
    add_root_key_version,
    generate_root_key_file,
    remove_root_key_version,
)


def test_generated_file_is_0600_even_with_a_permissive_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        generate_root_key_file(tmp_path / "root.json")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "root.json").stat().st_mode) == 0o600
    provider = FileRootKeyProvider(tmp_path / "root.json")
    assert provider.current_version == 1
    assert isinstance(provider, RootKeyProvider)


def test_refuses_to_overwrite(root_key_file: Path) -> None:
    before = root_key_file.read_bytes()
    with pytest.raises(RootKeyError, match="refusing to overwrite"):
        generate_root_key_file(root_key_file)
    assert root_key_file.read_bytes() == before


def test_refuses_a_file_others_can_read(root_key_file: Path) -> None:
    root_key_file.chmod(0o640)
    with pytest.raises(RootKeyError, match="0600"):
        FileRootKeyProvider(root_key_file)


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        b"[]",
        b'{"format": "other"}',
        b'{"format": "allaboutme-root-keys", "format_version": 2, "current": 1, "keys": {}}',
        b'{"format": "allaboutme-root-keys", "format_version": 1, "current": 2,'
        b' "keys": {"1": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}}',
        b'{"format": "allaboutme-root-keys", "format_version": 1, "current": 1,'
        b' "keys": {"1": "c2hvcnQ="}}',
    ],
)
def test_malformed_files_are_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "root.json"
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(RootKeyError):
        FileRootKeyProvider(path)


def test_missing_file_is_a_root_key_error(tmp_path: Path) -> None:
    with pytest.raises(RootKeyError, match="cannot read"):
        FileRootKeyProvider(tmp_path / "absent.json")


def test_versions_are_added_and_retired(root_key_file: Path) -> None:
    old = FileRootKeyProvider(root_key_file)
    wrapped = old.wrap(1, b"k" * 32, b"aad")
    assert add_root_key_version(root_key_file) == 2
    assert stat.S_IMODE(root_key_file.stat().st_mode) == 0o600
    new = FileRootKeyProvider(root_key_file)
    assert (new.current_version, new.versions) == (2, (1, 2))
    assert new.unwrap(1, wrapped, b"aad") == b"k" * 32
    with pytest.raises(RootKeyError, match="current"):
        remove_root_key_version(root_key_file, 2)
    remove_root_key_version(root_key_file, 1)
    with pytest.raises(RootKeyError, match="version 1"):
        FileRootKeyProvider(root_key_file).unwrap(1, wrapped, b"aad")
    assert list(root_key_file.parent.glob(".*tmp")) == []


def test_wrapped_tenant_key_is_bound_to_version_and_aad(root_provider: FileRootKeyProvider) -> None:
    wrapped = root_provider.wrap(1, b"k" * 32, b"tenant la-1")
    with pytest.raises(DecryptionError):
        root_provider.unwrap(1, wrapped, b"tenant la-2")


def test_repr_and_file_hold_no_plain_key_outside_base64(root_key_file: Path) -> None:
    provider = FileRootKeyProvider(root_key_file)
    document = json.loads(root_key_file.read_text())
    assert document["keys"]["1"] not in repr(provider)
