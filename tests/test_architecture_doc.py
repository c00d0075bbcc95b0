"""docs/architecture.md stays true: every module it names exists, and every core module is in its table."""

from __future__ import annotations

import re

from core.settings import PROJECT_ROOT

DOC = PROJECT_ROOT / "docs" / "architecture.md"
PATH = re.compile(r"`((?:core|ui|tests)/[\w/.]*|main\.py)`")


def named_paths() -> set[str]:
    return set(PATH.findall(DOC.read_text()))


def test_every_module_the_architecture_names_exists():
    missing = sorted(p for p in named_paths() if not (PROJECT_ROOT / p).exists())
    assert not missing, f"docs/architecture.md names modules that do not exist: {missing}"


def test_every_core_module_is_in_the_architecture_table():
    named = named_paths()
    modules = {
        str(path.relative_to(PROJECT_ROOT))
        for path in (PROJECT_ROOT / "core").glob("*.py")
        if path.name != "__init__.py"
    }
    packages = {p.rstrip("/") for p in named if p.endswith("/") and p.count("/") > 1}  # core/uniapi/, not core/
    unnamed = sorted(m for m in modules if m not in named and not any(m.startswith(f"{p}/") for p in packages))
    assert not unnamed, f"core modules missing from docs/architecture.md: {unnamed}"


def test_the_checker_sees_a_missing_module(tmp_path):
    assert PATH.findall("see `core/nowhere.py` and `ui/x/`") == ["core/nowhere.py", "ui/x/"]
