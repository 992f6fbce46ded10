"""Create, once, the key files and secrets that production reads from outside.

``ALLABOUTME_ENV=production`` refuses generated secrets, so an install needs
them made before its first start. ``python -m allaboutme.provision DIRECTORY``
writes into DIRECTORY (mode 0700), each file mode 0600:

- ``root-keys.json``: the root key file (``ALLABOUTME_ROOT_KEY_FILE``);
- ``audit-signing-key.pem``: the Ed25519 key that signs audit checkpoints;
- ``secrets.env``: ``KEY=value`` lines for the session key, the password pepper
  and the paths of the two key files, ready for systemd's ``EnvironmentFile=``.

A file that exists is kept as it is, never replaced: a new root key or pepper
would make every key and password made under the old one unusable. Nothing here
talks to a database. Back the directory up apart from the database backups.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path

from allaboutme.crypto import generate_root_key_file, generate_signing_keypair

ROOT_KEY_FILE = "root-keys.json"
SIGNING_KEY_FILE = "audit-signing-key.pem"
SECRETS_FILE = "secrets.env"


@dataclass
class Provisioned:
    """Which files this run created, and which it found and kept."""

    directory: Path
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def provision(directory: Path) -> Provisioned:
    """Make whatever of the three files is missing in ``directory``; keep the rest."""
    directory = directory.resolve()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    report = Provisioned(directory)
    makers = {
        ROOT_KEY_FILE: generate_root_key_file,
        SIGNING_KEY_FILE: _write_signing_key,
        SECRETS_FILE: _write_secrets,
    }
    for name, make in makers.items():
        path = directory / name
        if path.exists():
            report.kept.append(name)
        else:
            make(path)
            report.created.append(name)
    return report


def secrets_env_text(directory: Path) -> str:
    """The ``secrets.env`` document: fresh secrets, and where the key files are."""
    return (
        "# Made once by `python -m allaboutme.provision`. Keep it secret; never replace\n"
        "# the pepper (every password hash depends on it).\n"
        f"ALLABOUTME_SECRET_KEY={secrets.token_urlsafe(48)}\n"
        f"ALLABOUTME_PASSWORD_PEPPER={secrets.token_urlsafe(48)}\n"
        f"ALLABOUTME_ROOT_KEY_FILE={directory / ROOT_KEY_FILE}\n"
        f"ALLABOUTME_AUDIT_SIGNING_KEY_FILE={directory / SIGNING_KEY_FILE}\n"
    )


def _write_secrets(path: Path) -> None:
    _write_exclusive(path, secrets_env_text(path.parent).encode("ascii"))


def _write_signing_key(path: Path) -> None:
    _write_exclusive(path, generate_signing_keypair().private_pem)


def _write_exclusive(path: Path, content: bytes) -> None:
    """Create ``path`` readable by its owner only; fail rather than overwrite."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(path, flags, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m allaboutme.provision",
        description="Create the root key file, audit signing key and secrets, once.",
    )
    parser.add_argument("directory", type=Path, help="where the files go (created 0700)")
    report = provision(parser.parse_args(argv).directory)
    for name in report.created:
        print(f"created {report.directory / name}")
    for name in report.kept:
        print(f"kept    {report.directory / name}")
    print(f"environment: {report.directory / SECRETS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
