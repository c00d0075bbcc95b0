"""Issue 14 §5: every select whose options are data (providers, groups, models, rules, an import's choices) can be
typed into. The only selects without ``with_input`` are the short fixed lists named here, each with its length."""

from __future__ import annotations

import ast

from core.channels import CHANNEL_TYPES
from core.settings import PROJECT_ROOT

# (module, the label's key): why typing is not needed there.
FIXED_SHORT = {
    ("ui/inbox_page.py", "inbox.change"): 4,  # all, new, vanished, reappeared
    ("ui/provider_dialog.py", "prov.channel"): len(CHANNEL_TYPES),
}
HANDFUL = 6


def selects(source: str) -> list[tuple[str | None, bool]]:
    """Each ``ui.select(...)`` call: the key of its ``label=t("...")`` (if any) and whether it passes ``with_input``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "select"):
            continue
        if not (isinstance(node.func.value, ast.Name) and node.func.value.id == "ui"):
            continue
        keywords = {k.arg: k.value for k in node.keywords}
        label = keywords.get("label")
        key = label.args[0].value if isinstance(label, ast.Call) and label.args else None
        found.append((key, "with_input" in keywords))
    return found


def test_every_select_of_data_can_be_typed_into():
    seen = []
    for path in sorted((PROJECT_ROOT / "ui").rglob("*.py")):
        module = str(path.relative_to(PROJECT_ROOT))
        for key, typeable in selects(path.read_text()):
            seen.append((module, key))
            assert typeable or (module, key) in FIXED_SHORT, f"{module}: the select labelled {key} cannot be typed in"
    assert len(seen) >= 6 and set(FIXED_SHORT) <= set(seen)


def test_the_fixed_selects_are_short():
    assert all(length <= HANDFUL for length in FIXED_SHORT.values())


def test_the_check_sees_a_select_without_input():
    planted = 'ui.select(names, label=t("x.model"))\nui.select(names, label=t("x.group"), with_input=True)'
    assert selects(planted) == [("x.model", False), ("x.group", True)]
