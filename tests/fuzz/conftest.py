"""The fuzzer runs on SQLite in ``make test``; ``make fuzz`` adds PostgreSQL.

``ALLABOUTME_FUZZ_BACKENDS`` (comma separated) overrides the suite's ``backend``
fixture for these tests only, so the bounded run stays bounded.
"""

from __future__ import annotations

import os

import pytest

FUZZ_BACKENDS = tuple(
    name.strip()
    for name in (os.environ.get("ALLABOUTME_FUZZ_BACKENDS") or "sqlite").split(",")
    if name.strip()
)


@pytest.fixture(params=FUZZ_BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param
