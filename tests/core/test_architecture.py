"""The architecture, checked: the import-linter contracts in pyproject.toml (the arrows
between packages, areas and layers), and what those contracts cannot say — no import
cycle anywhere (function-level imports counted), imports at the top of modules, models
without Flask, views without commits, services without request state, no `assert` on a
production path, modules under 400 lines. docs/architecture.md draws the same rules."""

from __future__ import annotations

import ast
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import grimp
import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "custody", "health")
# Composition roots: a feature's init_app may import its pages and API lazily.
COMPOSITION_ROOTS = {"core/__init__.py", "custody/__init__.py", "health/__init__.py"}
REQUEST_STATE = {"request", "g", "session", "has_request_context"}
PAGE_OR_API = ("views", "api", "rest", "outcome", "forms", "schemas", "cli")


def _files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_model(path: Path) -> bool:
    return path.name in ("models.py", "tables.py")


def _is_page_or_api(path: Path) -> bool:
    return path.stem in PAGE_OR_API or "views" in path.parts


def _is_service(path: Path) -> bool:
    """Feature code that is neither a model nor a page/API/form/schema module."""
    rel = _rel(path)
    if rel.startswith("core/") or path.name == "__init__.py" or rel in COMPOSITION_ROOTS:
        return False
    return not (_is_model(path) or _is_page_or_api(path) or "seed" in path.parts)


def _imports(path: Path) -> Iterator[tuple[str, ast.stmt, bool]]:
    """(module, statement, at top level) for every import statement, wherever it is."""
    tree = ast.parse(path.read_text())
    top = set(map(id, tree.body))
    for node in tree.body:
        if isinstance(node, ast.If):  # `if TYPE_CHECKING:` blocks count as top level
            top |= set(map(id, node.body))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node, id(node) in top
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module, node, id(node) in top


def test_import_linter_contracts_are_kept(monkeypatch):
    """(import-linter configures logging with `disable_existing_loggers`: the app's
    loggers are switched back on, or later tests that read the logs see nothing.)"""
    monkeypatch.chdir(ROOT)
    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    enabled = [logger for logger in loggers if not logger.disabled]
    try:
        assert lint_imports(no_cache=True) == 0, "run `make lint` to see the broken contract"
    finally:
        for logger in enabled:
            logger.disabled = False


def test_no_import_cycles_between_modules():
    """grimp counts every import statement, those inside functions too."""
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True)
    modules = sorted(m for m in graph.modules if m.split(".")[0] in PACKAGES)
    cycles = []
    for module in modules:
        for imported in graph.find_modules_directly_imported_by(module):
            chain = graph.find_shortest_chain(importer=imported, imported=module)
            if chain is not None and module not in imported:  # a package's own parts
                cycles.append(" -> ".join((module, *chain)))
    assert not cycles, "import cycles:\n" + "\n".join(sorted(set(cycles))[:20])


def test_imports_are_at_the_top_of_modules():
    late = [
        f"{_rel(path)}:{node.lineno} {name}"
        for path in _files()
        if _rel(path) not in COMPOSITION_ROOTS
        for name, node, at_top in _imports(path)
        if not at_top and name.split(".")[0] in PACKAGES
    ]
    assert not late, "imports inside functions:\n" + "\n".join(late)


def test_core_knows_no_feature():
    found = [
        f"{_rel(path)}:{node.lineno} {name}"
        for path in _files()
        if _rel(path).startswith("core/")
        for name, node, _ in _imports(path)
        if name.split(".")[0] in ("custody", "health")
    ]
    assert not found, found


def test_health_never_imports_custody():
    found = [
        f"{_rel(path)}:{node.lineno} {name}"
        for path in _files()
        if _rel(path).startswith("health/")
        for name, node, _ in _imports(path)
        if name.split(".")[0] == "custody"
    ]
    assert not found, found


def test_models_do_not_import_flask():
    models = [p for p in _files() if _is_model(p)]
    assert len(models) >= 8, models  # every custody area's models, core's and health's
    for path in models:
        assert not any(n == "flask" or n.startswith("flask.") for n, _, _ in _imports(path)), path


def test_views_do_not_commit():
    views = [p for p in _files() if _is_page_or_api(p)]
    assert {"custody/bookings/api.py", "health/fhir/rest.py"} <= {_rel(p) for p in views}
    for path in views:
        assert ".commit(" not in path.read_text(), path


def test_services_do_not_read_request_state():
    services = [p for p in _files() if _is_service(p)] + [ROOT / "core/users.py"]
    names = {_rel(p) for p in services}
    assert {
        "custody/restrictive/services/writing.py",
        "health/fhir/services.py",
        "custody/bookings/intake.py",
    } <= names
    for path in services:
        text = path.read_text()
        assert "current_user" not in text and "flask.g" not in text, path
        for name, node, _ in _imports(path):
            if name == "flask" and isinstance(node, ast.ImportFrom):
                read = {a.name for a in node.names} & REQUEST_STATE
                assert not read, f"{_rel(path)} reads {read}: pass it in as an argument"


def test_only_health_fhir_imports_fhir_resources():
    for path in _files():
        if _rel(path).startswith("health/fhir/"):
            continue
        assert not any(n.startswith("fhir.resources") for n, _, _ in _imports(path)), path


def test_no_assert_on_a_production_path():
    found = [
        f"{_rel(path)}:{node.lineno}"
        for path in _files()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Assert)
    ]
    assert not found, found


@pytest.mark.parametrize("package", PACKAGES)
def test_modules_stay_under_400_lines(package):
    long = [
        f"{_rel(p)} ({n})"
        for p in _files()
        if _rel(p).startswith(package + os.sep) and (n := len(p.read_text().splitlines())) > 400
    ]
    assert not long, long
