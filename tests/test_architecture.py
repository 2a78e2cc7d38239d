"""The package's shape, checked: no import cycles, no imports hidden in functions (but the CLI's
lazy subcommands), and each layer imports only what is below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "ldpub"

# What each part may import (besides the shared top-level modules of ldpub).
ALLOWED = {
    "build": {"build"},
    "query": {"query"},
    "site": {"site"},
    "linking": {"linking", "build"},  # reads our data as the build does (article folders expanded)
    "web": {"web", "query", "site"},
}
# No HTTP framework below the web layer: domain errors there, HTTP codes at the edge.
HTTP = ("starlette", "fastapi", "uvicorn")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


NAMES = {module_name(p) for p in PACKAGE.rglob("*.py")}


def imports(path: Path) -> tuple[set[str], list[tuple[int, str]]]:
    """(modules imported at module level, [(line, module)] imported inside a function)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top: set[str] = set()
    nested: list[tuple[int, str]] = []

    def names(node: ast.Import | ast.ImportFrom) -> list[str]:
        if isinstance(node, ast.Import):
            return [a.name for a in node.names]
        base = node.module or ""
        # `from ldpub.linking import links` imports the module ldpub.linking.links
        return [f"{base}.{a.name}" if f"{base}.{a.name}" in NAMES else base for a in node.names]

    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            top.update(names(node))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    nested += [(inner.lineno, n) for n in names(inner)]
    return top, nested


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
GRAPH = {name: {m for m in imports(path)[0] if m in MODULES} for name, path in MODULES.items()}


def test_the_walk_sees_the_package():
    assert {"ldpub.web.app", "ldpub.query.seal", "ldpub.build.validate", "ldpub.site.model"} <= set(MODULES)
    assert "ldpub.query.executor" in GRAPH["ldpub.query.pool"]


def test_no_import_cycles():
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [name])
    assert cycles == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_imports_inside_functions(name):
    _, nested = imports(MODULES[name])
    assert nested == [], f"{name} imports inside a function: {nested}"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.count(".") >= 2))
def test_layers(name):
    part = name.split(".")[1]
    for target in GRAPH[name]:
        other = target.split(".")[1] if target.count(".") >= 1 else ""
        if other in ALLOWED:
            assert other in ALLOWED[part], f"{name} imports {target}"
    if part != "web":
        top, _ = imports(MODULES[name])
        assert not [m for m in top if m.split(".")[0] in HTTP], f"{name} imports an HTTP framework"
