"""The demonstration world `seed-demo` creates: an authority, staff, providers, a child.

It tells the referral story end to end: Sam has written part of their profile,
and their social worker has shortlisted two homes and asked Sam what each may
see, so logging in as ``demo.child`` shows the question on the home screen.
Never for production: the logins are published in the README.
"""

from __future__ import annotations

from datetime import date, timedelta

from allaboutme import db
from allaboutme.accounts import services as accounts
from allaboutme.accounts.models import User
from allaboutme.children import services as children
from allaboutme.children.models import Child
from allaboutme.profiles import services as profiles
from allaboutme.providers import services as providers
from allaboutme.referrals import services as referrals

DEMO_AUTHORITY = "Demo Borough Council"
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - published demo login; seed-demo refuses production
DEMO_CHILD_PIN = "493817"
DEMO_USERS = (
    # (organisation, kind, role, username, display name)
    (DEMO_AUTHORITY, "local_authority", "social_worker", "demo.worker", "Alex Morgan"),
    (DEMO_AUTHORITY, "local_authority", "la_admin", "demo.admin", "Priya Shah"),
    (
        "South London Placements Framework",
        "framework",
        "framework_admin",
        "demo.framework",
        "Jordan Lee",
    ),
    ("Sunrise Fostering", "provider", "provider", "demo.sunrise", "Grace Okafor"),
    ("Oakwood Children's Homes", "provider", "provider", "demo.oakwood", "Tom Evans"),
)


def create_demo_data() -> None:
    organisations = {}
    users = {}
    for org_name, kind, role, username, display_name in DEMO_USERS:
        if org_name not in organisations:
            organisations[org_name] = accounts.create_organisation(kind=kind, name=org_name)
        users[username] = accounts.create_user(
            organisation=organisations[org_name],
            role=role,
            username=username,
            secret=DEMO_PASSWORD,
            display_name=display_name,
        )
    _create_demo_providers(users["demo.framework"])
    child = children.create_child(
        actor=users["demo.worker"],
        preferred_name="Sam",
        date_of_birth=date(2014, 5, 17),
        locale="en",
        now=db.utcnow(),
    )
    child_user = accounts.create_user(
        organisation=organisations[DEMO_AUTHORITY],
        role="child",
        username="demo.child",
        secret=DEMO_CHILD_PIN,
        display_name="Sam",
        child_id=child.id,
    )
    _write_demo_profile(child_user, child)
    _start_demo_referral(users["demo.worker"], child)


DEMO_PROVIDERS = (
    # name, URN, rating, lots, (lat, lon), capabilities, languages, faiths, vacancies
    (
        "Sunrise Fostering",
        "SC100001",
        "outstanding",
        ["2a", "2b", "2c"],
        (51.3762, -0.0982),
        ["sibling_group", "emergency", "semh"],
        ["en", "ar", "so"],
        ["muslim", "christian"],
        3,
    ),
    (
        "Oakwood Children's Homes",
        "SC100002",
        "good",
        ["1a", "1b"],
        (51.4613, -0.1156),
        ["asd", "complex_adolescent"],
        ["en", "pl"],
        [],
        1,
    ),
    (
        "Riverside Foster Care",
        "SC100003",
        "good",
        ["2a", "2b"],
        (51.3990, -0.0750),
        ["semh", "asd"],
        ["en", "ti"],
        ["christian"],
        2,
    ),
    (
        "Harbour Foster Families",
        "SC100004",
        "good",
        ["2a"],
        (51.2700, 0.5200),
        ["semh"],
        ["en"],
        [],
        4,
    ),
    (
        "Northfield Fostering",
        "SC100005",
        "requires_improvement",
        ["2a"],
        (51.3800, -0.1000),
        ["semh"],
        ["en"],
        [],
        2,
    ),
)
DEMO_ANSWERS = {
    "about_me": {"name": "Sam", "words_about_me": ["funny", "kind", "loud"]},
    "likes": {"favourite_things": "Football, drawing comics and my cat Pepper."},
    "new_home": {
        "should_know": "I like a night light on and I need time on my own after school.",
        "bring_with_me": ["my football", "my sketchbook"],
    },
}


def _create_demo_providers(framework_admin: User) -> None:
    """Give the demo provider organisations their framework profiles."""
    for name, urn, rating, lots, (
        lat,
        lon,
    ), capabilities, languages, faiths, vacancies in DEMO_PROVIDERS:
        providers.create_provider(
            framework_admin,
            name=name,
            ofsted_urn=urn,
            ofsted_rating=rating,
            lots=lots,
            location={"lat": lat, "lon": lon},
            capabilities=capabilities,
            languages=languages,
            faiths=faiths,
            cultural_competences=[],
            vacancies=vacancies,
            now=db.utcnow(),
        )


def _write_demo_profile(child_user: User, child: Child) -> None:
    """Sam's own words in three sections (through the same path the child's pages use)."""
    version = 0
    for key, answers in DEMO_ANSWERS.items():
        view = profiles.write_section(
            child_user,
            child.id,
            key,
            answers=answers,
            language="en",
            has_help=False,
            expected_version=version,
            now=db.utcnow(),
        )
        version = view.version


def _start_demo_referral(worker: User, child: Child) -> None:
    """A fostering referral near Sam's school, two homes shortlisted, Sam asked."""
    now = db.utcnow()
    view = referrals.create_referral(
        worker,
        child_id=child.id,
        lot="2a",
        needs=["semh"],
        location={"lat": 51.3727, "lon": -0.1099},
        location_kind="school",
        summary="Sam needs a calm foster home within reach of their school by the new term.",
        start_by=(now + timedelta(days=28)).date(),
        now=now,
    )
    shortlist = [providers.find_provider_by_urn(urn) for urn in ("SC100001", "SC100003")]
    referrals.shortlist_providers(
        worker, view.referral.id, [p.org_id for p in shortlist if p], now=now
    )
    referrals.ask_child(worker, view.referral.id, now=now)
