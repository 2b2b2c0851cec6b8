"""health/ stands on its own: it never imports custody, its modules import each other
without cycles and at the top of the module only, and no `assert` guards its code."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEALTH = ROOT / "health"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(HEALTH.rglob("*.py"))}


def _imported(path: Path) -> list[tuple[str, ast.stmt]]:
    """Every module an import statement of `path` names, wherever the statement is (in
    a function too); `from package import module` names the module (as grimp and
    import-linter count it), relative imports are resolved."""
    found: list[tuple[str, ast.stmt]] = []
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, node) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            for alias in node.names:
                full = f"{module}.{alias.name}"
                found.append((full if full in MODULES else module, node))
    return found


def test_health_never_imports_custody():
    offending = [
        f"{path.relative_to(ROOT)}:{node.lineno} imports {name}"
        for path in MODULES.values()
        for name, node in _imported(path)
        if name == "custody" or name.startswith("custody.")
    ]
    assert offending == []


def test_health_imports_only_at_the_top_of_a_module():
    """Except the composition root, health's init_app (registered by the app factory)."""
    nested = []
    for path in MODULES.values():
        if path == HEALTH / "__init__.py":
            continue
        tree = ast.parse(path.read_text())
        # a module-level `with` (a warnings guard around an import) is still the top
        guarded = [n for w in tree.body if isinstance(w, ast.With) for n in w.body]
        top = {id(node) for node in [*tree.body, *guarded]}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in top:
                nested.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert nested == []


def _graph() -> dict[str, set[str]]:
    """health module -> the health modules it imports."""
    return {
        name: {target for target, _ in _imported(path) if target in MODULES and target != name}
        for name, path in MODULES.items()
    }


def test_health_has_no_import_cycles():
    graph = _graph()
    cycles = []

    def visit(module: str, stack: list[str], done: set[str]) -> None:
        for target in sorted(graph[module]):
            if target in stack:
                cycles.append(" -> ".join([*stack[stack.index(target) :], target]))
            elif target not in done:
                visit(target, [*stack, target], done)
        done.add(module)

    done: set[str] = set()
    for module in sorted(graph):
        if module not in done:
            visit(module, [module], done)
    assert cycles == []


def test_no_assert_guards_health_code():
    asserts = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in MODULES.values()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Assert)
    ]
    assert asserts == []
