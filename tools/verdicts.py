"""The dependency audit's decisions, pure so that tests can feed them recorded answers.

Two sources judge a pin. pip-audit asks PyPI about the exact pinned version. Where it
could not (it "skips" the pin), PyPI's project-level JSON lists the known
vulnerabilities of the project's newest release only: it judges a pin exactly when the
pin is that release, and says nothing about an older one, so a pin behind the newest
release fails rather than passes unread.
"""

from __future__ import annotations

import enum
import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

PIN_LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")
VIA_LINE = re.compile(r"^\s+#\s+via(?:\s+(.+))?$")
VIA_MORE_LINE = re.compile(r"^\s+#\s{2,}(\S.*)$")
OWN_REQUIREMENTS = "(pyproject.toml)"


class Result(enum.StrEnum):
    OK = "ok"
    WARNING = "warning"  # a known vulnerability that no release fixes yet
    FAILED = "failed"
    NOT_AUDITED = "not audited"  # PyPI could not be asked, or the pin is held back


class Source(enum.StrEnum):
    PIP_AUDIT = "pip-audit"
    PROJECT = "project data"
    NONE = "none"


@dataclass(frozen=True)
class Pin:
    """One `name==version` line of the lock, with the `# via` lines under it."""

    name: str
    version: str
    via: tuple[str, ...] = ()


@dataclass(frozen=True)
class Advisory:
    id: str
    aliases: tuple[str, ...] = ()
    fixed_in: tuple[str, ...] = ()

    def describe(self) -> str:
        """The advisory's id, its aliases, and where it is fixed if anywhere."""
        names = self.id + (f" ({', '.join(self.aliases)})" if self.aliases else "")
        if self.fixed_in:
            return f"{names}: fixed in {', '.join(self.fixed_in)}"
        return f"{names}: no fixed release yet"


@dataclass(frozen=True)
class Project:
    """PyPI's project-level JSON: the newest release and what is known about it."""

    newest: str
    advisories: tuple[Advisory, ...] = ()
    requires_python: str | None = None
    requires_dist: tuple[str, ...] = ()


@dataclass(frozen=True)
class NotOnPyPI:
    """PyPI has no project of that name (404)."""


@dataclass(frozen=True)
class Unreachable:
    reason: str


Lookup = Project | NotOnPyPI | Unreachable


@dataclass(frozen=True)
class Context:
    """What the project itself asks for: the Python it supports and its own requirements."""

    requires_python: str
    python_floor: str
    requirements: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    pin: Pin
    source: Source
    result: Result
    newest: str | None = None
    notes: tuple[str, ...] = ()


def parse_lock(text: str) -> tuple[Pin, ...]:
    """The pins of a pip-compile lock file, each with the packages that need it."""
    pins: list[Pin] = []
    via: list[str] = []
    for line in text.splitlines():
        if match := PIN_LINE.match(line):
            _close_pin(pins, via)
            via = []
            pins.append(Pin(canonicalize_name(match[1]), match[2]))
        elif match := VIA_LINE.match(line):
            via += [match[1].strip()] if match[1] else []
        elif (match := VIA_MORE_LINE.match(line)) and pins:
            via.append(match[1].strip())
    _close_pin(pins, via)
    return tuple(pins)


def _close_pin(pins: list[Pin], via: list[str]) -> None:
    if pins and via:
        last = pins[-1]
        pins[-1] = Pin(last.name, last.version, tuple(via))


def read_pyproject(text: str) -> Context:
    """The supported Python range and every requirement (extras included) of pyproject.toml."""
    project = tomllib.loads(text)["project"]
    requires_python = project.get("requires-python", "")
    requirements = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    return Context(requires_python, _lowest_python(requires_python), tuple(requirements))


def _lowest_python(requires_python: str) -> str:
    floors = [spec.version for spec in SpecifierSet(requires_python) if spec.operator == ">="]
    return max(floors, key=Version) if floors else "3"


def read_pip_audit(output: str) -> dict[str, dict] | None:
    """pip-audit's JSON report by package, or None if it printed none (it failed)."""
    try:
        report = json.loads(output)
        entries = report["dependencies"]
        return {canonicalize_name(entry["name"]): entry for entry in entries}
    except (ValueError, TypeError, KeyError):
        return None


def read_project(document: Mapping) -> Project:
    """PyPI's project JSON; withdrawn advisories are dropped, as pip-audit drops them."""
    info = document["info"]
    advisories = tuple(
        Advisory(item["id"], tuple(item.get("aliases") or ()), tuple(item.get("fixed_in") or ()))
        for item in document.get("vulnerabilities") or ()
        if not item.get("withdrawn")
    )
    return Project(
        newest=info["version"],
        advisories=advisories,
        requires_python=info.get("requires_python") or None,
        requires_dist=tuple(info.get("requires_dist") or ()),
    )


def needs_project_data(pins: Iterable[Pin], report: Mapping[str, dict] | None) -> list[str]:
    """The pins pip-audit did not judge: skipped, missing from its report, or no report."""
    return [pin.name for pin in pins if _pip_audit_entry(pin, report) is None]


def dependents_to_explain(pins: Iterable[Pin], lookups: Mapping[str, Lookup]) -> list[str]:
    """Packages whose requirements may hold a behind pin back, not looked up yet."""
    wanted: list[str] = []
    for pin in pins:
        project = lookups.get(pin.name)
        if isinstance(project, Project) and _is_behind(pin.version, project.newest):
            wanted += [canonicalize_name(d) for d in pin.via if not d.endswith(OWN_REQUIREMENTS)]
    return sorted(set(wanted) - set(lookups))


def decide(
    pins: Iterable[Pin],
    report: Mapping[str, dict] | None,
    lookups: Mapping[str, Lookup],
    context: Context,
) -> list[Verdict]:
    """One verdict per pin: pip-audit's where it judged the pin, else the project data's."""
    pins = tuple(pins)
    verdicts = []
    for pin in pins:
        entry = _pip_audit_entry(pin, report)
        if entry is not None:
            verdicts.append(_judge_with_pip_audit(pin, entry))
        else:
            verdicts.append(_judge_with_project(pin, lookups, pins, context))
    return verdicts


def exit_code(verdicts: Iterable[Verdict]) -> int:
    """1 if a pin failed, 3 if some pin could not be audited at all, else 0."""
    results = {verdict.result for verdict in verdicts}
    if Result.FAILED in results:
        return 1
    if Result.NOT_AUDITED in results:
        return 3
    return 0


def _pip_audit_entry(pin: Pin, report: Mapping[str, dict] | None) -> dict | None:
    entry = (report or {}).get(pin.name)
    if entry is None or "skip_reason" in entry or "vulns" not in entry:
        return None
    return entry


def _judge_with_pip_audit(pin: Pin, entry: dict) -> Verdict:
    advisories = [
        Advisory(vuln["id"], tuple(vuln.get("aliases") or ()), tuple(vuln["fix_versions"]))
        for vuln in entry["vulns"]
    ]
    result, notes = _judge_advisories(advisories)
    return Verdict(pin, Source.PIP_AUDIT, result, notes=notes)


def _judge_advisories(advisories: Iterable[Advisory]) -> tuple[Result, tuple[str, ...]]:
    """Failed if a known vulnerability has a fix; a warning if none has one yet."""
    distinct = _distinct(advisories)
    notes = tuple(advisory.describe() for advisory in distinct)
    if any(advisory.fixed_in for advisory in distinct):
        return Result.FAILED, notes
    return (Result.WARNING if distinct else Result.OK), notes


def _distinct(advisories: Iterable[Advisory]) -> list[Advisory]:
    """One advisory per vulnerability: PyPI lists e.g. a PYSEC and a GHSA entry for the
    same one. Entries that share a name are merged, keeping every fixed release either
    names, so that a fix known to one of them is not lost."""
    kept: list[Advisory] = []
    for advisory in advisories:
        names = {advisory.id, *advisory.aliases}
        twin = next((i for i, k in enumerate(kept) if names & {k.id, *k.aliases}), None)
        if twin is None:
            kept.append(advisory)
            continue
        first = kept[twin]
        fixed_in = tuple(dict.fromkeys((*first.fixed_in, *advisory.fixed_in)))
        kept[twin] = Advisory(first.id, first.aliases, fixed_in)
    return kept


def _judge_with_project(
    pin: Pin, lookups: Mapping[str, Lookup], pins: tuple[Pin, ...], context: Context
) -> Verdict:
    lookup = lookups.get(pin.name, Unreachable("not looked up"))
    if isinstance(lookup, Unreachable):
        return Verdict(pin, Source.NONE, Result.NOT_AUDITED, notes=(lookup.reason,))
    if isinstance(lookup, NotOnPyPI):
        note = f"{pin.name} is not on PyPI: no vulnerability data; audit it where it comes from"
        return Verdict(pin, Source.NONE, Result.FAILED, notes=(note,))
    if _same_version(pin.version, lookup.newest):
        result, notes = _judge_advisories(lookup.advisories)
        return Verdict(pin, Source.PROJECT, result, lookup.newest, notes)
    note, held_back = _not_newest(pin, lookup, lookups, pins, context)
    # A pin that could move and has not is a failure: upgrade it. One a dependent or
    # Python holds back cannot be judged from the newest release's data, nor fixed
    # by us: it is reported as not audited, with what holds it.
    result = Result.NOT_AUDITED if held_back else Result.FAILED
    return Verdict(pin, Source.PROJECT, result, lookup.newest, (note,))


def _not_newest(
    pin: Pin,
    project: Project,
    lookups: Mapping[str, Lookup],
    pins: tuple[Pin, ...],
    context: Context,
) -> tuple[str, bool]:
    """What to say of a pin that is not the newest release, and whether it is held back."""
    place = "behind" if _is_behind(pin.version, project.newest) else "ahead of"
    message = (
        f"pin {pin.name}=={pin.version} is {place} {project.newest}, the newest release; "
        "its vulnerabilities cannot be read from here: upgrade it or audit where the "
        "per-version data is reachable."
    )
    if place != "behind":
        return message, False
    holds = _holds(pin, project, lookups, pins, context)
    if not holds:
        return f"{message} Nothing the lock names holds it back.", False
    return f"{message} It cannot move: {'; '.join(holds)}.", True


def _holds(
    pin: Pin,
    project: Project,
    lookups: Mapping[str, Lookup],
    pins: tuple[Pin, ...],
    context: Context,
) -> list[str]:
    """Why the newest release cannot replace the pin: its Python, or a dependent's cap."""
    holds = []
    if project.requires_python and not _allows(project.requires_python, context.python_floor):
        holds.append(
            f"{pin.name} {project.newest} requires Python {project.requires_python}, "
            f"the project supports Python {context.requires_python}"
        )
    versions = {other.name: other.version for other in pins}
    for dependent in pin.via:
        requirements, label = _requirements_of(dependent, versions, lookups, context)
        if requirements is None:
            holds.append(f"the requirements of {label} could not be read here")
            continue
        for requirement in _caps(requirements, pin.name, project.newest):
            holds.append(f"{label} requires {requirement}")
    return holds


def _requirements_of(
    dependent: str,
    versions: Mapping[str, str],
    lookups: Mapping[str, Lookup],
    context: Context,
) -> tuple[tuple[str, ...] | None, str]:
    """A dependent's requirements as pinned, if known exactly: pyproject.toml, or PyPI's
    project data when the dependent's pin is its newest release."""
    if dependent.endswith(OWN_REQUIREMENTS):
        return context.requirements, "pyproject.toml"
    name = canonicalize_name(dependent)
    version = versions.get(name, "?")
    project = lookups.get(name)
    if isinstance(project, Project) and _same_version(version, project.newest):
        return project.requires_dist, f"{name} {version}"
    return None, f"{name} {version}"


def _caps(requirements: Iterable[str], name: str, newest: str) -> list[str]:
    """The requirements on `name` that exclude its newest release."""
    caps = []
    for line in requirements:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if canonicalize_name(requirement.name) != name or not _applies(requirement):
            continue
        if not _allows(str(requirement.specifier), newest):
            caps.append(line.strip())
    return caps


def _applies(requirement: Requirement) -> bool:
    """Whether a requirement's marker holds here; one on an extra may well be in use."""
    marker = requirement.marker
    return marker is None or "extra" in str(marker) or marker.evaluate({"extra": ""})


def _allows(specifier: str, version: str) -> bool:
    try:
        return SpecifierSet(specifier).contains(version, prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        return True


def _same_version(pinned: str, newest: str) -> bool:
    try:
        return Version(pinned) == Version(newest)
    except InvalidVersion:
        return pinned == newest


def _is_behind(pinned: str, newest: str) -> bool:
    try:
        return Version(pinned) < Version(newest)
    except InvalidVersion:
        return pinned != newest
