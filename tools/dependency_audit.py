"""``python -m tools.dependency_audit``: known vulnerabilities of every pin in the lock.

``make audit`` runs it in ``.venv-audit``, beside pip-audit. pip-audit judges each
pinned version; any pin it could not look up is judged on PyPI's project-level data
(``tools.verdicts`` says when that data applies). This module only asks: it runs
pip-audit and fetches project JSON, and leaves every decision to ``tools.verdicts``.

Exit codes: 0 clean (warnings allowed), 1 a pin failed, 2 bad arguments, 3 some pin
could not be audited (PyPI could not be reached, or a dependent holds the pin behind
the newest release, whose data is all that can be read).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import quote
from urllib.request import Request, urlopen

from tools import audit_report, verdicts
from tools.verdicts import Lookup, NotOnPyPI, Pin, Unreachable, Verdict

PYPI_JSON_URL = "https://pypi.org/pypi"
TIMEOUT_SECONDS = 20
PIP_AUDIT_TIMEOUT_SECONDS = 900
ATTEMPTS = 2
PARALLEL_LOOKUPS = 8
USER_AGENT = "allaboutme-dependency-audit"
# Printed too, because `make` reports every failing recipe as its own exit code 2.
EXIT_MEANINGS = {
    0: "clean (warnings allowed).",
    1: "at least one pin failed.",
    3: "some pins were not audited (PyPI unreachable, or held behind the newest release).",
}


@dataclass(frozen=True)
class PipAuditRun:
    report: dict[str, dict] | None
    problem: str = ""


def run_pip_audit(lock: Path) -> PipAuditRun:
    """pip-audit on the lock's exact pins; its JSON report, or why there is none."""
    command = [sys.executable, "-m", "pip_audit", "-r", str(lock), "--no-deps", "--disable-pip"]
    command += ["--format", "json", "--progress-spinner", "off"]
    try:
        finished = subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
            command, capture_output=True, text=True, timeout=PIP_AUDIT_TIMEOUT_SECONDS
        )
    except subprocess.TimeoutExpired:
        return PipAuditRun(None, f"pip-audit did not finish in {PIP_AUDIT_TIMEOUT_SECONDS} s")
    report = verdicts.read_pip_audit(finished.stdout)
    if report is not None:
        return PipAuditRun(report)
    last = (finished.stderr.strip().splitlines() or ["no output"])[-1]
    return PipAuditRun(None, f"pip-audit failed (exit {finished.returncode}): {last}")


def fetch_project(name: str, base_url: str = PYPI_JSON_URL) -> Lookup:
    """PyPI's project-level JSON for one project, read into a `verdicts.Project`."""
    if not base_url.startswith(("https://", "http://")):
        raise ValueError(f"not an http(s) URL: {base_url}")
    lookup: Lookup = Unreachable("not tried")
    for _attempt in range(ATTEMPTS):
        lookup = _fetch_once(f"{base_url.rstrip('/')}/{quote(name)}/json")
        if not isinstance(lookup, Unreachable):
            break
    return lookup


def _fetch_once(url: str) -> Lookup:
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    request = Request(url, headers=headers)  # noqa: S310 (fetch_project allows http(s) only)
    try:
        with urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310 (as above)
            return verdicts.read_project(json.load(answer))
    except HTTPError as error:
        if error.code == 404:
            return NotOnPyPI()
        return Unreachable(f"{url} answered HTTP {error.code}")
    except URLError as error:
        return Unreachable(f"{url}: {error.reason}")
    except (OSError, ValueError) as error:
        return Unreachable(f"{url}: {error}")
    except (KeyError, TypeError) as error:
        return Unreachable(f"{url} answered JSON without {error}")


def fetch_projects(names: Iterable[str], fetch: Callable[[str], Lookup]) -> dict[str, Lookup]:
    """Several projects at once: the lookups are independent and mostly waiting."""
    names = list(names)
    with ThreadPoolExecutor(max_workers=PARALLEL_LOOKUPS) as pool:
        return dict(zip(names, pool.map(fetch, names), strict=True))


def audit(
    pins: Sequence[Pin],
    context: verdicts.Context,
    report: Mapping[str, dict] | None,
    fetch: Callable[[str], Lookup],
) -> list[Verdict]:
    """Verdicts for every pin, fetching project data only for the pins pip-audit skipped
    and, to explain a pin that cannot move, for the packages that depend on it."""
    lookups = fetch_projects(verdicts.needs_project_data(pins, report), fetch)
    lookups |= fetch_projects(verdicts.dependents_to_explain(pins, lookups), fetch)
    return verdicts.decide(pins, report, lookups, context)


def preface(lock: Path, pins: Sequence[Pin], run: PipAuditRun) -> list[str]:
    """What was audited and how far pip-audit itself got."""
    lines = [f"Dependency audit of {lock}: {len(pins)} pins."]
    if run.report is None:
        lines.append(f"{run.problem}; every pin is judged on PyPI's project data instead.")
        return lines
    skipped = verdicts.needs_project_data(pins, run.report)
    judged = len(pins) - len(skipped)
    lines.append(f"pip-audit judged {judged} of {len(pins)} pins by their exact version.")
    if skipped:
        first = run.report.get(skipped[0], {}).get("skip_reason", "not in its report")
        lines.append(
            f"It could not look up {len(skipped)} (e.g. {first}); those are judged on "
            "PyPI's project data, which covers only each project's newest release."
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Audit the lock, print the report, and return the exit code CI acts on."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lock", type=Path, default=Path("requirements.lock"))
    parser.add_argument("--pyproject", type=Path, default=Path("pyproject.toml"))
    parser.add_argument(
        "--pypi-url", default=PYPI_JSON_URL, help="base URL of the JSON API the fallback asks"
    )
    args = parser.parse_args(argv)
    if not args.pypi_url.startswith(("https://", "http://")):
        parser.error("--pypi-url must be an http(s) URL")
    for path in (args.lock, args.pyproject):
        if not path.is_file():
            parser.error(f"{path} is not a file")

    pins = verdicts.parse_lock(args.lock.read_text(encoding="utf-8"))
    if not pins:
        parser.error(f"{args.lock} pins nothing (no name==version lines): nothing to audit")
    context = verdicts.read_pyproject(args.pyproject.read_text(encoding="utf-8"))
    run = run_pip_audit(args.lock)
    judged = audit(pins, context, run.report, lambda name: fetch_project(name, args.pypi_url))
    code = verdicts.exit_code(judged)
    print(audit_report.render(judged, preface(args.lock, pins, run)))
    print(f"Exit code {code}: {EXIT_MEANINGS[code]}")
    return code


if __name__ == "__main__":
    sys.exit(main())
