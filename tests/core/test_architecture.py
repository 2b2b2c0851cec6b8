"""Lint-like checks that keep the layers honest (STYLE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _modules(*patterns: str) -> list[Path]:
    return [p for pattern in patterns for p in ROOT.glob(pattern) if p.is_file()]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_models_do_not_import_flask():
    for path in _modules("core/models.py", "custody/models/*.py", "health/**/models*.py"):
        assert not any(n == "flask" or n.startswith("flask.") for n in _imports(path)), path


def test_views_do_not_commit():
    for path in _modules(
        "core/views/*.py", "custody/views/*.py", "custody/api.py", "health/**/views*.py"
    ):
        assert ".commit(" not in path.read_text(), path


def test_services_do_not_read_request_state():
    for path in _modules("core/users.py", "core/auth.py", "custody/services/*.py"):
        text = path.read_text()
        assert (
            "current_user" not in text and "flask.g" not in text and "from flask import" not in text
        ), path


def test_only_health_fhir_imports_fhir_resources():
    for path in _modules("core/**/*.py", "custody/**/*.py", "health/**/*.py"):
        if "health/fhir" in str(path):
            continue
        assert not any(n.startswith("fhir.resources") for n in _imports(path)), path


FEATURES = ("custody", "health")


def _package(path: Path) -> str:
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return (
        module.removesuffix(".__init__")
        if path.name == "__init__.py"
        else module.rpartition(".")[0]
    )


def _every_import(source: str, package: str) -> list[tuple[int, str]]:
    """(line, module) of every import in `source` (a module of `package`): at the top,
    inside functions, under TYPE_CHECKING, relative ones resolved; and the literal
    argument of import_module() or __import__()."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            parts = package.split(".")
            base = ".".join(parts[: len(parts) - node.level + 1]) if node.level else ""
            module = ".".join(filter(None, (base, node.module)))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Call) and node.args:
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            literal = node.args[0]
            if name in ("import_module", "__import__") and isinstance(literal, ast.Constant):
                found.append((node.lineno, str(literal.value)))
    return found


def test_core_imports_no_feature():
    """core/ knows no feature: the factory composes them by name (core.features)."""
    offending = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in _modules("core/**/*.py")
        for line, module in _every_import(path.read_text(), _package(path))
        if module.split(".")[0] in FEATURES
    ]
    assert not offending, offending


def test_the_import_check_sees_hidden_imports():
    source = (
        "from typing import TYPE_CHECKING\n"
        "import importlib\n"
        "from . import health\n"  # core.views.health: the /healthz page, not the feature
        "if TYPE_CHECKING:\n    from custody.models import Facility\n"
        "def f():\n    import health.fhir\n    importlib.import_module('custody.seed')\n"
    )
    modules = {module for _, module in _every_import(source, "core.views")}
    assert "core.views.health" in modules
    assert {"custody.models.Facility", "health.fhir", "custody.seed"} <= modules


def test_core_imports_at_the_top_of_its_modules():
    """No function-level imports in core (ruff's PLC0415), except in the composition
    root, create_app, which keeps `import core.db` from loading every page."""
    nested = []
    for path in _modules("core/**/*.py"):
        for function in ast.walk(ast.parse(path.read_text())):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if path == ROOT / "core" / "__init__.py" and function.name == "create_app":
                continue
            nested += [
                f"{path.relative_to(ROOT)}:{node.lineno}"
                for node in ast.walk(function)
                if isinstance(node, ast.Import | ast.ImportFrom)
            ]
    assert not nested, nested
