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
from ui.i18n import t
from ui.locales import EN
from ui.messages import joined
from ui.paged_grid import PagedGrid

if TYPE_CHECKING:
    from core.changes import Change
    from core.plan import Plan

# The stages (core.changes.STAGES, the values code and records use) and the words a page shows for them.
STAGE_KEYS = {
    "standard": "plan.stage_standard",
    "keys": "plan.stage_keys",
    "aggregates": "plan.stage_aggregates",
    "members": "plan.stage_members",
    "removals": "plan.stage_removals",
    "uniapi": "plan.stage_uniapi",
}
# The English words, as tests/browser/test_smoke.py reads them on the English page.
STAGE_TITLES = {stage: EN[key] for stage, key in STAGE_KEYS.items()}
DELETED_GROUP = {"standard": "plan.summary_delete_standard", "aggregate": "plan.summary_delete_aggregate"}
REMOVAL_KINDS = {"delete_group", "replace_group", "remove_keys", "remove_member", "trim_redirects"}
VALUE_CHARS = 160
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
                title = t(STAGE_KEYS[stage])
                ui.label(t("plan.stage_count", stage=title, count=f"{changes[stage]:,}")).classes("font-bold")
                if removals[stage]:
                    ui.label(t("plan.stage_removals_count", count=f"{removals[stage]:,}")).classes("text-negative")


def changes_grid(plan: Plan) -> PagedGrid:
    ui.add_css(CSS)
    rows = [change_row(i, change) for i, change in enumerate(plan.changes)]
    options = {"rowClassRules": {"change-removal": "data.removal"}, ":getRowId": "p => String(p.data.id)"}
    return PagedGrid(rows, columns(), noun=t("plan.grid_noun"), name="plan-changes", search=search_changes,
                     search_label=t("plan.search"), options=options)  # fmt: skip


def columns() -> list[dict[str, Any]]:
    return [
        {"field": "stage", "headerName": t("plan.col_stage"), "width": 160},
        {"field": "kind", "headerName": t("plan.col_change"), "width": 150},
        {"field": "target", "headerName": t("plan.col_target"), "flex": 2},
        {"field": "summary", "headerName": t("plan.col_summary"), "flex": 4, "wrapText": True, "autoHeight": True},
    ]


def search_changes(rows: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    return search_rows(rows, text, SEARCHED)


def change_row(index: int, change: Change) -> dict[str, Any]:
    """The row shows words (searched as shown); ``removal`` is what the grid's red rows branch on."""
    summary = change_summary(change)
    if change.kind == "update_group":
        fields = change.data["fields"].items()  # GPT-Load's field names: data, not words
        summary = "; ".join(f"{name}: {short(v['before'])} → {short(v['after'])}" for name, v in fields)
        if change.data.get("keep_redirects"):
            summary += t("plan.summary_still_serving", names=", ".join(change.data["keep_redirects"]))
    return {
        "id": index,
        "stage": t(STAGE_KEYS[change.stage]) if change.stage in STAGE_KEYS else change.stage,
        "kind": t(f"kind.{change.kind}"),
        "target": change.target,
        "summary": summary,
        "removal": is_removal(change),
    }


def change_summary(change: Change) -> str:
    data = change.data
    if change.kind in {"add_keys", "remove_keys"}:
        keys = ", ".join(data["keys"][:5]) + (" …" if data["count"] > 5 else "")
        if data["count"] == 1:
            return t("plan.summary_keys_one", keys=keys)
        return t("plan.summary_keys", count=data["count"], keys=keys)
    if change.kind == "add_members":
        return joined(t("plan.summary_member", member=m, weight=w) for m, w in data["members"].items())
    if change.kind == "set_weight":
        return t("plan.summary_weight", member=data["member"], before=data["before"], after=data["after"])
    if change.kind == "remove_member":
        return data["member"]
    if change.kind == "replace_group":
        return t("plan.summary_replace")
    if change.kind == "delete_group":
        return t(DELETED_GROUP.get(data.get("group_type", "standard"), DELETED_GROUP["standard"]))
    if change.kind == "trim_redirects":
        return t("plan.summary_trim", names=", ".join(data["names"]))
    if change.kind == "write_uniapi":
        return t("plan.summary_new_file" if data.get("new_file") else "plan.summary_entries_change")
    return ""


def short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)
    text = text if text != "" else '""'
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"
