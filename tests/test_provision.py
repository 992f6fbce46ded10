"""Provisioning makes the secrets production refuses to generate, once, owner-only."""

from __future__ import annotations

import stat

from allaboutme import create_app, provision
from allaboutme.config import load_settings
from allaboutme.crypto import FileRootKeyProvider


def read_env_file(path) -> dict[str, str]:
    lines = path.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_provision_creates_owner_only_files_that_production_accepts(tmp_path):
    directory = tmp_path / "secrets"
    report = provision.provision(directory)

    assert sorted(report.created) == sorted(
        [provision.ROOT_KEY_FILE, provision.SIGNING_KEY_FILE, provision.SECRETS_FILE]
    )
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    for name in report.created:
        assert stat.S_IMODE((directory / name).stat().st_mode) == 0o600
    FileRootKeyProvider(directory / provision.ROOT_KEY_FILE)  # a readable root key file

    secrets = read_env_file(directory / provision.SECRETS_FILE)
    assert len(secrets["ALLABOUTME_SECRET_KEY"]) >= 40
    assert secrets["ALLABOUTME_SECRET_KEY"] != secrets["ALLABOUTME_PASSWORD_PEPPER"]
    environment = secrets | {
        "ALLABOUTME_ENV": "production",
        "ALLABOUTME_INSTANCE_PATH": str(tmp_path / "instance"),
        "ALLABOUTME_DATABASE_URL": f"sqlite:///{tmp_path / 'data.sqlite3'}",
        "ALLABOUTME_KEYSTORE_URL": f"sqlite:///{tmp_path / 'keys.sqlite3'}",
        "ALLABOUTME_RATELIMIT_STORAGE_URL": "memory://",
    }
    settings = load_settings(environment)
    assert settings.is_production and not settings.generated
    create_app({"ALLABOUTME_SETTINGS": settings})  # reads the root key file


def test_provision_never_replaces_what_exists(tmp_path):
    provision.provision(tmp_path)
    before = {name: (tmp_path / name).read_bytes() for name in provision_files()}

    report = provision.provision(tmp_path)

    assert report.created == []
    assert sorted(report.kept) == sorted(provision_files())
    assert {name: (tmp_path / name).read_bytes() for name in provision_files()} == before


def test_provision_fills_in_only_what_is_missing(tmp_path):
    provision.provision(tmp_path)
    root_keys = (tmp_path / provision.ROOT_KEY_FILE).read_bytes()
    (tmp_path / provision.SIGNING_KEY_FILE).unlink()

    report = provision.provision(tmp_path)

    assert report.created == [provision.SIGNING_KEY_FILE]
    assert (tmp_path / provision.ROOT_KEY_FILE).read_bytes() == root_keys


def provision_files() -> list[str]:
    return [provision.ROOT_KEY_FILE, provision.SIGNING_KEY_FILE, provision.SECRETS_FILE]
