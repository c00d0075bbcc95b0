"""Dependency rules of DESIGN §3, checked on the source: core never imports the UI, pure modules do no I/O."""

from __future__ import annotations

import ast
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
    for path in (PROJECT_ROOT / "ui").rglob("*.py"):
        bad = {m for m in imported_modules(path) if m in {"core.models", "tortoise"} or m.startswith("core.clients")}
        assert not bad, f"{path.relative_to(PROJECT_ROOT)} imports {bad}"


def test_the_architecture_check_sees_a_violation(tmp_path):
    sample = tmp_path / "bad.py"
    sample.write_text("from nicegui import ui\nimport core.models\n")
    assert imported_modules(sample) == {"nicegui", "core.models"}
