"""Seed the world the load profile (``bench.load``) logs in to, through the app's services.

    python -m bench.load_seed OUT.json [--children 28] [--caseload 14] [--providers 40]

runs in the settings environment the caller prepared (``bench.load`` does it for
its own throwaway instance). Against an instance that is already serving, such as
``make serve``, run it inside that instance's own environment instead, from the
top of the repository (the flask shell reads the line from standard input)::

    echo 'import bench.load_seed as s; s.seed_here("instance/load-seed.json")' \\
        | deploy/serve-local.sh flask shell

What it creates, every name carrying a random suffix so that seeding twice
never collides: one local authority with an administrator, social workers (one
per ``caseload`` children), each child with a login, a full profile, two small
pictures and every section shared with their social worker; a framework with
synthetic providers to rank (``bench.matching``) and one staffed home to which
every child's referral is sent (``bench.seed``), so the home's inbox holds one
packet per child. When the instance asks professionals for a TOTP code, each
professional is enrolled and their secret goes into OUT.json with the passwords:
the load generator computes codes from it. OUT.json holds logins: keep it in a
git-ignored place (an instance folder).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import secrets
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyotp
from flask import current_app
from PIL import Image

from allaboutme import create_app, db
from allaboutme.accounts import mfa
from allaboutme.accounts import services as accounts
from allaboutme.accounts.models import Organisation, User
from allaboutme.children import services as children
from allaboutme.media import services as media
from allaboutme.providers import services as providers
from allaboutme.referrals.models import Packet
from bench.matching import synthetic_providers
from bench.seed import _child_secret, _full_profile, _send_packet, _share_with_social_worker

PICTURES_PER_CHILD = 2
PICTURE_SIZE = (640, 480)
HOME_LOCATION = {"lat": 51.4, "lon": -0.1}  # where bench.seed's referrals ask for a home


def _small_photo(seed: int) -> bytes:
    """A 640x480 photo-like JPEG (noise), different for each seed."""
    noise = Image.effect_noise(PICTURE_SIZE, 40 + seed % 20)
    photo = Image.merge(
        "RGB", (noise, noise.rotate(180), noise.transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    )
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=85)
    return out.getvalue()


class World:
    """Builds the load world; every username is ``load.<suffix>.<who>``."""

    def __init__(self, suffix: str) -> None:
        self.suffix = suffix
        self.needs_totp = bool(current_app.config["ALLABOUTME_SETTINGS"].mfa_enabled)

    def username(self, who: str) -> str:
        return f"load.{self.suffix}.{who}"

    def professional(
        self, organisation: Organisation, role: str, who: str
    ) -> tuple[User, dict[str, Any]]:
        """A member of staff with a login (and a TOTP secret when the instance wants one)."""
        secret = secrets.token_urlsafe(24)
        user = accounts.create_user(
            organisation=organisation,
            role=role,
            username=self.username(who),
            secret=secret,
            display_name=f"Load {who}",
        )
        login: dict[str, Any] = {
            "user_id": user.id,
            "username": user.username,
            "password": secret,
            "totp_secret": self._enrol(user) if self.needs_totp else None,
        }
        return user, login

    def _enrol(self, user: User) -> str:
        """Enrol TOTP as the person would: a new secret, then one right code for it."""
        enrolment = mfa.begin_enrolment(user)
        now = db.utcnow()
        code = pyotp.TOTP(enrolment.secret).at(now)
        mfa.confirm_enrolment(user, code, now=now)
        return enrolment.secret

    def child(self, authority: Organisation, worker: User, index: int) -> dict[str, Any]:
        """A child of ``worker``'s caseload: login, full profile, pictures, shared with them."""
        child = children.create_child(
            actor=worker,
            preferred_name=f"Load child {index}",
            date_of_birth=date(2011, 1 + index % 12, 1 + index % 28),
            locale="en",
            now=db.utcnow(),
        )
        secret = _child_secret()
        user = accounts.create_user(
            organisation=authority,
            role="child",
            username=self.username(f"child{index:03d}"),
            secret=secret,
            display_name=f"Load child {index}",
            child_id=child.id,
        )
        version = _full_profile(user, child.id)
        _share_with_social_worker(user, child.id)
        for number in range(PICTURES_PER_CHILD):
            media.upload_media(
                user,
                child.id,
                section="likes",
                picture=media.clean_upload(_small_photo(index * PICTURES_PER_CHILD + number)),
                caption=f"Load picture {number}",
                now=db.utcnow(),
            )
        return {
            "child_id": child.id,
            "username": user.username,
            "password": secret,
            "version": version,
        }

    def providers(self, count: int) -> tuple[dict[str, Any], str]:
        """Synthetic providers to rank, and one staffed home every referral is sent to."""
        framework = accounts.create_organisation(
            kind="framework", name=f"Load Framework {self.suffix}"
        )
        admin, _ = self.professional(framework, "framework_admin", "framework")
        now = db.utcnow()
        base = int(self.suffix, 16) % 900_000
        for index, profile in enumerate(synthetic_providers(count, now, seed=base)):
            providers.create_provider(
                admin,
                name=f"Load provider {self.suffix} {index:04d}",
                ofsted_urn=f"SC{(base + index + 1) % 1_000_000:06d}",
                ofsted_rating=profile.ofsted_rating,
                lots=sorted(profile.lots),
                location={"lat": profile.location.lat, "lon": profile.location.lon},
                capabilities=sorted(profile.capabilities),
                languages=sorted(profile.languages),
                faiths=sorted(profile.faiths),
                cultural_competences=sorted(profile.cultural_competences),
                vacancies=profile.vacancies,
                now=now,
                is_on_framework=profile.is_on_framework,
            )
        home = providers.create_provider(
            admin,
            name=f"Load Fostering {self.suffix}",
            ofsted_urn=f"SC{(base + count + 1) % 1_000_000:06d}",
            ofsted_rating="good",
            lots=["2a"],
            location=HOME_LOCATION,
            capabilities=["semh"],
            languages=["en"],
            faiths=[],
            cultural_competences=[],
            vacancies=5,
            now=now,
        )
        _, staff = self.professional(home.organisation, "provider", "provider")
        return staff, home.org_id


def seed_world(children_count: int, caseload: int, provider_count: int) -> dict[str, Any]:
    """The whole load world, committed; returns the logins and ids ``bench.load`` needs."""
    started = time.perf_counter()
    world = World(secrets.token_hex(3))
    authority = accounts.create_organisation(
        kind="local_authority", name=f"Load Borough {world.suffix}"
    )
    _, admin = world.professional(authority, "la_admin", "admin")
    workers = [
        world.professional(authority, "social_worker", f"worker{number:02d}")
        for number in range(max(1, math.ceil(children_count / caseload)))
    ]
    provider, home_id = world.providers(provider_count)
    provider["packet_ids"] = []
    for _, login in workers:
        login.update(child_ids=[], referral_ids=[])
    kids = []
    for index in range(children_count):
        worker, login = workers[index % len(workers)]
        kid = world.child(authority, worker, index)
        packet_id = _send_packet(worker, kid, home_id)
        login["child_ids"].append(kid["child_id"])
        login["referral_ids"].append(db.session().get(Packet, packet_id).referral_id)
        provider["packet_ids"].append(packet_id)
        kids.append(kid)
    db.session().commit()
    return {
        "suffix": world.suffix,
        "authority_id": authority.id,
        "mfa": world.needs_totp,
        "seeded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 1),
        "children": kids,
        "workers": [login for _, login in workers],
        "providers": [provider],
        "admins": [admin],
    }


def seed_here(
    out: str, children_count: int = 28, caseload: int = 14, providers_count: int = 40
) -> None:
    """Seed the app of the current context (a ``flask shell``) and write the logins to ``out``."""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    world = seed_world(children_count, caseload, providers_count)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(world, handle)
    print(f"seeded {len(world['children'])} children as load.{world['suffix']}.*: {path}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load_seed", description=__doc__.split("\n")[0]
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--children", type=int, default=28)
    parser.add_argument("--caseload", type=int, default=14, help="children per social worker")
    parser.add_argument("--providers", type=int, default=40, help="synthetic providers to rank")
    args = parser.parse_args(argv)
    if not 1 <= args.children <= 1000 or not 1 <= args.caseload <= 100:
        parser.error("--children must be 1..1000 and --caseload 1..100")
    with create_app().app_context():
        seed_here(str(args.out), args.children, args.caseload, args.providers)


if __name__ == "__main__":
    main()
