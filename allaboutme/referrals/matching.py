"""Which framework providers could take a child, best first, and why.

Ranking is pure (no Flask, database or clock; callers pass ``now``) and returns reason
codes with parameters, so the API sends data and each reader gets their own language
from :func:`explain`. Needs and distance weigh most: "best available" placements far
from home are what the framework exists to prevent (DOMAIN.md). Heritage counts only
where the child chose to share it with their social worker.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from allaboutme.i18n import _, _l, format_decimal, ngettext

LOTS = frozenset({"1a", "1b", "2a", "2b", "2c"})
OFSTED_RATINGS = ("outstanding", "good", "requires_improvement", "inadequate")
GOOD_ENOUGH_RATINGS = frozenset({"outstanding", "good"})
LOCATION_KINDS = frozenset({"home", "school"})

# Points out of 100. Needs first (matching on needs, not on a vacancy, is the point);
# distance next (placements over 20 miles from home are the harm DOMAIN.md names);
# heritage 20; a fresh vacancy report 10 (a stale one may be untrue); Outstanding a
# small bonus, Good being the framework's bar. A component that cannot be judged
# (heritage not shared) is left out and the others scaled up to 100.
WEIGHT_NEEDS = 35.0
WEIGHT_DISTANCE = 30.0
WEIGHT_LANGUAGES = 10.0
WEIGHT_FAITH = 5.0
WEIGHT_CULTURE = 5.0
WEIGHT_FRESHNESS = 10.0
WEIGHT_OUTSTANDING = 5.0
_ALWAYS_WEIGHED = WEIGHT_NEEDS + WEIGHT_DISTANCE + WEIGHT_FRESHNESS + WEIGHT_OUTSTANDING

FULL_MARKS_MILES = 5.0
FAR_MILES = 20.0
ZERO_MARKS_MILES = 50.0
FRESH_DAYS = 7.0
STALE_DAYS = 28.0
EARTH_RADIUS_MILES = 3958.8
SECONDS_PER_DAY = 86_400.0

# Heritage components: parameter name, codes for a match and for none, weight.
_LANGUAGES = ("languages", ("speaks_language", "no_shared_language"), WEIGHT_LANGUAGES)
_FAITHS = ("faith", ("shares_faith", "faith_not_matched"), WEIGHT_FAITH)
_CULTURES = ("cultures", ("cultural_match", "no_cultural_match"), WEIGHT_CULTURE)
Heritage = tuple[str, tuple[str, str], float]
Tags = frozenset[str]
_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _tags(values: Iterable[str]) -> frozenset[str]:
    """Free tags compare case- and space-insensitively, so "Eritrean " meets "eritrean"."""
    return frozenset(t for t in (str(v).strip().casefold() for v in values) if t)


@dataclass(frozen=True)
class Location:
    """A point in decimal degrees; radians are kept so ranking does no set-up per pair."""

    lat: float
    lon: float
    lat_rad: float = field(init=False, repr=False, compare=False)
    lon_rad: float = field(init=False, repr=False, compare=False)
    cos_lat: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not (-90.0 <= self.lat <= 90.0 and -180.0 <= self.lon <= 180.0):
            raise ValueError(f"not a location: {self.lat!r}, {self.lon!r}")
        object.__setattr__(self, "lat_rad", math.radians(self.lat))
        object.__setattr__(self, "lon_rad", math.radians(self.lon))
        object.__setattr__(self, "cos_lat", math.cos(self.lat_rad))


@dataclass(frozen=True)
class ProviderProfile:
    """What matching needs to know about a provider; ``vacancies_updated_at`` is UTC."""

    id: str
    name: str
    ofsted_rating: str
    lots: frozenset[str]
    location: Location
    capabilities: frozenset[str]
    languages: frozenset[str]
    faiths: frozenset[str]
    cultural_competences: frozenset[str]
    vacancies: int
    vacancies_updated_at: datetime
    is_on_framework: bool

    def __post_init__(self) -> None:
        if self.ofsted_rating not in OFSTED_RATINGS:
            raise ValueError(f"unknown Ofsted rating {self.ofsted_rating!r}")
        object.__setattr__(self, "lots", frozenset(self.lots))
        if not self.lots <= LOTS:
            raise ValueError(f"unknown lots {sorted(self.lots - LOTS)!r}")
        object.__setattr__(self, "capabilities", frozenset(self.capabilities))
        for name in ("languages", "faiths", "cultural_competences"):
            object.__setattr__(self, name, _tags(getattr(self, name)))


@dataclass(frozen=True)
class ChildNeeds:
    """The referral's side. Heritage fields hold only what the child shared with their
    social worker (empty otherwise); what is empty is not weighed, the rest scaled to 100."""

    lot: str
    needs: frozenset[str]
    location: Location
    languages: frozenset[str] = frozenset()
    faith: str | None = None
    cultures: frozenset[str] = frozenset()
    location_kind: str = "home"
    faiths: frozenset[str] = field(init=False, repr=False, compare=False)
    points_scale: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.lot not in LOTS or self.location_kind not in LOCATION_KINDS:
            raise ValueError(f"unknown lot or location kind {self.lot!r}, {self.location_kind!r}")
        object.__setattr__(self, "needs", frozenset(self.needs))
        object.__setattr__(self, "languages", _tags(self.languages))
        object.__setattr__(self, "cultures", _tags(self.cultures))
        faith = (self.faith or "").strip().casefold()
        object.__setattr__(self, "faith", faith or None)
        object.__setattr__(self, "faiths", frozenset({faith}) if faith else frozenset())
        weighed = WEIGHT_LANGUAGES * bool(self.languages) + WEIGHT_FAITH * bool(faith)
        weighed += _ALWAYS_WEIGHED + WEIGHT_CULTURE * bool(self.cultures)
        object.__setattr__(self, "points_scale", 100.0 / weighed)


@dataclass(frozen=True)
class Reason:
    """One explained component: ``weight_effect`` is the points (of 100) it earned, so
    a match's reasons add up to its score; a concern has its own code (e.g. vacancy_stale)."""

    code: str
    params: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    weight_effect: float = 0.0


@dataclass(frozen=True)
class Match:
    provider: ProviderProfile
    score: float
    distance_miles: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Excluded:
    """A provider that failed a hard rule; it is never ranked, whatever its score."""

    provider: ProviderProfile
    reason_code: str
    params: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)

    @property
    def reason(self) -> Reason:
        return Reason(self.reason_code, self.params)


@dataclass(frozen=True)
class MatchResult:
    items: tuple[Match, ...]
    excluded: tuple[Excluded, ...]


_NOT_SHARED = Reason("heritage_not_shared")


def miles_between(a: Location, b: Location) -> float:
    """Great-circle (haversine) distance, from the radians each location keeps."""
    half_dlat, half_dlon = (b.lat_rad - a.lat_rad) / 2, (b.lon_rad - a.lon_rad) / 2
    h = math.sin(half_dlat) ** 2 + a.cos_lat * b.cos_lat * math.sin(half_dlon) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(h)))


def exclusion_for(needs: ChildNeeds, provider: ProviderProfile) -> Excluded | None:
    """The first hard rule the provider breaks, in a fixed order, or None."""
    if not provider.is_on_framework:
        return Excluded(provider, "not_on_framework")
    if needs.lot not in provider.lots:
        return Excluded(provider, "lot_not_offered", MappingProxyType({"lot": needs.lot}))
    if provider.ofsted_rating not in GOOD_ENOUGH_RATINGS:
        rating = MappingProxyType({"rating": provider.ofsted_rating})
        return Excluded(provider, "ofsted_below_good", rating)
    if provider.vacancies <= 0:
        return Excluded(provider, "no_vacancy")
    return None


# Components turn their inputs into one Reason whose ``weight_effect`` is the points
# earned of the ``points`` available; the score is their sum. Most providers share
# these inputs (frozensets cache their hash), so memoising keeps 2,000 providers cheap.
def _reason(code: str, points: float, **params: Any) -> Reason:
    return Reason(code, MappingProxyType(params), round(points, 2))


@lru_cache(maxsize=4096)
def _distance(miles: float, place: str, points: float) -> Reason:
    fraction = (ZERO_MARKS_MILES - miles) / (ZERO_MARKS_MILES - FULL_MARKS_MILES)
    code = "more_than_20_miles" if miles > FAR_MILES else "distance_miles"
    return _reason(code, min(1.0, max(0.0, fraction)) * points, miles=miles, place=place)


@lru_cache(maxsize=4096)
def _needs(wanted: Tags, offered: Tags, points: float) -> Reason:
    if not wanted:
        return _reason("no_specific_needs", points)
    met, unmet = tuple(sorted(wanted & offered)), tuple(sorted(wanted - offered))
    earned = points * len(met) / len(wanted)
    return _reason("needs_met", earned, met=met, unmet=unmet, total=len(wanted))


@lru_cache(maxsize=4096)
def _heritage(wanted: Tags, offered: Tags, kind: Heritage, scale: float) -> Reason | None:
    """Any overlap earns full marks; None (left out) when the child shared nothing here."""
    if not wanted:
        return None
    key, (match_code, no_match_code), weight = kind
    shared = tuple(sorted(wanted & offered))
    if shared:
        return _reason(match_code, weight * scale, **{key: shared})
    return _reason(no_match_code, 0.0, **{key: tuple(sorted(wanted))})


def _freshness(updated_at: datetime, now: datetime, points: float) -> Reason:
    age = max(0.0, (now - updated_at).total_seconds() / SECONDS_PER_DAY)
    fraction = (STALE_DAYS - age) / (STALE_DAYS - FRESH_DAYS)
    code = "vacancy_recent" if age <= FRESH_DAYS else "vacancy_stale"
    return _reason(code, min(1.0, max(0.0, fraction)) * points, days=int(age))


@lru_cache(maxsize=64)
def _ofsted(rating: str, points: float) -> Reason:
    """Only Good and Outstanding get this far; Outstanding earns the small bonus."""
    return _reason("ofsted_" + rating, points if rating == "outstanding" else 0.0)


def score_provider(needs: ChildNeeds, provider: ProviderProfile, now: datetime) -> Match:
    """Score one provider that passed the hard rules; the distance shown is the one scored."""
    miles = round(miles_between(needs.location, provider.location), 1)
    scale = needs.points_scale
    found = (
        _distance(miles, needs.location_kind, WEIGHT_DISTANCE * scale),
        _needs(needs.needs, provider.capabilities, WEIGHT_NEEDS * scale),
        _heritage(needs.languages, provider.languages, _LANGUAGES, scale),
        _heritage(needs.faiths, provider.faiths, _FAITHS, scale),
        _heritage(needs.cultures, provider.cultural_competences, _CULTURES, scale),
        _freshness(provider.vacancies_updated_at, now, WEIGHT_FRESHNESS * scale),
        _ofsted(provider.ofsted_rating, WEIGHT_OUTSTANDING * scale),
    )
    reasons = tuple(reason for reason in found if reason is not None)
    if not (needs.languages or needs.faiths or needs.cultures):
        reasons += (_NOT_SHARED,)
    score = min(100.0, max(0.0, round(sum(reason.weight_effect for reason in reasons), 1)))
    return Match(provider, score, miles, reasons)


def _by_name(provider: ProviderProfile) -> tuple[str, str, str]:
    return provider.name.casefold(), provider.name, provider.id


def rank(needs: ChildNeeds, providers: Iterable[ProviderProfile], now: datetime) -> MatchResult:
    """Providers that pass every hard rule, best first, and the rest with their reason.
    Ties on the shown score go by name, then id: the same inputs give the same list."""
    items: list[Match] = []
    excluded: list[Excluded] = []
    for provider in providers:
        rejection = exclusion_for(needs, provider)
        if rejection is None:
            items.append(score_provider(needs, provider, now))
        else:
            excluded.append(rejection)
    items.sort(key=lambda match: (-match.score, *_by_name(match.provider)))
    excluded.sort(key=lambda rejection: _by_name(rejection.provider))
    return MatchResult(tuple(items), tuple(excluded))


# --- Rendering: the only part that needs a translation context. ---

CAPABILITY_LABELS = {
    "asd": _l("autism"),
    "semh": _l("SEMH"),
    "sibling_group": _l("sibling group"),
    "parent_and_child": _l("parent and child"),
    "complex_adolescent": _l("complex adolescent"),
    "emergency": _l("emergency placement"),
    "exploitation_risk": _l("risk of exploitation"),
    "leaving_custody": _l("leaving custody"),
    "disability": _l("disability"),
}
# The first languages DOMAIN.md names; any other code is shown as written.
LANGUAGE_LABELS = {
    "ar": _l("Arabic"),
    "en": _l("English"),
    "fa": _l("Farsi"),
    "ku": _l("Kurdish"),
    "prs": _l("Dari"),
    "ps": _l("Pashto"),
    "so": _l("Somali"),
    "sq": _l("Albanian"),
    "ti": _l("Tigrinya"),
    "vi": _l("Vietnamese"),
}
LOT_LABELS = {
    "1a": _l("residential care (standard)"),
    "1b": _l("residential care (specialist)"),
    "2a": _l("fostering (standard)"),
    "2b": _l("fostering (specialist)"),
    "2c": _l("fostering (emergency)"),
}
RATING_LABELS = {"requires_improvement": _l("Requires improvement"), "inadequate": _l("Inadequate")}
# Which labels turn a parameter's codes into words; free tags (faith, cultures) stay as written.
_LABELS_FOR: dict[str, Mapping[str, Any]] = dict.fromkeys(("met", "unmet"), CAPABILITY_LABELS)
_LABELS_FOR.update(languages=LANGUAGE_LABELS, lot=LOT_LABELS, rating=RATING_LABELS)
# (code, variant) -> text. Texts with a count are in _counted, for plural forms.
_TEXT = {
    ("distance_miles", "home"): _l("%(miles)s miles from home"),
    ("distance_miles", "school"): _l("%(miles)s miles from school"),
    ("more_than_20_miles", "home"): _l("%(miles)s miles from home — more than 20 miles away"),
    ("more_than_20_miles", "school"): _l("%(miles)s miles from school — more than 20 miles away"),
    ("no_specific_needs", ""): _l("No specific needs were given"),
    ("needs_met", "all"): _l("Meets all needs: %(met)s"),
    ("needs_met", "none"): _l("Meets none of the needs: %(unmet)s"),
    ("speaks_language", ""): _l("Speaks %(languages)s"),
    ("no_shared_language", ""): _l("No shared language: the child speaks %(languages)s"),
    ("shares_faith", ""): _l("Shares the child's faith: %(faith)s"),
    ("faith_not_matched", ""): _l("Does not share the child's faith: %(faith)s"),
    ("cultural_match", ""): _l("Knows the child's culture: %(cultures)s"),
    ("no_cultural_match", ""): _l("No cultural match for %(cultures)s"),
    ("ofsted_outstanding", ""): _l("Ofsted: Outstanding"),
    ("ofsted_good", ""): _l("Ofsted: Good"),
    ("heritage_not_shared", ""): _l("Heritage not considered: the child has not shared it"),
    ("not_on_framework", ""): _l("Not on the framework"),
    ("lot_not_offered", ""): _l("Does not offer %(lot)s"),
    ("ofsted_below_good", ""): _l("Ofsted rating is below Good: %(rating)s"),
    ("no_vacancy", ""): _l("No vacancy"),
}
REASON_CODES = frozenset(code for code, _variant in _TEXT) | {"vacancy_recent", "vacancy_stale"}


def _readable(params: Mapping[str, Any]) -> dict[str, Any]:
    """Codes become the reader's words; numbers are formatted for their locale."""
    values = dict(params)
    for key, value in params.items():
        labels = _LABELS_FOR.get(key, {})
        if isinstance(value, tuple | list):
            values[key] = _(", ").join(str(labels.get(item, item)) for item in value)
        elif isinstance(value, str):
            values[key] = str(labels.get(value, value))
        elif key == "miles":
            values[key] = format_decimal(value, format="#,##0.0")
    return values


def _variant(reason: Reason) -> str:
    params = reason.params
    if "place" in params:
        return params["place"]
    if reason.code == "needs_met":
        return "all" if not params["unmet"] else "none" if not params["met"] else "some"
    return ""


def _counted(code: str, params: Mapping[str, Any], values: dict[str, Any]) -> str:
    """Texts with a number in them: plural forms differ by language (Arabic has six).
    A stale vacancy reads like a recent one; its code flags it."""
    if code == "needs_met":
        return ngettext(
            "Meets %(count)d of %(num)d need: %(met)s (not: %(unmet)s)",
            "Meets %(count)d of %(num)d needs: %(met)s (not: %(unmet)s)",
            params["total"],
            count=len(params["met"]),
            **values,
        )
    return ngettext(
        "Vacancy information is %(num)d day old",
        "Vacancy information is %(num)d days old",
        params["days"],
        **values,
    )


def explain(reason: Reason) -> str:
    """The reason in the reader's language (needs an app or request context)."""
    if reason.code not in REASON_CODES:
        raise ValueError(f"unknown reason code {reason.code!r}")
    values, variant = _readable(reason.params), _variant(reason)
    text = _TEXT.get((reason.code, variant))
    return str(text) % values if text is not None else _counted(reason.code, reason.params, values)
