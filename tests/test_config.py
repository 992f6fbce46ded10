"""Settings: safe local defaults, and a production that refuses them."""

from __future__ import annotations

import stat

import pytest

from allaboutme.config import ConfigurationError, ImageWork, load_settings


def test_development_generates_secrets_once_into_the_instance_folder(tmp_path):
    env = {"ALLABOUTME_INSTANCE_PATH": str(tmp_path)}
    first = load_settings(env)
    second = load_settings(env)
    assert first.secret_key == second.secret_key
    assert len(first.secret_key) >= 40
    assert stat.S_IMODE((tmp_path / "secret-key").stat().st_mode) == 0o600
    assert first.database_url.startswith("sqlite:///") and str(tmp_path) in first.database_url
    assert first.keystore_url != first.database_url
    assert first.mfa_enabled and first.ratelimits_enabled


def test_production_refuses_generated_secrets(tmp_path):
    with pytest.raises(ConfigurationError, match="ALLABOUTME_SECRET_KEY"):
        load_settings({"ALLABOUTME_INSTANCE_PATH": str(tmp_path), "ALLABOUTME_ENV": "production"})


def production_environment(tmp_path) -> dict[str, str]:
    """Everything production needs named, on PostgreSQL and Redis."""
    return {
        "ALLABOUTME_INSTANCE_PATH": str(tmp_path),
        "ALLABOUTME_ENV": "production",
        "ALLABOUTME_SECRET_KEY": "s" * 50,
        "ALLABOUTME_PASSWORD_PEPPER": "p" * 50,
        "ALLABOUTME_ROOT_KEY_FILE": str(tmp_path / "root.json"),
        "ALLABOUTME_AUDIT_SIGNING_KEY_FILE": str(tmp_path / "audit.pem"),
        "ALLABOUTME_DATABASE_URL": "postgresql+psycopg://app@db.internal:5432/allaboutme",
        "ALLABOUTME_KEYSTORE_URL": "postgresql+psycopg://keys@db.internal:5432/allaboutme_keys",
        "ALLABOUTME_RATELIMIT_STORAGE_URL": "redis://cache.internal:6379/0",
    }


def test_production_refuses_mfa_off(tmp_path):
    env = production_environment(tmp_path) | {"ALLABOUTME_MFA": "off"}
    with pytest.raises(ConfigurationError, match="MFA"):
        load_settings(env)
    env["ALLABOUTME_MFA"] = "on"
    settings = load_settings(env)
    assert settings.is_production and settings.secure_cookies


def test_switches_must_be_on_or_off(tmp_path):
    with pytest.raises(ConfigurationError):
        load_settings({"ALLABOUTME_INSTANCE_PATH": str(tmp_path), "ALLABOUTME_MFA": "maybe"})


@pytest.mark.parametrize(
    "unset",
    ["ALLABOUTME_DATABASE_URL", "ALLABOUTME_KEYSTORE_URL", "ALLABOUTME_RATELIMIT_STORAGE_URL"],
)
def test_production_refuses_local_files_and_memory_for_shared_state(tmp_path, unset):
    env = production_environment(tmp_path)
    del env[unset]
    with pytest.raises(ConfigurationError, match=unset):
        load_settings(env)


@pytest.mark.parametrize(
    "keystore_url",
    [
        "postgresql+psycopg://app@db.internal:5432/allaboutme",
        "postgresql://other:password@db.internal:5432/allaboutme",
    ],
)
def test_production_refuses_a_key_store_inside_the_data_database(tmp_path, keystore_url):
    env = production_environment(tmp_path) | {"ALLABOUTME_KEYSTORE_URL": keystore_url}
    with pytest.raises(ConfigurationError, match="key store"):
        load_settings(env)


def test_trusted_proxies_default_to_none_and_must_be_a_count(tmp_path):
    env = {"ALLABOUTME_INSTANCE_PATH": str(tmp_path)}
    assert load_settings(env).trusted_proxies == 0
    assert load_settings(env | {"ALLABOUTME_TRUSTED_PROXIES": "2"}).trusted_proxies == 2
    for wrong in ("-1", "yes", "1.5"):
        with pytest.raises(ConfigurationError, match="ALLABOUTME_TRUSTED_PROXIES"):
            load_settings(env | {"ALLABOUTME_TRUSTED_PROXIES": wrong})


def test_image_work_is_read_from_the_environment_and_bounded(tmp_path):
    env = {"ALLABOUTME_INSTANCE_PATH": str(tmp_path)}
    assert load_settings(env).image_work == ImageWork(processes=1, nice=10, queue=1)
    env |= {
        "ALLABOUTME_IMAGE_PROCESSES": "2",
        "ALLABOUTME_IMAGE_NICE": "19",
        "ALLABOUTME_IMAGE_QUEUE": "0",
    }
    assert load_settings(env).image_work == ImageWork(processes=2, nice=19, queue=0)
    for name, value in (("ALLABOUTME_IMAGE_NICE", "20"), ("ALLABOUTME_IMAGE_PROCESSES", "-1")):
        with pytest.raises(ConfigurationError, match=name):
            load_settings(env | {name: value})
