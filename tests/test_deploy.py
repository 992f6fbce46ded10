"""The files in deploy/ agree with the code they configure.

An example environment that misses a setting, or a proxy whose body limit is
below the app's, fails here rather than on someone's first install.
"""

from __future__ import annotations

import re

from allaboutme import provision
from allaboutme.config import PROJECT_ROOT, load_settings
from allaboutme.media import imaging

DEPLOY = PROJECT_ROOT / "deploy"
SETTING = re.compile(r"ALLABOUTME_[A-Z_]*[A-Z]")
MIB = 1024 * 1024


def example_lines(*, commented: bool = True) -> dict[str, str]:
    """Settings of the example environment; the commented-out ones too, if asked."""
    found = {}
    for line in (DEPLOY / "allaboutme.env.example").read_text().splitlines():
        match = re.fullmatch(r"(#?)(ALLABOUTME_[A-Z_]+)=(.*)", line)
        if match and (commented or not match[1]):
            found[match[2]] = match[3]
    return found


def test_example_environment_names_every_setting_there_is():
    read = set()
    for source in (PROJECT_ROOT / "allaboutme" / "config.py", PROJECT_ROOT / "gunicorn.conf.py"):
        read |= set(SETTING.findall(source.read_text()))
    assert read - example_lines().keys() == set()


def test_example_environment_passes_the_production_checks(tmp_path):
    made = provision.provision(tmp_path / "keys")
    secrets = (made.directory / provision.SECRETS_FILE).read_text().splitlines()
    environment = example_lines(commented=False)
    environment |= dict(line.split("=", 1) for line in secrets if not line.startswith("#"))
    environment["ALLABOUTME_INSTANCE_PATH"] = str(tmp_path / "instance")

    settings = load_settings(environment)

    assert settings.is_production and settings.trusted_proxies == 1
    assert settings.ratelimit_storage_url.startswith("redis://")


def test_proxy_accepts_what_the_app_accepts(app):
    size = re.search(r"client_max_body_size (\d+)m;", (DEPLOY / "nginx.conf").read_text())
    assert size, "nginx.conf sets no client_max_body_size"
    assert int(size[1]) * MIB == app.config["MAX_CONTENT_LENGTH"]
    assert app.config["MAX_CONTENT_LENGTH"] > imaging.DEFAULT_LIMITS.max_bytes


def test_proxy_and_gunicorn_meet_at_one_address():
    nginx = (DEPLOY / "nginx.conf").read_text()
    example = example_lines()
    assert f"server {example['ALLABOUTME_BIND']};" in nginx
    assert example["ALLABOUTME_FORWARDED_ALLOW_IPS"] == "127.0.0.1"
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in nginx


def test_service_reads_the_files_the_docs_make():
    unit = (DEPLOY / "allaboutme.service").read_text()
    assert "EnvironmentFile=/etc/allaboutme/allaboutme.env" in unit
    assert f"EnvironmentFile=/etc/allaboutme/keys/{provision.SECRETS_FILE}" in unit
    assert "ReadWritePaths=/var/lib/allaboutme" in unit
    assert example_lines()["ALLABOUTME_INSTANCE_PATH"] == "/var/lib/allaboutme"


def test_uploads_leave_the_other_requests_a_thread():
    example = example_lines()
    taken = int(example["ALLABOUTME_IMAGE_PROCESSES"]) + int(example["ALLABOUTME_IMAGE_QUEUE"])
    assert taken < int(example["ALLABOUTME_THREADS"])
