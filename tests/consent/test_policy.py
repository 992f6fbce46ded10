"""The consent policy: a read is allowed iff an active grant covers it at that moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allaboutme.consent.policy import Grant, Viewer, decide

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SECTIONS = ("about_me", "likes", "worries", "heritage")

CHILD = Viewer("c1", "child", "la1", is_child_self=True)
WORKER = Viewer("w1", "social_worker", "la1", is_allocated_worker=True)
OTHER_WORKER = Viewer("w2", "social_worker", "la1", is_allocated_worker=False)
SUNRISE = Viewer("p1", "provider", "sunrise")
OAKWOOD = Viewer("p2", "provider", "oakwood")


def grant(
    kind="provider",
    org="sunrise",
    sections=("likes",),
    purpose="placement",
    expires=None,
    revoked=None,
    granted=T0,
):
    return Grant(
        "g" + str(hash((kind, org, sections, expires, revoked)) % 10_000),
        kind,
        org,
        frozenset(sections),
        purpose,
        granted,
        expires,
        revoked,
    )


CASES = [
    # (viewer, grants, now, section, allowed)
    ("nothing is shared by default", SUNRISE, [], T0, "likes", False),
    ("the child sees everything", CHILD, [], T0, "worries", True),
    ("an active grant allows its section", SUNRISE, [grant()], T0, "likes", True),
    ("but not other sections", SUNRISE, [grant()], T0, "worries", False),
    ("nor another provider", OAKWOOD, [grant()], T0, "likes", False),
    ("nor before it was granted", SUNRISE, [grant()], T0 - timedelta(seconds=1), "likes", False),
    (
        "expired at its expiry",
        SUNRISE,
        [grant(expires=T0 + timedelta(days=1))],
        T0 + timedelta(days=1),
        "likes",
        False,
    ),
    (
        "alive just before expiry",
        SUNRISE,
        [grant(expires=T0 + timedelta(days=1))],
        T0 + timedelta(days=1) - timedelta(seconds=1),
        "likes",
        True,
    ),
    (
        "revoked at once",
        SUNRISE,
        [grant(revoked=T0 + timedelta(hours=1))],
        T0 + timedelta(hours=1),
        "likes",
        False,
    ),
    (
        "worker grant covers allocated workers",
        WORKER,
        [grant(kind="social_worker", org=None, sections=("worries",))],
        T0,
        "worries",
        True,
    ),
    (
        "not workers who are not allocated",
        OTHER_WORKER,
        [grant(kind="social_worker", org=None, sections=("worries",))],
        T0,
        "worries",
        False,
    ),
    ("a provider grant does not cover workers", WORKER, [grant()], T0, "likes", False),
]


@pytest.mark.parametrize(
    ("name", "viewer", "grants", "now", "section", "allowed"),
    CASES,
    ids=[case[0] for case in CASES],
)
def test_policy_table(name, viewer, grants, now, section, allowed):
    decision = decide(viewer, "child-1", SECTIONS, None, grants, now)
    assert decision.allows(section) is allowed


def test_purpose_must_match_when_asked():
    grants = [grant(purpose="support")]
    assert not decide(SUNRISE, "c", SECTIONS, "placement", grants, T0).allows("likes")
    assert decide(SUNRISE, "c", SECTIONS, "support", grants, T0).allows("likes")


def test_decision_names_the_grant_used():
    g = grant()
    decision = decide(SUNRISE, "c", SECTIONS, None, [g], T0)
    assert decision.grant_for["likes"] == g.id


times = st.integers(min_value=-100, max_value=100).map(lambda h: T0 + timedelta(hours=h))
grants_strategy = st.builds(
    lambda kind, org, sections, start, length, revoke_after, purpose: Grant(
        id=f"g{start.timestamp()}{length}{org}",
        audience_kind=kind,
        audience_org_id=org if kind == "provider" else None,
        sections=frozenset(sections),
        purpose=purpose,
        granted_at=start,
        expires_at=None if length is None else start + timedelta(hours=length),
        revoked_at=None if revoke_after is None else start + timedelta(hours=revoke_after),
    ),
    st.sampled_from(["social_worker", "provider"]),
    st.sampled_from(["sunrise", "oakwood"]),
    st.sets(st.sampled_from(SECTIONS), max_size=4),
    times,
    st.none() | st.integers(min_value=0, max_value=50),
    st.none() | st.integers(min_value=0, max_value=50),
    st.sampled_from(["support", "placement"]),
)


def _covered(viewer, grant_, section, now, purpose):
    if not (grant_.granted_at <= now):
        return False
    if grant_.expires_at is not None and not now < grant_.expires_at:
        return False
    if grant_.revoked_at is not None and not now < grant_.revoked_at:
        return False
    if purpose is not None and grant_.purpose != purpose:
        return False
    if grant_.audience_kind == "provider":
        audience_ok = viewer.role == "provider" and viewer.org_id == grant_.audience_org_id
    else:
        audience_ok = viewer.role == "social_worker" and viewer.is_allocated_worker
    return audience_ok and section in grant_.sections


@given(
    st.lists(grants_strategy, max_size=6),
    st.sampled_from([WORKER, OTHER_WORKER, SUNRISE, OAKWOOD]),
    times,
    st.none() | st.sampled_from(["support", "placement"]),
)
def test_allowed_iff_an_active_grant_covers_it(grants, viewer, now, purpose):
    decision = decide(viewer, "child", SECTIONS, purpose, grants, now)
    for section in SECTIONS:
        expected = any(_covered(viewer, g, section, now, purpose) for g in grants)
        assert decision.allows(section) is expected
        if expected:
            assert decision.grant_for[section] in {g.id for g in grants}
