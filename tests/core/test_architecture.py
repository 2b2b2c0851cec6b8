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
