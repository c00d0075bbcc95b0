"""Dependency rules of DESIGN §3, checked on the source: core never imports the UI, pure modules do no I/O,
and no import cycle among the modules of core/ and ui/."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT

CORE = PROJECT_ROOT / "core"
PURE_MODULES = ["endpoints", "naming", "topology", "plan"]
IO_MODULES = {"httpx", "tortoise", "aiosqlite", "socket", "subprocess", "os", "pathlib", "asyncio", "core.models"}


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(CORE.rglob("*.py")), ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_core_never_imports_nicegui_or_ui(path):
    bad = {m for m in imported_modules(path) if m.split(".")[0] in {"nicegui", "ui"}}
    assert not bad, f"{path.name} imports {bad}"


@pytest.mark.parametrize("name", [n for n in PURE_MODULES if (CORE / f"{n}.py").exists()])
def test_pure_modules_do_no_io(name):
    imports = imported_modules(CORE / f"{name}.py")
    bad = {m for m in imports if m in IO_MODULES or m.split(".")[0] in IO_MODULES}
    assert not bad, f"core/{name}.py is pure but imports {bad}"


def test_ui_reaches_the_database_only_through_core_use_cases():
    """Pages call use-cases; the database's and the REST API's wiring is main.py's (the composition root)."""
    wiring = ("core.clients", "core.db", "core.rest", "tortoise")
    for path in (PROJECT_ROOT / "ui").rglob("*.py"):
        bad = {m for m in imported_modules(path) if m == "core.models" or m.startswith(wiring)}
        assert not bad, f"{path.relative_to(PROJECT_ROOT)} imports {bad}"


def test_the_architecture_check_sees_a_violation(tmp_path):
    sample = tmp_path / "bad.py"
    sample.write_text("from nicegui import ui\nimport core.models\n")
    assert imported_modules(sample) == {"nicegui", "core.models"}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_import_nodes(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import that can run: module level and inside functions, but not under ``if TYPE_CHECKING:``."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for sub in child.orelse:
                yield from _runtime_import_nodes(ast.Module(body=[sub], type_ignores=[]))
            continue
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child
        yield from _runtime_import_nodes(child)


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path, packages: Iterable[str]) -> dict[str, set[str]]:
    """Runtime imports among the modules of ``packages`` under ``root``: module -> modules it makes Python run.

    ``from a import b`` reaches ``a.b`` when that is a module; importing ``a.b.c`` also runs the packages
    ``a`` and ``a.b``, except the importer's own (already running by the time the importer runs).
    """
    files = {module_name(p, root): p for package in packages for p in sorted((root / package).rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        targets: set[str] = set()
        for node in _runtime_import_nodes(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
                continue
            base = name.split(".")[: len(name.split(".")) - node.level + is_package] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            targets.add(module)
            targets.update(f"{module}.{alias.name}" for alias in node.names)
        own = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1 + is_package)}
        reached: set[str] = set()
        for target in targets:
            parts = target.split(".")
            reached.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        graph[name] = {t for t in reached if t in files and t not in own and t != name}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_no_import_cycle_among_core_and_ui_modules():
    graph = import_graph(PROJECT_ROOT, ["core", "ui"])
    assert "core.sync" in graph["core.services"]  # the graph does see the services -> sync edge
    assert import_cycles(graph) == []


def test_the_cycle_check_sees_a_cycle_and_skips_type_checking_imports(tmp_path):
    package = tmp_path / "core"
    (package / "rest").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "services.py").write_text("from core.sync import Engine\n")
    (package / "sync.py").write_text("def run():\n    from .desired import state\n")  # function-local counts
    (package / "desired.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from core.sync import Engine\n"
    )
    (package / "rest" / "__init__.py").write_text("from core.rest import deps\n")
    (package / "rest" / "deps.py").write_text("from core import plan\n")  # its own package: not an edge
    (package / "plan.py").write_text("")
    graph = import_graph(tmp_path, ["core"])
    assert graph["core.rest"] == {"core.rest.deps"} and graph["core.rest.deps"] == {"core.plan"}
    assert import_cycles(graph) == []

    (package / "desired.py").write_text("import core.services\n")  # services -> sync -> desired -> services
    assert import_cycles(import_graph(tmp_path, ["core"])) == [["core.desired", "core.services", "core.sync"]]
    (package / "plan.py").write_text("from core.rest.deps import x\n")  # through a package's __init__
    assert ["core.plan", "core.rest", "core.rest.deps"] in import_cycles(import_graph(tmp_path, ["core"]))
