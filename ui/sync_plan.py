"""The plan preview: what looks broken first, then what clients will see, then every change by stage.

Removals (deleted or recreated groups, removed keys and members) are red everywhere and counted in the
confirmation that Apply and Retry open; the api.yaml change shows its masked diff; an updated group shows
each field before and after.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from nicegui import ui

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
REMOVAL_KINDS = {"delete_group", "replace_group", "remove_keys", "remove_member"}
VALUE_CHARS = 160


def is_removal(change: Change) -> bool:
    return change.kind in REMOVAL_KINDS


def plan_preview(plan: Plan) -> None:
    ui.label("Plan preview").classes("text-h6")
    if plan.safety.unsafe:
        with ui.card().classes("w-full bg-red-1 text-negative").mark("unsafe-plan"):
            ui.label(f"Unsafe plan: it deletes or replaces {plan.safety.removals} of the {plan.safety.managed} "
                     "groups this manager owns.").classes("font-bold")  # fmt: skip
            ui.label(plan.safety.reason or "").classes("text-sm")
    route_warnings(plan)
    for conflict in plan.conflicts:
        ui.label(f"Conflict: {conflict.name}: {conflict.reason}").classes("text-warning").mark("conflict")
    if plan.is_empty:
        ui.label("Everything is in sync: nothing to change.").mark("plan-empty")
        return
    client_changes(plan)
    for stage, title in STAGE_TITLES.items():
        changes = [c for c in plan.changes if c.stage == stage]
        if not changes:
            continue
        removals = sum(map(is_removal, changes))
        heading = f"{title}: {len(changes)}" + (f" ({removals} removals)" if removals else "")
        with ui.expansion(heading, value=stage == "uniapi").classes("w-full").mark(f"stage-{stage}"):
            for change in changes:
                change_view(change)


def route_warnings(plan: Plan) -> None:
    """Providers the plan routes clients to although they look broken: above everything, before Apply."""
    for warning in plan.warnings:
        severe = warning.reason == "last_test_failed"
        color = "negative" if severe else "warning"
        tint = "border-red-600 bg-red-1" if severe else "border-orange-500 bg-orange-1"
        with ui.card().classes(f"w-full border-l-4 {tint} text-black").mark("route-warning"):
            with ui.row().classes("items-center gap-2"):
                ui.icon("error" if severe else "warning", color=color)
                ui.label(f"{warning.provider_name}: {warning.detail}").classes("font-bold")
            ui.label(f"Clients reach it through groups {', '.join(warning.groups)}").classes("text-sm")
            ui.label(f"Model names routed to it: {', '.join(warning.exposed_names)}").classes("text-sm")


def client_changes(plan: Plan) -> None:
    if not plan.client_changes:
        return
    ui.label("What uni-api's clients will see").classes("text-subtitle1")
    for entry in plan.client_changes:
        with ui.row().classes("items-baseline gap-3 text-sm").mark(f"client-change client-change-{entry.entry}"):
            ui.label(entry.entry).classes("font-mono font-bold")
            if entry.gained:
                ui.label(f"gain {', '.join(entry.gained)}").classes("text-positive")
            if entry.lost:
                ui.label(f"lose {', '.join(entry.lost)}").classes("text-negative")
            if entry.renamed:
                ui.label("rename " + ", ".join(f"{r.before} → {r.after}" for r in entry.renamed)).classes(
                    "text-primary"
                )


def change_view(change: Change) -> None:
    removal = is_removal(change)
    with ui.column().classes("gap-0 w-full" + (" text-negative" if removal else "")):
        with ui.row().classes("items-center gap-2 text-sm").mark("removal" if removal else "change"):
            ui.icon(change_icon(change))
            ui.label(f"{change.kind.replace('_', ' ')} · {change.target}").classes("font-mono")
            summary = change_summary(change)
            if summary:
                ui.label(summary).classes("text-grey-8" if not removal else "")
        if change.kind == "update_group":
            for name, values in change.data["fields"].items():
                ui.label(f"{name}: {short(values['before'])} → {short(values['after'])}").classes(
                    "text-sm font-mono pl-8 break-all"
                ).mark("field-diff")
        if change.kind == "write_uniapi":
            with ui.element("div").classes("w-full max-h-96 overflow-auto").mark("uniapi-diff"):
                ui.code(change.data.get("diff") or "(no textual difference)", language="diff").classes("w-full")


def change_icon(change: Change) -> str:
    if is_removal(change):
        return "remove_circle"
    return "add_circle" if change.kind.startswith(("create", "add")) else "change_circle"


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
    if change.kind == "write_uniapi":
        return "a new file" if data.get("new_file") else "the managed entries change"
    return ""


def short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)
    text = text if text != "" else '""'
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


async def confirm_apply(plan: Plan, container: ui.element, *, retry_of: int | None = None) -> bool:
    """Apply (or Retry) asks first, naming how many changes remove something; an unsafe plan also wants the
    number of groups it deletes typed in (its Apply then forces it). The dialog lives in ``container``,
    outside the areas a refresh rebuilds."""
    removals = [c for c in plan.changes if is_removal(c)]
    question = f"Apply {len(plan.changes)} changes, including {len(removals)} removals?"
    with container, ui.dialog() as dialog, ui.card():
        ui.label(f"Retry sync {retry_of}: {question}" if retry_of else question).mark("confirm-question")
        for change in removals[:10]:
            ui.label(f"{change.kind.replace('_', ' ')} · {change.target}").classes("text-sm text-negative")
        if len(removals) > 10:
            ui.label(f"and {len(removals) - 10} more removals").classes("text-sm text-negative")
        typed = None
        if plan.safety.unsafe:
            wanted = str(plan.safety.removals)
            ui.label(f"This plan is unsafe: type {wanted} to delete {wanted} groups.").classes("text-negative")
            typed = ui.input(f"Type {wanted}").mark("confirm-count")
        with ui.row().classes("w-full justify-end"):
            ui.button("Cancel", on_click=lambda: dialog.submit(False)).props("flat").mark("confirm-cancel")
            apply = ui.button(f"Apply {len(plan.changes)} changes", on_click=lambda: dialog.submit(True))
            apply.mark("confirm-apply")
            if typed is not None:
                apply.props("color=negative").bind_enabled_from(typed, "value", lambda v: (v or "").strip() == wanted)
    answer = await dialog
    dialog.delete()
    return bool(answer)


def apply_button(plan: Plan, start: Callable[[str, bool], Awaitable[None]], container: ui.element) -> None:
    async def clicked() -> None:
        if await confirm_apply(plan, container):
            await start(plan.checksum(), plan.safety.unsafe)

    ui.button("Apply", on_click=clicked).mark("apply")
