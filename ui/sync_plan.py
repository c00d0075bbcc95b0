"""The plan preview: what looks broken first, then what clients will see, then the changes counted per stage
and paged (``ui.plan_table``).

Removals (deleted or recreated groups, removed keys and members) are red everywhere and counted in the
confirmation that Apply and Retry open; the api.yaml change shows its masked diff. A normal plan trusts what
the last apply recorded for keys and members; a verify plan reads them all and lists the drift it found.
Every list is capped: at 12,100 groups a first plan has 3,100 uni-api entries gaining names.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from nicegui import ui

from core.gptload_offline import CONNECT_HINT
from ui.plan_table import changes_grid, is_removal, stage_counts

if TYPE_CHECKING:
    from core.plan import Plan

WARNINGS_SHOWN = 10  # cards; more broken providers are named in one line
ITEMS_SHOWN = 20  # client changes, conflicts, drift
NAMES_SHOWN = 10  # names in one list (groups, model names gained or lost)


def plan_preview(plan: Plan) -> None:
    ui.label("Plan preview" if plan.gptload_reachable else "Plan preview without GPT-Load").classes("text-h6")
    if plan.gptload_reachable:
        verification(plan)
    else:
        offline_notice(plan)
    if plan.safety.unsafe:
        with ui.card().classes("w-full bg-red-1 text-negative").mark("unsafe-plan"):
            ui.label(f"Unsafe plan: it deletes or replaces {plan.safety.removals} of the {plan.safety.managed} "
                     "groups this manager owns.").classes("font-bold")  # fmt: skip
            ui.label(plan.safety.reason or "").classes("text-sm")
    route_warnings(plan)
    drift(plan)
    for conflict in plan.conflicts[:ITEMS_SHOWN]:
        ui.label(f"Conflict: {conflict.name}: {conflict.reason}").classes("text-warning").mark("conflict")
    more(len(plan.conflicts), "conflicts")
    if plan.is_empty:
        ui.label("Everything is in sync: nothing to change.").mark("plan-empty")
        return
    client_changes(plan)
    stage_counts(plan)
    changes_grid(plan)
    uniapi_diff(plan)


def offline_notice(plan: Plan) -> None:
    """GPT-Load was not read (``core.gptload_offline``): the plan is what a first sync would do, and only shown."""
    with ui.card().classes("w-full border-l-4 border-blue-600 bg-blue-1 text-black").mark("plan-offline"):
        with ui.row().classes("items-center gap-2 no-wrap"):
            ui.icon("visibility", color="primary")
            ui.label("Preview only: GPT-Load is not connected, so nothing can be applied yet.").classes("font-bold")
        ui.label(plan.gptload_error or "").classes("text-sm font-mono break-all").mark("plan-offline-reason")
        ui.label("Below is what a first sync would create in an empty GPT-Load, and the api.yaml it would write.")
        ui.label(CONNECT_HINT).classes("text-sm").mark("plan-offline-hint")


def verification(plan: Plan) -> None:
    if plan.verified:
        text = "Verified: every managed group's keys and members were read from GPT-Load."
    else:
        text = ("Not verified: keys and members were read only for groups changed since the last sync; "
                "Verify reads all of them and lists what was changed by hand in GPT-Load.")  # fmt: skip
    ui.label(text).classes("text-sm text-grey-8").mark("plan-verified" if plan.verified else "plan-unverified")


def drift(plan: Plan) -> None:
    """Groups whose keys or members someone changed in GPT-Load by hand since the last sync (verify plans)."""
    if not plan.drift:
        if plan.verified:
            ui.label("No drift: GPT-Load holds every group's keys and members as the last sync left them.").mark(
                "no-drift"
            )
        return
    with ui.card().classes("w-full border-l-4 border-orange-500 bg-orange-1 text-black").mark("drift"):
        groups = "1 group was" if len(plan.drift) == 1 else f"{len(plan.drift):,} groups were"
        ui.label(f"Drift: {groups} changed in GPT-Load since the last sync").classes("font-bold")
        for item in plan.drift[:ITEMS_SHOWN]:
            ui.label(f"{item.group}: {item.summary}").classes("text-sm font-mono").mark("drift-item")
        more(len(plan.drift), "groups drifted")


def route_warnings(plan: Plan) -> None:
    """Providers the plan routes clients to although they look broken: above everything, before Apply."""
    for warning in plan.warnings[:WARNINGS_SHOWN]:
        severe = warning.reason == "last_test_failed"
        color = "negative" if severe else "warning"
        tint = "border-red-600 bg-red-1" if severe else "border-orange-500 bg-orange-1"
        with ui.card().classes(f"w-full border-l-4 {tint} text-black").mark("route-warning"):
            with ui.row().classes("items-center gap-2"):
                ui.icon("error" if severe else "warning", color=color)
                ui.label(f"{warning.provider_name}: {warning.detail}").classes("font-bold")
            ui.label(f"Clients reach it through groups {names(warning.groups)}").classes("text-sm")
            ui.label(f"Model names routed to it: {names(warning.exposed_names)}").classes("text-sm")
    rest = plan.warnings[WARNINGS_SHOWN:]
    if rest:
        ui.label(f"{len(rest)} more providers look broken too: {names([w.provider_name for w in rest])}").classes(
            "text-negative font-bold"
        ).mark("route-warnings-more")


def client_changes(plan: Plan) -> None:
    if not plan.client_changes:
        return
    ui.label("What uni-api's clients will see").classes("text-subtitle1")
    for entry in plan.client_changes[:ITEMS_SHOWN]:
        with ui.row().classes("items-baseline gap-3 text-sm").mark(f"client-change client-change-{entry.entry}"):
            ui.label(entry.entry).classes("font-mono font-bold")
            if entry.gained:
                ui.label(f"gain {names(entry.gained)}").classes("text-positive")
            if entry.lost:
                ui.label(f"lose {names(entry.lost)}").classes("text-negative")
            if entry.renamed:
                ui.label("rename " + names([f"{r.before} → {r.after}" for r in entry.renamed])).classes("text-primary")
    more(len(plan.client_changes), "uni-api entries change (all of them: GET /api/config/plan)")


def uniapi_diff(plan: Plan) -> None:
    change = next((c for c in plan.changes if c.kind == "write_uniapi"), None)
    if change is None:
        return
    title = "api.yaml diff (masked)" if plan.gptload_reachable else "The api.yaml it would write (masked)"
    with (
        ui.expansion(title, value=True).classes("w-full"),
        ui.element("div").classes("w-full max-h-96 overflow-auto").mark("uniapi-diff"),
    ):
        ui.code(change.data.get("diff") or "(no textual difference)", language="diff").classes("w-full")


def names(items: list[str]) -> str:
    """``items`` joined, at most NAMES_SHOWN of them, then how many more."""
    shown = ", ".join(items[:NAMES_SHOWN])
    return shown + (f" and {len(items) - NAMES_SHOWN:,} more" if len(items) > NAMES_SHOWN else "")


def more(total: int, what: str) -> None:
    if total > ITEMS_SHOWN:
        ui.label(f"and {total - ITEMS_SHOWN:,} more {what}").classes("text-sm text-grey-8").mark("more")


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


def apply_button(plan: Plan, start: Callable[[Plan], Awaitable[None]], container: ui.element) -> None:
    async def clicked() -> None:
        if await confirm_apply(plan, container):
            await start(plan)

    ui.button("Apply", on_click=clicked).mark("apply")
