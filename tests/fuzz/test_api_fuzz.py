"""Every operation of the OpenAPI document, fuzzed as each role and anonymously.

Whatever is sent, the API must answer without a server error, with a status and a
content type the document declares, and with a body that matches the declared
schema (problem+json for every error). Valid and invalid cases are generated;
part of the time their ids name real objects of a small world (see ``world.py``),
values that rules constrain are good ones, and If-Match names the profile's current
version, so the fuzzer gets past "not found" and "conflict" into the code behind.

``ALLABOUTME_FUZZ_EXAMPLES`` sets the examples per operation and actor: a few in
``make test`` (derandomized, so a run is repeatable), many in ``make fuzz``
(random, with failures kept in the ignored ``.hypothesis`` folder and replayed
first next time).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import checks

from tests.fuzz.world import ACTORS, World, build_world

EXAMPLES = int(os.environ.get("ALLABOUTME_FUZZ_EXAMPLES") or 5)
IS_LONG_RUN = EXAMPLES > 20
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Logging out ends the session the rest of the run relies on: each such case gets its own.
ENDS_THE_SESSION = {("DELETE", "/api/v1/session")}


def fuzz_settings() -> settings:
    return settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=not IS_LONG_RUN,
        database=settings.default.database if IS_LONG_RUN else None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )


class Realise:
    """Which parts of a generated case to replace with real values (drawn per case)."""

    def __init__(self, path: dict[str, Any], body_values: bool, current_version: bool) -> None:
        self.path = {name: value for name, value in path.items() if value is not None}
        self.body_values = body_values
        self.current_version = current_version


def case_strategy(operation: Any, world: World) -> st.SearchStrategy[tuple[Any, Realise]]:
    generated = st.one_of(
        operation.as_strategy(schemathesis.GenerationMode.POSITIVE),
        operation.as_strategy(schemathesis.GenerationMode.NEGATIVE),
    )
    path = st.fixed_dictionaries(
        {
            parameter.name: st.one_of(st.sampled_from(world.path_values[parameter.name]), st.none())
            for parameter in operation.path_parameters
            if parameter.name in world.path_values
        }
    )
    return st.tuples(generated, st.builds(Realise, path, st.booleans(), st.booleans()))


def realise(case: Any, how: Realise, world: World) -> None:
    if how.path:
        case.path_parameters = {**(case.path_parameters or {}), **how.path}
    if how.body_values and isinstance(case.body, dict):
        case.body = world.with_real_values(case.body)
    if how.current_version and case.headers and "If-Match" in case.headers:
        case.headers["If-Match"] = f'"{world.current_version()}"'


def send(case: Any, world: World, actor: str) -> Any:
    api = world.client(actor)
    if (case.method.upper(), case.path) in ENDS_THE_SESSION and actor != "anonymous":
        api = world.fresh_client(actor)
    headers = {"X-CSRF-Token": api.csrf_token} if api.csrf_token else None
    return case.call(session=api.client, headers=headers)


def fuzz_operation(operation: Any, world: World, actor: str, seen: dict[str, set[int]]) -> None:
    @given(drawn=case_strategy(operation, world))
    @fuzz_settings()
    def run(drawn: tuple[Any, Realise]) -> None:
        case, how = drawn
        realise(case, how, world)
        response = send(case, world, actor)
        seen.setdefault(operation.label, set()).add(response.status_code)
        case.validate_response(response, checks=CHECKS)

    run()


def in_safe_order(schema: Any) -> list[Any]:
    """Deletions last, so erasing the child does not starve the operations after it."""
    operations = [result.ok() for result in schema.get_all_operations()]
    return sorted(operations, key=lambda operation: operation.method.upper() == "DELETE")


@pytest.mark.parametrize("actor", ACTORS)
def test_every_operation_answers_as_documented(app, backend, actor):
    world = build_world(app)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    seen: dict[str, set[int]] = {}
    failures: list[str] = []
    for operation in in_safe_order(schema):
        try:
            fuzz_operation(operation, world, actor, seen)
        except (Exception, BaseExceptionGroup) as error:  # every operation runs before failing
            failures.append(f"{operation.label}: {error}")
    if IS_LONG_RUN:
        write_statuses_seen(f"{backend}-{actor}", seen)
    assert not failures, "\n\n".join(failures)
    assert_the_world_was_reached(world, actor, seen)


def assert_the_world_was_reached(world: World, actor: str, seen: dict[str, set[int]]) -> None:
    """A run that only ever met 401 or 404 would pass while testing nothing."""
    if actor == "anonymous":
        return
    assert world.client(actor).get("/api/v1/session").status_code == 200, "session lost"
    reached = sorted(
        label
        for label, statuses in seen.items()
        if "{" in label and any(200 <= status < 300 for status in statuses)
    )
    assert reached, f"{actor} never got past an id to a success: {seen}"


def write_statuses_seen(name: str, seen: dict[str, set[int]]) -> None:
    """Which statuses each operation answered, for the long run's report."""
    folder = ARTIFACTS / "fuzz"
    folder.mkdir(parents=True, exist_ok=True)
    statuses = {label: sorted(codes) for label, codes in sorted(seen.items())}
    (folder / f"{name}.json").write_text(json.dumps(statuses, indent=1))
