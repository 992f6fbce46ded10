"""Settings: safe local defaults, and a production that refuses them."""

from __future__ import annotations

import stat

import pytest

from allaboutme.config import ConfigurationError, load_settings


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


def test_production_refuses_mfa_off(tmp_path):
    env = {
        "ALLABOUTME_INSTANCE_PATH": str(tmp_path),
        "ALLABOUTME_ENV": "production",
        "ALLABOUTME_SECRET_KEY": "s" * 50,
        "ALLABOUTME_PASSWORD_PEPPER": "p" * 50,
        "ALLABOUTME_ROOT_KEY_FILE": str(tmp_path / "root.json"),
        "ALLABOUTME_AUDIT_SIGNING_KEY_FILE": str(tmp_path / "audit.pem"),
        "ALLABOUTME_MFA": "off",
    }
    with pytest.raises(ConfigurationError, match="MFA"):
        load_settings(env)
    env["ALLABOUTME_MFA"] = "on"
    settings = load_settings(env)
    assert settings.is_production and settings.secure_cookies


def test_switches_must_be_on_or_off(tmp_path):
    with pytest.raises(ConfigurationError):
        load_settings({"ALLABOUTME_INSTANCE_PATH": str(tmp_path), "ALLABOUTME_MFA": "maybe"})
