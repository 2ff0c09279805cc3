"""The package's layering: orchestration above the analysis of one module, shared values below both.

The import graph is built from the source (``ast``) of ``linter/`` and ``rules/``, with imports
inside functions counted (they run too); imports under ``if TYPE_CHECKING:`` are left out (they
never run).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = {"budgetlint": REPO / "linter", "budgetlint.rules": REPO / "rules"}
MAX_ENGINE_LINES = 300


def modules() -> dict[str, Path]:
    found = {}
    for package, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join([package, *parts])] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package modules ``name`` imports, wherever in the module the import statement is."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {id(child) for node in ast.walk(tree) if isinstance(node, ast.If) and _is_type_checking(node) for child in ast.walk(node)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(target for target in targets if target in known and target != name)
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports_of(name, path, known) for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(groups)


def test_no_import_circle_among_the_packages_modules():
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_function_level_and_relative_imports():
    edges = graph()
    assert "budgetlint.engine" in edges["budgetlint.runner"]  # imported inside lint_file
    assert "budgetlint.job" in edges["budgetlint.engine"]  # from .job import ...


@pytest.mark.parametrize(
    "module",
    [
        "engine", "runner", "pool", "phases", "phase_files", "phase_rounds", "summary", "resident", "project", "wrappers", "helpers", "analysis", "locate", "positions", "parsing",
        "model", "matching", "literals", "collector", "bindings", "loops", "buffer", "workspace", "diagnostics", "server", "reparse", "returns", "statements",
    ],
)
def test_engine_modules_stay_small(module):
    path = REPO / "linter" / f"{module}.py"
    if not path.exists():
        pytest.skip(f"no {path.name}")
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_ENGINE_LINES


def test_the_analysis_never_imports_the_orchestration():
    edges = graph()
    orchestration = {
        "budgetlint.runner", "budgetlint.pool", "budgetlint.phases", "budgetlint.phase_files", "budgetlint.phase_rounds", "budgetlint.commands", "budgetlint.buffer", "budgetlint.workspace",
        "budgetlint.server",
    }
    analysis = {"budgetlint.engine", "budgetlint.model", "budgetlint.matching", "budgetlint.locate", "budgetlint.parsing", "budgetlint.job"}
    for module in analysis:
        assert not edges.get(module, set()) & orchestration, module
