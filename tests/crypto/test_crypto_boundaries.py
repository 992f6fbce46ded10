"""House rules for the crypto package, checked on its source."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
PACKAGE = PROJECT / "allaboutme"
CRYPTO = PACKAGE / "crypto"
DANGEROUS = ("cryptography", "argon2")
ALLOWED_IN_CRYPTO = {"cryptography", "argon2", "sqlalchemy", "allaboutme"}


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_only_crypto_imports_cryptography_and_argon2() -> None:
    offenders = [
        f"{path.relative_to(PROJECT)}: {name}"
        for path in PACKAGE.rglob("*.py")
        if CRYPTO not in path.parents
        for name in _imports(path)
        if name.split(".")[0] in DANGEROUS
    ]
    assert offenders == []


@pytest.mark.parametrize("path", sorted(CRYPTO.glob("*.py")), ids=lambda p: p.name)
def test_crypto_imports_only_stdlib_its_libraries_and_itself(path: Path) -> None:
    for name in _imports(path):
        top = name.split(".")[0]
        if top == "allaboutme":
            assert name.startswith("allaboutme.crypto"), name
        else:
            assert top in sys.stdlib_module_names or top in ALLOWED_IN_CRYPTO, name


@pytest.mark.parametrize("path", sorted(CRYPTO.glob("*.py")), ids=lambda p: p.name)
def test_modules_and_functions_stay_small(path: Path) -> None:
    source = path.read_text("utf-8")
    assert len(source.splitlines()) < 400
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            assert length < 50, f"{node.name} is {length} lines"


def test_importing_crypto_loads_no_flask_and_no_other_app_module() -> None:
    code = (
        "import sys, allaboutme.crypto; "
        "bad = [m for m in sys.modules if m.split('.')[0] == 'flask' "
        "or (m.startswith('allaboutme.') and not m.startswith('allaboutme.crypto'))]; "
        "print(bad)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
