"""A plan's changes as table rows: the per-stage counts, and a paged grid of stage, kind, target and summary.

A first sync at 12,100 groups plans 24,201 changes: one element per change took seconds to render, so the
preview counts them per stage and pages through them (``ui.paged_grid``), removals in red. An updated group's
summary names each field before and after.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from nicegui import ui

from core.changes import STAGES
from core.topology_rows import search_rows
from ui.paged_grid import PagedGrid

if TYPE_CHECKING:
    from core.changes import Change
    from core.plan import Plan

STAGE_TITLES = {
    "standard": "Standard groups",
    "keys": "Keys",
    "aggregates": "Aggregate groups",
    "members": "Memberships",
    "removals": "Removals",
    "uniapi": "api.yaml",
}
REMOVAL_KINDS = {"delete_group", "replace_group", "remove_keys", "remove_member", "trim_redirects"}
VALUE_CHARS = 160
COLUMNS = [
    {"field": "stage", "headerName": "Stage", "width": 160},
    {"field": "kind", "headerName": "Change", "width": 150},
    {"field": "target", "headerName": "Target", "flex": 2},
    {"field": "summary", "headerName": "Summary", "flex": 4, "wrapText": True, "autoHeight": True},
]
SEARCHED = ("stage", "kind", "target", "summary")
CSS = ".change-removal .ag-cell { color: var(--q-negative); }"


def is_removal(change: Change) -> bool:
    return change.kind in REMOVAL_KINDS


def stage_counts(plan: Plan) -> None:
    """One line per stage with changes: how many, and how many of them remove something (in red)."""
    changes = Counter(c.stage for c in plan.changes)
    removals = Counter(c.stage for c in plan.changes if is_removal(c))
    with ui.row().classes("gap-6 items-baseline").mark("stage-counts"):
        for stage in STAGES:
            if not changes[stage]:
                continue
            with ui.row().classes("gap-1 items-baseline").mark(f"stage-{stage}"):
                ui.label(f"{STAGE_TITLES[stage]}: {changes[stage]:,}").classes("font-bold")
                if removals[stage]:
                    ui.label(f"({removals[stage]:,} removals)").classes("text-negative")


def changes_grid(plan: Plan) -> PagedGrid:
    ui.add_css(CSS)
    rows = [change_row(i, change) for i, change in enumerate(plan.changes)]
    options = {"rowClassRules": {"change-removal": "data.removal"}, ":getRowId": "p => String(p.data.id)"}
    return PagedGrid(rows, COLUMNS, noun="changes", name="plan-changes", search=search_changes,
                     search_label="Search changes", options=options)  # fmt: skip


def search_changes(rows: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    return search_rows(rows, text, SEARCHED)


def change_row(index: int, change: Change) -> dict[str, Any]:
    summary = change_summary(change)
    if change.kind == "update_group":
        fields = change.data["fields"].items()
        summary = "; ".join(f"{name}: {short(v['before'])} → {short(v['after'])}" for name, v in fields)
        if change.data.get("keep_redirects"):
            kept = ", ".join(change.data["keep_redirects"])
            summary += f" (still serving {kept} until uni-api has the new api.yaml)"
    return {
        "id": index,
        "stage": STAGE_TITLES.get(change.stage, change.stage),
        "kind": change.kind.replace("_", " "),
        "target": change.target,
        "summary": summary,
        "removal": is_removal(change),
    }


def change_summary(change: Change) -> str:
    data = change.data
    if change.kind in {"add_keys", "remove_keys"}:
        return f"{data['count']} keys: {', '.join(data['keys'][:5])}" + (" …" if data["count"] > 5 else "")
    if change.kind == "add_members":
        return ", ".join(f"{m} (weight {w})" for m, w in data["members"].items())
    if change.kind == "set_weight":
        return f"{data['member']}: weight {data['before']} → {data['after']}"
    if change.kind == "remove_member":
        return data["member"]
    if change.kind == "replace_group":
        return "deleted and created again: its channel type or validation endpoint changes"
    if change.kind == "delete_group":
        return f"the {data.get('group_type', 'standard')} group is deleted from GPT-Load"
    if change.kind == "trim_redirects":
        return f"no longer serves {', '.join(data['names'])} (after uni-api has loaded the new api.yaml)"
    if change.kind == "write_uniapi":
        return "a new file" if data.get("new_file") else "the managed entries change"
    return ""


def short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)
    text = text if text != "" else '""'
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"
