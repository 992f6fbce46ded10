"""Rules of the house (ARCHITECTURE.md), checked on every run."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from allaboutme.web.access import access_rule_of

PACKAGE = Path(__file__).resolve().parent.parent / "allaboutme"

# Floors from the ground up; a module may import its own floor or lower ones.
FLOORS = [
    {"config", "db", "sqlite_engine", "pool_health", "errors", "crypto", "i18n", "encryption", "provision"},
    {"web"},
    {"audit"},
    {"accounts"},
    {"children", "providers"},
    {"consent"},
    {"profiles", "media"},
    {"referrals", "rights"},
    {"app", "backups", "cli", "demo", "keys_cli", "translations_cli", "models", "pwa", "__init__"},
]
ISOLATED = {
    "cryptography": "crypto",
    "argon2": "crypto",
    "PIL": "media/imaging.py",
    "weasyprint": "referrals/pdf.py",
}
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 50


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _feature(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py")


def _floor(feature: str) -> int:
    for index, floor in enumerate(FLOORS):
        if feature in floor:
            return index
    raise AssertionError(f"{feature} is on no floor: add it to FLOORS")


def _imports(path: Path) -> list[tuple[str, ast.AST]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node))
            if node.module == "allaboutme":
                found += [(f"allaboutme.{alias.name}", node) for alias in node.names]
    return found


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path):
    own = _floor(_feature(path))
    for name, _node in _imports(path):
        parts = name.split(".")
        if parts[0] != "allaboutme" or len(parts) < 2:
            continue
        target = parts[1]
        assert _floor(target) <= own, f"{path.name} imports {name}, which is above it"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_dangerous_libraries_stay_isolated(path):
    relative = str(path.relative_to(PACKAGE))
    for name, _node in _imports(path):
        top = name.split(".")[0]
        if top in ISOLATED:
            assert relative.startswith(ISOLATED[top]), f"{relative} imports {top}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_models_import_no_flask_or_services(path):
    if path.name != "models.py":
        return
    for name, _node in _imports(path):
        assert not name.startswith(("flask", "marshmallow")), f"{path} imports {name}"
        assert not name.endswith((".services", ".schemas", ".views", ".api")), (
            f"{path} imports {name}"
        )


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_and_functions_stay_small(path):
    source = path.read_text(encoding="utf-8")
    assert source.count("\n") <= MAX_MODULE_LINES, f"{path.name} is over {MAX_MODULE_LINES} lines"
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = node.end_lineno - node.lineno + 1
            assert length <= MAX_FUNCTION_LINES, f"{path.name}:{node.name} is {length} lines"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_function_level_imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    allowed = path.name == "__init__.py" and path.parent == PACKAGE
                    assert allowed, f"{path.name}:{node.name} imports inside a function"


# Routes registered by libraries, public by design.
LIBRARY_PUBLIC_ENDPOINTS = {"static", "api-docs.openapi_json"}


def test_every_route_declares_its_access_rule(app):
    missing = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint not in LIBRARY_PUBLIC_ENDPOINTS and access_rule_of(view) is None
    ]
    assert missing == []
