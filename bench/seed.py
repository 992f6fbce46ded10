"""Seed a benchmark instance through the app's own services (run as a subprocess).

    python -m bench.seed data OUT.json --writers 32
    python -m bench.seed keys OUT.json --tenant ID --count 10000

The settings come from the ``ALLABOUTME_*`` environment the caller prepared
(``bench.environment.Instance``). ``data`` creates one authority, one social
worker (with a login; allocated to every child, having created them), the
measured child and one child per writing connection, each with a login, a full
profile and a grant sharing every section with their social worker (made by the
child through ``consent.services.grant_consent``); it writes their ids and
secrets to OUT.json (inside the throwaway instance folder). ``keys`` creates
child keys directly in the key store, for the rotation benchmark. Password
hashing keeps its production cost, so only the logins the benchmark logs in
with are created.
"""

from __future__ import annotations

import argparse
import json
import secrets
import string
import time
from datetime import date
from pathlib import Path
from typing import Any

from allaboutme import create_app, db, encryption
from allaboutme.accounts import services as accounts
from allaboutme.children import services as children
from allaboutme.children.sections import SECTION_KEYS
from allaboutme.consent import services as consent
from allaboutme.profiles import catalogue, services
from allaboutme.providers import services as providers
from allaboutme.referrals import sending
from allaboutme.referrals import services as referrals
from bench.answers import sample_answers

SECTION_TEXT = "Bench answer"


def _child_secret() -> str:
    """A random passphrase a child could have chosen (letters, so never a trivial PIN)."""
    return "".join(secrets.choice(string.ascii_letters) for _ in range(16))


def _full_profile(child_user: Any, child_id: str) -> int:

    version = 0
    for key in catalogue.SECTION_KEYS:
        view = services.write_section(
            child_user,
            child_id,
            key,
            answers=sample_answers(key, SECTION_TEXT),
            language="en",
            has_help=False,
            expected_version=version,
            now=db.utcnow(),
        )
        version = view.version
    return version


def _share_with_social_worker(child_user: Any, child_id: str) -> str:
    """The child shares every section with their social worker (for support, no end date)."""
    grant = consent.grant_consent(
        child_user,
        child_id,
        audience=consent.Audience("social_worker"),
        sections=list(SECTION_KEYS),
        purpose="support",
        expires_at=None,
        has_help=False,
        locale="en",
        now=db.utcnow(),
    )
    return grant.id


def seed_data(writers: int) -> dict[str, Any]:

    authority = accounts.create_organisation(kind="local_authority", name="Bench Borough")
    worker_secret = secrets.token_urlsafe(24)
    worker = accounts.create_user(
        organisation=authority,
        role="social_worker",
        username="bench.worker",
        secret=worker_secret,
        display_name="Bench Worker",
    )
    logins = []
    for index in range(1 + writers):
        child = children.create_child(
            actor=worker,
            preferred_name=f"Bench child {index}",
            date_of_birth=date(2012, 3, 4),
            locale="en",
            now=db.utcnow(),
        )
        secret = _child_secret()
        username = f"bench.child{index:03d}"
        user = accounts.create_user(
            organisation=authority,
            role="child",
            username=username,
            secret=secret,
            display_name=f"Bench child {index}",
            child_id=child.id,
        )
        version = _full_profile(user, child.id)
        grant_id = _share_with_social_worker(user, child.id)
        logins.append(
            {
                "child_id": child.id,
                "username": username,
                "password": secret,
                "version": version,
                "grant_id": grant_id,
            }
        )
    provider = _provider_with_packets(worker, logins[1:])
    db.session().commit()
    return {
        "provider": provider,
        "authority_id": authority.id,
        "database_url": db.database().engine.url.render_as_string(hide_password=True),
        "worker": {
            "user_id": worker.id,
            "username": "bench.worker",
            "password": worker_secret,
        },
        "grants": len(logins) + len(provider["packet_ids"]),
        "measured": logins[0],
        "writers": logins[1:],
    }


def _provider_with_packets(worker: Any, writers: list[dict[str, Any]]) -> dict[str, Any]:
    """A home on the framework, one member of staff, and a packet of each writer's profile.

    Each writing child shares every section with the home for placement (through
    ``consent.services``), and the worker sends each a referral (``referrals``).
    """
    framework = accounts.create_organisation(kind="framework", name="Bench Framework")
    admin = accounts.create_user(
        organisation=framework,
        role="framework_admin",
        username="bench.framework",
        secret=secrets.token_urlsafe(24),
    )
    home = providers.create_provider(
        admin,
        name="Bench Fostering",
        ofsted_urn="SC999001",
        ofsted_rating="good",
        lots=["2a"],
        location={"lat": 51.4, "lon": -0.1},
        capabilities=["semh"],
        languages=["en"],
        faiths=[],
        cultural_competences=[],
        vacancies=5,
        now=db.utcnow(),
    )
    secret = secrets.token_urlsafe(24)
    staff = accounts.create_user(
        organisation=home.organisation,
        role="provider",
        username="bench.provider",
        secret=secret,
        display_name="Bench Provider",
    )
    packet_ids = [_send_packet(worker, writer, home.org_id) for writer in writers]
    return {
        "user_id": staff.id,
        "username": "bench.provider",
        "password": secret,
        "packet_ids": packet_ids,
    }


def _send_packet(worker: Any, writer: dict[str, Any], provider_id: str) -> str:
    child_user = accounts.find_user_by_username(writer["username"])
    consent.grant_consent(
        child_user,
        writer["child_id"],
        audience=consent.Audience("provider", provider_id),
        sections=list(SECTION_KEYS),
        purpose="placement",
        expires_at=None,
        has_help=False,
        locale="en",
        now=db.utcnow(),
    )
    referral = referrals.create_referral(
        worker,
        child_id=writer["child_id"],
        lot="2a",
        needs=["semh"],
        location={"lat": 51.4, "lon": -0.1},
        summary="A bench referral.",
        start_by=None,
        now=db.utcnow(),
    )
    (packet,) = sending.send_referral(worker, referral.referral.id, [provider_id], now=db.utcnow())
    return packet.id


def seed_keys(tenant_id: str, count: int, batch: int) -> dict[str, Any]:

    keystore = encryption.vault().keystore
    started = time.perf_counter()
    created = 0
    for start in range(0, count, batch):
        ids = [db.new_id() for _ in range(min(batch, count - start))]
        created += keystore.ensure_child_keys(tenant_id, ids, batch_size=batch)
    return {"created": created, "seconds": round(time.perf_counter() - started, 3)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.seed")
    sub = parser.add_subparsers(dest="what", required=True)
    data = sub.add_parser("data")
    data.add_argument("out", type=Path)
    data.add_argument("--writers", type=int, default=32)
    keys = sub.add_parser("keys")
    keys.add_argument("out", type=Path)
    keys.add_argument("--tenant", required=True)
    keys.add_argument("--count", type=int, default=10_000)
    keys.add_argument("--batch", type=int, default=1_000)
    args = parser.parse_args(argv)

    app = create_app()
    with app.app_context():
        if args.what == "data":
            result = seed_data(args.writers)
        else:
            result = seed_keys(args.tenant, args.count, args.batch)
    args.out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
