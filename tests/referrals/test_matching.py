"""Placement matching: hard rules exclude, the rest are scored, ranked and explained."""

from __future__ import annotations

import math
import random
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask_babel import Babel
from hypothesis import given, settings
from hypothesis import strategies as st

from allaboutme.referrals.matching import (
    EARTH_RADIUS_MILES,
    LOTS,
    OFSTED_RATINGS,
    REASON_CODES,
    WEIGHT_CULTURE,
    WEIGHT_DISTANCE,
    WEIGHT_FAITH,
    WEIGHT_FRESHNESS,
    WEIGHT_LANGUAGES,
    WEIGHT_NEEDS,
    WEIGHT_OUTSTANDING,
    ChildNeeds,
    Location,
    ProviderProfile,
    Reason,
    explain,
    miles_between,
    rank,
    score_provider,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HOME = Location(51.3762, -0.0982)  # Croydon
CAPABILITIES = (
    "asd",
    "semh",
    "sibling_group",
    "parent_and_child",
    "complex_adolescent",
    "emergency",
    "exploitation_risk",
    "leaving_custody",
)
DISTANCE_CODES = {"distance_miles", "more_than_20_miles"}
NEEDS_CODES = {"needs_met", "no_specific_needs"}
LANGUAGE_CODES = {"speaks_language", "no_shared_language"}
FAITH_CODES = {"shares_faith", "faith_not_matched"}
CULTURE_CODES = {"cultural_match", "no_cultural_match"}
VACANCY_CODES = {"vacancy_recent", "vacancy_stale"}
OFSTED_CODES = {"ofsted_outstanding", "ofsted_good"}


def north_of(origin: Location, miles: float) -> Location:
    """A point due north, so the great-circle distance is exactly ``miles``."""
    return Location(origin.lat + math.degrees(miles / EARTH_RADIUS_MILES), origin.lon)


def provider(**changes) -> ProviderProfile:
    base = {
        "id": "p1",
        "name": "Oak House",
        "ofsted_rating": "good",
        "lots": frozenset({"2a", "2b"}),
        "location": HOME,
        "capabilities": frozenset(),
        "languages": frozenset(),
        "faiths": frozenset(),
        "cultural_competences": frozenset(),
        "vacancies": 1,
        "vacancies_updated_at": NOW,
        "is_on_framework": True,
    }
    return ProviderProfile(**(base | changes))


def child(**changes) -> ChildNeeds:
    return ChildNeeds(**({"lot": "2a", "needs": frozenset(), "location": HOME} | changes))


# A child who shared heritage, so every component counts and the weights are unscaled.
SHARING = {"languages": frozenset({"ar"}), "faith": "muslim", "cultures": frozenset({"eritrean"})}


def reason_in(match, codes: set[str]) -> Reason:
    found = [reason for reason in match.reasons if reason.code in codes]
    assert len(found) == 1, match.reasons
    return found[0]


def fraction_of(reason: Reason, weight: float, needs: ChildNeeds) -> float:
    return reason.weight_effect / (weight * needs.points_scale)


# --- Hard rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "code", "params"),
    [
        ({"is_on_framework": False}, "not_on_framework", {}),
        ({"lots": frozenset({"1a", "2c"})}, "lot_not_offered", {"lot": "2a"}),
        ({"lots": frozenset()}, "lot_not_offered", {"lot": "2a"}),
        (
            {"ofsted_rating": "requires_improvement"},
            "ofsted_below_good",
            {"rating": "requires_improvement"},
        ),
        ({"ofsted_rating": "inadequate"}, "ofsted_below_good", {"rating": "inadequate"}),
        ({"vacancies": 0}, "no_vacancy", {}),
        ({"vacancies": -1}, "no_vacancy", {}),
        # Several broken rules: the first in the fixed order is given.
        ({"is_on_framework": False, "vacancies": 0}, "not_on_framework", {}),
        (
            {"lots": frozenset({"1a"}), "ofsted_rating": "inadequate"},
            "lot_not_offered",
            {"lot": "2a"},
        ),
        (
            {"ofsted_rating": "inadequate", "vacancies": 0},
            "ofsted_below_good",
            {"rating": "inadequate"},
        ),
    ],
)
def test_provider_breaking_a_hard_rule_is_excluded_not_ranked(changes, code, params):
    perfect = dict(capabilities=frozenset(CAPABILITIES), ofsted_rating="outstanding") | changes
    result = rank(child(needs={"asd"}), [provider(**perfect)], NOW)
    assert result.items == ()
    (excluded,) = result.excluded
    assert (excluded.reason_code, dict(excluded.params)) == (code, params)
    assert excluded.reason == Reason(code, excluded.params)


@pytest.mark.parametrize("rating", ["outstanding", "good"])
def test_good_or_outstanding_provider_with_lot_and_vacancy_is_ranked(rating):
    result = rank(child(), [provider(ofsted_rating=rating)], NOW)
    assert [match.provider.id for match in result.items] == ["p1"]
    assert result.excluded == ()


# --- Distance -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("miles", "fraction", "code"),
    [
        (0.0, 1.0, "distance_miles"),
        (4.9, 1.0, "distance_miles"),
        (5.0, 1.0, "distance_miles"),
        (5.1, (50 - 5.1) / 45, "distance_miles"),
        (12.4, (50 - 12.4) / 45, "distance_miles"),
        (20.0, 30 / 45, "distance_miles"),
        (20.1, 29.9 / 45, "more_than_20_miles"),
        (27.5, 0.5, "more_than_20_miles"),
        (49.9, 0.1 / 45, "more_than_20_miles"),
        (50.0, 0.0, "more_than_20_miles"),
        (120.0, 0.0, "more_than_20_miles"),
    ],
)
def test_distance_full_within_5_miles_falling_to_nothing_at_50_flagged_over_20(
    miles, fraction, code
):
    needs = child(**SHARING)
    match = score_provider(needs, provider(location=north_of(HOME, miles)), NOW)
    assert match.distance_miles == miles
    reason = reason_in(match, DISTANCE_CODES)
    assert (reason.code, dict(reason.params)) == (code, {"miles": miles, "place": "home"})
    assert fraction_of(reason, WEIGHT_DISTANCE, needs) == pytest.approx(fraction, abs=1e-3)


def test_distance_is_measured_from_school_when_that_is_the_childs_location():
    needs = child(location_kind="school")
    match = score_provider(needs, provider(location=north_of(HOME, 30)), NOW)
    assert reason_in(match, DISTANCE_CODES).params["place"] == "school"


def test_haversine_matches_known_distances_and_is_symmetric():
    equator, one_degree_east = Location(0, 0), Location(0, 1)
    assert miles_between(equator, one_degree_east) == pytest.approx(69.09, abs=0.01)
    brighton = Location(50.8225, -0.1372)
    assert miles_between(HOME, brighton) == pytest.approx(38.3, abs=0.2)
    assert miles_between(HOME, brighton) == pytest.approx(miles_between(brighton, HOME))
    assert miles_between(HOME, HOME) == 0.0


# --- Needs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("needs", "capabilities", "fraction", "code", "met", "unmet"),
    [
        (set(), set(), 1.0, "no_specific_needs", None, None),
        ({"asd"}, {"asd"}, 1.0, "needs_met", ("asd",), ()),
        ({"asd"}, {"asd", "semh", "emergency"}, 1.0, "needs_met", ("asd",), ()),
        (
            {"asd", "semh", "sibling_group"},
            {"asd", "sibling_group"},
            2 / 3,
            "needs_met",
            ("asd", "sibling_group"),
            ("semh",),
        ),
        ({"asd", "semh"}, {"semh"}, 0.5, "needs_met", ("semh",), ("asd",)),
        ({"asd", "semh"}, set(), 0.0, "needs_met", (), ("asd", "semh")),
    ],
)
def test_needs_score_is_the_share_met_and_lists_what_is_not(
    needs, capabilities, fraction, code, met, unmet
):
    child_needs = child(needs=needs, **SHARING)
    match = score_provider(child_needs, provider(capabilities=capabilities), NOW)
    reason = reason_in(match, NEEDS_CODES)
    assert reason.code == code
    if met is not None:
        assert (reason.params["met"], reason.params["unmet"]) == (met, unmet)
        assert reason.params["total"] == len(needs)
    assert fraction_of(reason, WEIGHT_NEEDS, child_needs) == pytest.approx(fraction, abs=1e-3)


# --- Heritage: languages, faith, culture --------------------------------------------------


@pytest.mark.parametrize(
    ("spoken", "offered", "code", "params", "fraction"),
    [
        ({"ar"}, {"ar", "en"}, "speaks_language", ("ar",), 1.0),
        ({"ar", "ti"}, {"ti", "en"}, "speaks_language", ("ti",), 1.0),
        ({"AR "}, {"ar"}, "speaks_language", ("ar",), 1.0),
        ({"ar"}, {"en"}, "no_shared_language", ("ar",), 0.0),
        ({"ps", "fa"}, set(), "no_shared_language", ("fa", "ps"), 0.0),
    ],
)
def test_language_any_shared_language_earns_full_marks(spoken, offered, code, params, fraction):
    needs = child(languages=spoken)
    match = score_provider(needs, provider(languages=offered), NOW)
    reason = reason_in(match, LANGUAGE_CODES)
    assert (reason.code, reason.params["languages"]) == (code, params)
    assert fraction_of(reason, WEIGHT_LANGUAGES, needs) == pytest.approx(fraction, abs=1e-3)


@pytest.mark.parametrize(
    ("faith", "offered", "code", "fraction"),
    [
        ("muslim", {"muslim", "christian"}, "shares_faith", 1.0),
        ("Muslim", {"muslim"}, "shares_faith", 1.0),
        ("christian", {"muslim"}, "faith_not_matched", 0.0),
        ("sikh", set(), "faith_not_matched", 0.0),
    ],
)
def test_faith_matches_or_not(faith, offered, code, fraction):
    needs = child(faith=faith)
    reason = reason_in(score_provider(needs, provider(faiths=offered), NOW), FAITH_CODES)
    assert reason.code == code
    assert reason.params["faith"] == (faith.casefold(),)
    assert fraction_of(reason, WEIGHT_FAITH, needs) == pytest.approx(fraction, abs=1e-3)


@pytest.mark.parametrize(
    ("cultures", "offered", "code", "fraction"),
    [
        ({"eritrean"}, {"Eritrean", "somali"}, "cultural_match", 1.0),
        ({"eritrean", "traveller"}, {"traveller"}, "cultural_match", 1.0),
        ({"eritrean"}, {"somali"}, "no_cultural_match", 0.0),
    ],
)
def test_culture_matches_or_not(cultures, offered, code, fraction):
    needs = child(cultures=cultures)
    match = score_provider(needs, provider(cultural_competences=offered), NOW)
    reason = reason_in(match, CULTURE_CODES)
    assert reason.code == code
    assert fraction_of(reason, WEIGHT_CULTURE, needs) == pytest.approx(fraction, abs=1e-3)


def test_heritage_not_shared_is_said_and_not_weighed():
    unshared = score_provider(child(), provider(languages={"ar"}, faiths={"muslim"}), NOW)
    codes = [reason.code for reason in unshared.reasons]
    assert "heritage_not_shared" in codes
    assert not set(codes) & (LANGUAGE_CODES | FAITH_CODES | CULTURE_CODES)
    # Close, all needs met, fresh, Good: everything but the Outstanding bonus, scaled to 100.
    expected = 100 * (WEIGHT_DISTANCE + WEIGHT_NEEDS + WEIGHT_FRESHNESS) / 80
    assert unshared.score == round(expected, 1) == 93.8
    assert reason_in(unshared, {"heritage_not_shared"}).weight_effect == 0.0


def test_heritage_shared_in_part_weighs_only_what_was_shared():
    match = score_provider(child(languages={"ar"}), provider(languages={"ar"}), NOW)
    codes = {reason.code for reason in match.reasons}
    assert "speaks_language" in codes
    assert not codes & ({"heritage_not_shared"} | FAITH_CODES | CULTURE_CODES)


# --- Vacancy freshness and Ofsted ---------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "code", "days", "fraction"),
    [
        (timedelta(0), "vacancy_recent", 0, 1.0),
        (timedelta(days=-1), "vacancy_recent", 0, 1.0),  # a clock running ahead is not "old"
        (timedelta(days=6, hours=23), "vacancy_recent", 6, 1.0),
        (timedelta(days=7), "vacancy_recent", 7, 1.0),
        (timedelta(days=7, hours=1), "vacancy_stale", 7, 1 - 1 / (21 * 24)),
        (timedelta(days=17, hours=12), "vacancy_stale", 17, 0.5),
        (timedelta(days=23), "vacancy_stale", 23, 5 / 21),
        (timedelta(days=28), "vacancy_stale", 28, 0.0),
        (timedelta(days=90), "vacancy_stale", 90, 0.0),
    ],
)
def test_vacancy_freshness_full_for_a_week_then_fading_to_nothing_at_28_days(
    age, code, days, fraction
):
    needs = child(**SHARING)
    match = score_provider(needs, provider(vacancies_updated_at=NOW - age), NOW)
    reason = reason_in(match, VACANCY_CODES)
    assert (reason.code, dict(reason.params)) == (code, {"days": days})
    assert fraction_of(reason, WEIGHT_FRESHNESS, needs) == pytest.approx(fraction, abs=1e-3)


@pytest.mark.parametrize(
    ("rating", "code", "bonus"),
    [("outstanding", "ofsted_outstanding", 5.0), ("good", "ofsted_good", 0.0)],
)
def test_outstanding_earns_a_small_bonus_over_good(rating, code, bonus):
    match = score_provider(child(**SHARING), provider(ofsted_rating=rating), NOW)
    reason = reason_in(match, OFSTED_CODES)
    assert (reason.code, reason.weight_effect) == (code, bonus)


def test_weights_add_up_to_100_and_a_perfect_match_scores_100():
    weights = (
        WEIGHT_DISTANCE,
        WEIGHT_NEEDS,
        WEIGHT_LANGUAGES,
        WEIGHT_FAITH,
        WEIGHT_CULTURE,
        WEIGHT_FRESHNESS,
        WEIGHT_OUTSTANDING,
    )
    assert sum(weights) == 100
    perfect = provider(
        ofsted_rating="outstanding",
        capabilities={"asd"},
        languages={"ar"},
        faiths={"muslim"},
        cultural_competences={"eritrean"},
    )
    match = score_provider(child(needs={"asd"}, **SHARING), perfect, NOW)
    assert match.score == 100.0
    assert sum(reason.weight_effect for reason in match.reasons) == pytest.approx(100.0)
    assert (
        score_provider(
            child(needs={"asd"}, **SHARING), replace(perfect, ofsted_rating="good"), NOW
        ).score
        == 95.0
    )


# --- Ordering -----------------------------------------------------------------------------


def test_best_first_then_by_name_then_id_whatever_the_input_order():
    near, far = HOME, north_of(HOME, 30)
    providers = [
        provider(id="p1", name="Zephyr", location=near),
        provider(id="p2", name="Birch", location=far),
        provider(id="p3", name="ash", location=near),
        provider(id="p4", name="Ash", location=near),
        provider(id="p9", name="Cedar", location=near),
        provider(id="p10", name="Cedar", location=near),
        provider(id="p5", name="Elm", location=near, vacancies=0),
        provider(id="p6", name="Alder", location=near, is_on_framework=False),
    ]
    expected = ["p4", "p3", "p10", "p9", "p1", "p2"]
    for seed in range(5):
        shuffled = random.Random(seed).sample(providers, len(providers))
        result = rank(child(), shuffled, NOW)
        assert [match.provider.id for match in result.items] == expected
        assert [rejection.provider.id for rejection in result.excluded] == ["p6", "p5"]
    assert result.items[0].score > result.items[-1].score


def test_a_better_matched_provider_ranks_above_a_nearer_one():
    needs = child(needs={"asd", "semh"})
    near_unsuited = provider(id="near", name="A", location=north_of(HOME, 2))
    suited = provider(
        id="suited", name="B", location=north_of(HOME, 12), capabilities={"asd", "semh"}
    )
    assert [m.provider.id for m in rank(needs, [near_unsuited, suited], NOW).items] == [
        "suited",
        "near",
    ]


# --- Inputs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda: provider(ofsted_rating="Good"),
        lambda: provider(lots={"3a"}),
        lambda: provider(lots="2a"),
        lambda: child(lot="2d"),
        lambda: child(location_kind="work"),
        lambda: Location(91, 0),
        lambda: Location(0, float("nan")),
    ],
)
def test_unknown_codes_and_impossible_places_are_refused(build):
    with pytest.raises(ValueError):
        build()


# --- Explanations -------------------------------------------------------------------------

APP = Flask(__name__)
Babel(APP)

SAMPLES = [
    (Reason("distance_miles", {"miles": 3.0, "place": "home"}), "3.0 miles from home"),
    (Reason("distance_miles", {"miles": 12.4, "place": "school"}), "12.4 miles from school"),
    (
        Reason("more_than_20_miles", {"miles": 24.4, "place": "home"}),
        "24.4 miles from home — more than 20 miles away",
    ),
    (
        Reason("more_than_20_miles", {"miles": 1234.5, "place": "school"}),
        "1,234.5 miles from school — more than 20 miles away",
    ),
    (Reason("no_specific_needs"), "No specific needs were given"),
    (
        Reason("needs_met", {"met": ("asd", "sibling_group"), "unmet": ("semh",), "total": 3}),
        "Meets 2 of 3 needs: autism, sibling group (not: SEMH)",
    ),
    (Reason("needs_met", {"met": ("asd",), "unmet": (), "total": 1}), "Meets all needs: autism"),
    (
        Reason("needs_met", {"met": (), "unmet": ("leaving_custody", "new_need"), "total": 2}),
        "Meets none of the needs: leaving custody, new_need",
    ),
    (Reason("speaks_language", {"languages": ("ar",)}), "Speaks Arabic"),
    (Reason("speaks_language", {"languages": ("ti", "xx")}), "Speaks Tigrinya, xx"),
    (
        Reason("no_shared_language", {"languages": ("prs", "ps")}),
        "No shared language: the child speaks Dari, Pashto",
    ),
    (Reason("shares_faith", {"faith": ("muslim",)}), "Shares the child's faith: muslim"),
    (Reason("faith_not_matched", {"faith": ("sikh",)}), "Does not share the child's faith: sikh"),
    (Reason("cultural_match", {"cultures": ("eritrean",)}), "Knows the child's culture: eritrean"),
    (Reason("no_cultural_match", {"cultures": ("roma",)}), "No cultural match for roma"),
    (Reason("vacancy_recent", {"days": 1}), "Vacancy information is 1 day old"),
    (Reason("vacancy_recent", {"days": 0}), "Vacancy information is 0 days old"),
    (Reason("vacancy_stale", {"days": 23}), "Vacancy information is 23 days old"),
    (Reason("ofsted_outstanding"), "Ofsted: Outstanding"),
    (Reason("ofsted_good"), "Ofsted: Good"),
    (
        Reason("heritage_not_shared"),
        "Heritage not considered: the child has not shared it",
    ),
    (Reason("not_on_framework"), "Not on the framework"),
    (Reason("lot_not_offered", {"lot": "2b"}), "Does not offer fostering (specialist)"),
    (
        Reason("ofsted_below_good", {"rating": "requires_improvement"}),
        "Ofsted rating is below Good: Requires improvement",
    ),
    (Reason("no_vacancy"), "No vacancy"),
]


def test_every_reason_code_has_an_explanation_sample():
    assert {reason.code for reason, _text in SAMPLES} == REASON_CODES


@pytest.mark.parametrize(("reason", "text"), SAMPLES, ids=[r.code for r, _t in SAMPLES])
def test_explain_renders_each_reason_in_english(reason, text):
    with APP.test_request_context():
        assert explain(reason) == text


def test_explain_renders_every_reason_rank_produces():
    everything = dict(capabilities={"asd"}, languages={"ar"}, faiths={"muslim"})
    providers = [
        provider(
            id="a",
            name="A",
            location=north_of(HOME, 25),
            vacancies_updated_at=NOW - timedelta(days=9),
        ),
        provider(id="b", name="B", ofsted_rating="outstanding", **everything),
        provider(id="c", name="C", lots={"1a"}),
        provider(id="d", name="D", ofsted_rating="inadequate"),
    ]
    with APP.test_request_context():
        for needs in (child(needs={"asd", "semh"}, **SHARING), child()):
            result = rank(needs, providers, NOW)
            texts = [explain(r) for m in result.items for r in m.reasons]
            texts += [explain(rejection.reason) for rejection in result.excluded]
            assert all(text and "%(" not in text for text in texts)


def test_explain_refuses_an_unknown_code():
    with APP.test_request_context(), pytest.raises(ValueError):
        explain(Reason("made_up"))


# --- Properties ---------------------------------------------------------------------------

codes = st.sampled_from
providers_st = st.builds(
    provider,
    ofsted_rating=codes(OFSTED_RATINGS),
    lots=st.frozensets(codes(sorted(LOTS))),
    location=st.builds(north_of, st.just(HOME), st.floats(0, 80)),
    capabilities=st.frozensets(codes(CAPABILITIES)),
    languages=st.frozensets(codes(("ar", "en", "ps", "ti"))),
    faiths=st.frozensets(codes(("muslim", "christian", "sikh"))),
    cultural_competences=st.frozensets(codes(("eritrean", "afghan", "roma"))),
    vacancies=st.integers(-1, 3),
    vacancies_updated_at=st.builds(
        lambda hours: NOW - timedelta(hours=hours), st.integers(-48, 24 * 60)
    ),
    is_on_framework=st.booleans(),
)
needs_st = st.builds(
    child,
    lot=codes(sorted(LOTS)),
    needs=st.frozensets(codes(CAPABILITIES)),
    languages=st.frozensets(codes(("ar", "en", "ps", "ti"))),
    faith=st.none() | codes(("muslim", "christian")),
    cultures=st.frozensets(codes(("eritrean", "afghan"))),
)


def breaks_a_hard_rule(needs: ChildNeeds, candidate: ProviderProfile) -> bool:
    return (
        not candidate.is_on_framework
        or needs.lot not in candidate.lots
        or candidate.ofsted_rating not in ("good", "outstanding")
        or candidate.vacancies < 1
    )


@settings(max_examples=200, deadline=None)
@given(needs_st, st.lists(providers_st, max_size=12))
def test_hard_rule_breakers_are_always_excluded_and_never_ranked(needs, candidates):
    candidates = [replace(c, id=f"p{i}") for i, c in enumerate(candidates)]
    result = rank(needs, candidates, NOW)
    ranked = {match.provider.id for match in result.items}
    excluded = {rejection.provider.id for rejection in result.excluded}
    breakers = {c.id for c in candidates if breaks_a_hard_rule(needs, c)}
    assert excluded == breakers
    assert ranked == {c.id for c in candidates} - breakers
    scores = [match.score for match in result.items]
    assert scores == sorted(scores, reverse=True)
    for match in result.items:
        assert 0.0 <= match.score <= 100.0
        assert match.score == pytest.approx(sum(r.weight_effect for r in match.reasons), abs=0.06)


@settings(max_examples=200, deadline=None)
@given(needs_st, providers_st, codes(CAPABILITIES))
def test_meeting_one_more_need_never_lowers_the_score(needs, candidate, need):
    needs = replace(needs, needs=needs.needs | {need})
    without = replace(candidate, capabilities=candidate.capabilities - {need})
    with_it = replace(candidate, capabilities=candidate.capabilities | {need})
    assert score_provider(needs, with_it, NOW).score >= score_provider(needs, without, NOW).score
    # Asking for a need the provider meets never makes it look worse either.
    fewer = replace(needs, needs=needs.needs - {need})
    assert score_provider(needs, with_it, NOW).score >= score_provider(fewer, with_it, NOW).score


# --- Size ---------------------------------------------------------------------------------


def test_ranks_2000_providers(capsys):
    rng = random.Random(7)
    candidates = [
        provider(
            id=f"p{i}",
            name=f"Provider {i}",
            location=Location(51.0 + rng.random(), -0.6 + rng.random()),
            capabilities=frozenset(rng.sample(CAPABILITIES, 3)),
            languages=frozenset(rng.sample(["ar", "en", "ps", "ti", "so"], 2)),
            faiths=frozenset(rng.sample(["muslim", "christian", "sikh"], 1)),
            cultural_competences=frozenset(rng.sample(["eritrean", "afghan", "roma"], 1)),
            vacancies_updated_at=NOW - timedelta(hours=rng.randint(0, 24 * 40)),
        )
        for i in range(2000)
    ]
    needs = child(needs={"asd", "semh"}, **SHARING)
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        result = rank(needs, candidates, NOW)
        timings.append(time.perf_counter() - started)
    assert len(result.items) == 2000
    with capsys.disabled():
        print(f"\nrank() over 2,000 providers: best {min(timings) * 1000:.1f} ms of 5")
