"""Typed settings read from ``ALLABOUTME_*`` environment variables.

Local development must work with no configuration at all, so every secret has a
default that is generated once into the instance folder. Production must never
run on such a default: ``ALLABOUTME_ENV=production`` refuses to start unless
every secret, both databases and the rate limit store were named from outside.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigurationError(RuntimeError):
    """The settings are unusable; the service must not start."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
# Settings whose local defaults (files, process memory) a second worker or host
# would not share: production must name them.
SHARED_STATE_URLS = (
    "ALLABOUTME_DATABASE_URL",
    "ALLABOUTME_KEYSTORE_URL",
    "ALLABOUTME_RATELIMIT_STORAGE_URL",
)


@dataclass(frozen=True)
class PasswordCost:
    """Argon2id work factors; tests pass cheaper ones, production keeps the defaults."""

    time_cost: int = 3
    memory_cost_kib: int = 64 * 1024
    parallelism: int = 1


MAX_NICE = 19


@dataclass(frozen=True)
class ImageWork:
    """Where uploads are cleaned: processes per server process, how nice, how many wait.

    ``processes`` 0 cleans on the request thread itself (tools, debugging). At most
    ``processes + queue`` uploads are taken at once per server process, so that they
    never hold every request thread; keep that below ``ALLABOUTME_THREADS``.
    """

    processes: int = 1
    nice: int = 10
    queue: int = 1


@dataclass(frozen=True)
class Settings:
    env: str
    instance_path: Path
    database_url: str
    keystore_url: str
    root_key_file: Path
    secret_key: str
    password_pepper: str
    ratelimit_storage_url: str
    ratelimits_enabled: bool
    mfa_enabled: bool
    audit_signing_key_file: Path = Path("audit-signing-key.pem")
    trusted_proxies: int = 0
    generated: frozenset[str] = field(default_factory=frozenset)
    defaulted: frozenset[str] = field(default_factory=frozenset)
    password_cost: PasswordCost = field(default_factory=PasswordCost)
    image_work: ImageWork = field(default_factory=ImageWork)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def secure_cookies(self) -> bool:
        return self.env != "development" and self.env != "testing"


def _flag(environ: dict[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigurationError(f"{name} must be 'on' or 'off', not {raw!r}")


def _count(environ: dict[str, str], name: str, default: int) -> int:
    raw = (environ.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ConfigurationError(f"{name} must be a whole number (0 or more), not {raw!r}")
    return int(raw)


def _image_work(environ: dict[str, str]) -> ImageWork:
    nice = _count(environ, "ALLABOUTME_IMAGE_NICE", ImageWork.nice)
    if nice > MAX_NICE:
        raise ConfigurationError(f"ALLABOUTME_IMAGE_NICE must be 0 to {MAX_NICE}, not {nice}")
    return ImageWork(
        processes=_count(environ, "ALLABOUTME_IMAGE_PROCESSES", ImageWork.processes),
        nice=nice,
        queue=_count(environ, "ALLABOUTME_IMAGE_QUEUE", ImageWork.queue),
    )


def _generated_secret(instance_path: Path, name: str) -> str:
    """Read a development secret from the instance folder, creating it once."""
    path = instance_path / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build the settings from the environment, generating development defaults."""
    env_vars = dict(os.environ if environ is None else environ)
    env = env_vars.get("ALLABOUTME_ENV", "development").strip() or "development"
    if env not in {"development", "testing", "production"}:
        raise ConfigurationError("ALLABOUTME_ENV must be development, testing or production")
    instance_path = Path(env_vars.get("ALLABOUTME_INSTANCE_PATH") or "instance").resolve()
    generated: set[str] = set()

    def secret(var: str, filename: str) -> str:
        supplied = env_vars.get(var)
        if supplied:
            return supplied
        generated.add(var)
        return _generated_secret(instance_path, filename)

    root_key_file = env_vars.get("ALLABOUTME_ROOT_KEY_FILE")
    if not root_key_file:
        generated.add("ALLABOUTME_ROOT_KEY_FILE")
    signing_key_file = env_vars.get("ALLABOUTME_AUDIT_SIGNING_KEY_FILE")
    if not signing_key_file:
        generated.add("ALLABOUTME_AUDIT_SIGNING_KEY_FILE")
    defaulted = {name for name in SHARED_STATE_URLS if not env_vars.get(name)}
    settings = Settings(
        env=env,
        instance_path=instance_path,
        database_url=env_vars.get("ALLABOUTME_DATABASE_URL")
        or _sqlite_url(instance_path / "allaboutme.sqlite3"),
        keystore_url=env_vars.get("ALLABOUTME_KEYSTORE_URL")
        or _sqlite_url(instance_path / "keystore.sqlite3"),
        root_key_file=Path(root_key_file or instance_path / "root-keys.json"),
        secret_key=secret("ALLABOUTME_SECRET_KEY", "secret-key"),
        password_pepper=secret("ALLABOUTME_PASSWORD_PEPPER", "password-pepper"),
        ratelimit_storage_url=env_vars.get("ALLABOUTME_RATELIMIT_STORAGE_URL") or "memory://",
        ratelimits_enabled=_flag(env_vars, "ALLABOUTME_RATELIMITS", True),
        mfa_enabled=_flag(env_vars, "ALLABOUTME_MFA", True),
        audit_signing_key_file=Path(signing_key_file or instance_path / "audit-signing-key.pem"),
        trusted_proxies=_count(env_vars, "ALLABOUTME_TRUSTED_PROXIES", 0),
        image_work=_image_work(env_vars),
        generated=frozenset(generated),
        defaulted=frozenset(defaulted),
    )
    check_production(settings)
    return settings


def check_production(settings: Settings) -> None:
    """Refuse to run production on generated secrets, local state or demo switches.

    The databases and the rate limit store default to files and memory of this
    one process; a second worker or host would not see them, so production must
    name them. The key store must be a database of its own, so that a backup of
    the data alone cannot be read.
    """
    if not settings.is_production:
        return
    missing = settings.generated | settings.defaulted
    if missing:
        names = ", ".join(sorted(missing))
        raise ConfigurationError(f"production needs these set from outside: {names}")
    if not settings.mfa_enabled:
        raise ConfigurationError("ALLABOUTME_MFA=off is for the local demo only")
    if is_same_database(settings.keystore_url, settings.database_url):
        raise ConfigurationError("the key store must not share the data database")


def is_same_database(first_url: str, second_url: str) -> bool:
    """Both URLs name one database (whatever the driver, user or password)."""
    try:
        first, second = make_url(first_url), make_url(second_url)
    except ArgumentError:
        raise ConfigurationError("a database URL is not a valid SQLAlchemy URL") from None
    return (first.get_backend_name(), first.host, first.port, first.database) == (
        second.get_backend_name(),
        second.host,
        second.port,
        second.database,
    )
