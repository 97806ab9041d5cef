"""The shape between apps (docs/architecture.md): every app imports only the layers below it, the
app-level import graph has no cycle, and no app imports another inside a function to hide one.

The layers are read from `[tool.importlinter]` in pyproject.toml (the contract `lint-imports` checks
in CI), so there is one list. Imports are read with `ast`, not by importing: a function-local import
counts as much as a module-level one. Allowed inside a function: `AppConfig.ready()` (apps.py) and
`if TYPE_CHECKING:` blocks (never executed, also ignored by import-linter).
"""

import ast
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOT_APPS = {"tests", "bench", "miniprogram", "node_modules", "docs", "deploy", "bin", "templates", "var"}


@dataclass(frozen=True)
class Import:
    source: str  # app that imports
    target: str  # app imported
    where: str  # path:line
    local: bool  # inside a function (other than AppConfig.ready)


def project_apps(root: Path) -> list[str]:
    return sorted(
        p.name
        for p in root.iterdir()
        if p.is_dir() and (p / "__init__.py").exists() and p.name not in NOT_APPS and not p.name.startswith(".")
    )


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST, function: str | None):
    """Yields (import node, enclosing function name or None), skipping `if TYPE_CHECKING:` bodies."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield from _walk(other, function)
            continue
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, function
        inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
        yield from _walk(child, inner)


def app_imports(root: Path) -> list[Import]:
    apps = set(project_apps(root))
    found = []
    for app in sorted(apps):
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node, function in _walk(tree, None):
                if isinstance(node, ast.ImportFrom):
                    if node.level:  # relative: inside the same app
                        continue
                    names = [node.module or ""]
                else:
                    names = [alias.name for alias in node.names]
                for name in names:
                    target = name.split(".")[0]
                    if target in apps and target != app:
                        allowed_local = function == "ready" and path.name == "apps.py"
                        found.append(
                            Import(
                                app,
                                target,
                                f"{path.relative_to(root)}:{node.lineno}",
                                local=function is not None and not allowed_local,
                            )
                        )
    return found


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one app (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return groups


def graph(imports: list[Import]) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for imp in imports:
        edges.setdefault(imp.source, set()).add(imp.target)
    return edges


def layer_ranks(pyproject: Path) -> dict[str, tuple[int, bool]]:
    """app -> (rank from the bottom, independent of its siblings) from the import-linter layers contract."""
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["id"] == "layers"]
    ranks = {}
    for rank, layer in enumerate(reversed(contract["layers"])):
        independent = "|" in layer
        for app in layer.replace(":", "|").split("|"):
            ranks[app.strip()] = (rank, independent)
    return ranks


# --- the project ------------------------------------------------------------------------------

IMPORTS = app_imports(ROOT)


def test_the_reader_sees_the_imports_between_apps():
    # A reader that finds nothing would pass every test below; courses raises core's BusinessError.
    assert "core" in graph(IMPORTS).get("courses", set())


def test_every_app_is_in_a_layer():
    ranks = layer_ranks(ROOT / "pyproject.toml")
    assert set(project_apps(ROOT)) == set(ranks), "add the new app to [tool.importlinter] layers"


def test_the_app_graph_has_no_cycle():
    assert cycles(graph(IMPORTS)) == []


def test_no_app_imports_another_inside_a_function():
    local = [f"{i.where}: {i.source} imports {i.target} inside a function" for i in IMPORTS if i.local]
    assert local == [], "import at module level (a cycle means the code belongs in a higher layer)"


def test_apps_import_only_layers_below_them():
    ranks = layer_ranks(ROOT / "pyproject.toml")
    upward = [
        f"{i.where}: {i.source} → {i.target}"
        for i in IMPORTS
        if ranks[i.source][0] < ranks[i.target][0] or (ranks[i.source][0] == ranks[i.target][0] and ranks[i.source][1])
    ]
    assert upward == []


# --- the checks can fail --------------------------------------------------------------------------


@pytest.fixture
def tiny_project(tmp_path):
    def write(relative: str, text: str = "") -> None:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    for app in ("low", "high"):
        write(f"{app}/__init__.py")
    write("high/services.py", "from low import services\n")
    write("low/services.py", "def f():\n    from high import services\n")
    write("low/apps.py", "class LowConfig:\n    def ready(self):\n        from high import signals\n")
    write("low/typing_only.py", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from high import models\n")
    write("low/migrations/0001_initial.py", "from high import models\n")
    return tmp_path


def test_a_function_local_import_is_found_and_makes_a_cycle(tiny_project):
    imports = app_imports(tiny_project)
    assert [(i.where, i.local) for i in imports if i.source == "low"] == [
        ("low/apps.py:3", False),
        ("low/services.py:2", True),
    ]
    assert cycles(graph(imports)) == [["high", "low"]]
