"""The plan preview: what looks broken first, then what clients will see, then the changes counted per stage
and paged (``ui.plan_table``).

Removals (deleted or recreated groups, removed keys and members) are red everywhere and counted in the
confirmation that Apply and Retry open; the api.yaml change shows its masked diff. A normal plan trusts what
the last apply recorded for keys and members; a verify plan reads them all and lists the drift it found.
Every list is capped: at 12,100 groups a first plan has 3,100 uni-api entries gaining names. What core says in
its own sentences (the safety verdict, a conflict, a broken provider, how to connect GPT-Load) is said with
``ui.messages.said``; an error's text (why GPT-Load cannot be reached) is shown as it is, marked ``gptload-error``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from nicegui import ui

from core.gptload_offline import CONNECT
from ui.i18n import t
from ui.messages import joined, said
from ui.plan_table import changes_grid, is_removal, stage_counts

if TYPE_CHECKING:
    from core.plan import Plan

WARNINGS_SHOWN = 10  # cards; more broken providers are named in one line
ITEMS_SHOWN = 20  # client changes, conflicts, drift
NAMES_SHOWN = 10  # names in one list (groups, model names gained or lost)


def plan_preview(plan: Plan) -> None:
    ui.label(t("plan.title" if plan.gptload_reachable else "plan.title_offline")).classes("text-h6")
    if plan.gptload_reachable:
        verification(plan)
    else:
        offline_notice(plan)
    if plan.safety.unsafe:
        with ui.card().classes("w-full bg-red-1 text-negative").mark("unsafe-plan"):
            ui.label(t("plan.unsafe", removals=plan.safety.removals, managed=plan.safety.managed)).classes("font-bold")
            ui.label(said(plan.safety.said) if plan.safety.said else "").classes("text-sm").mark("unsafe-reason")
    route_warnings(plan)
    drift(plan)
    for conflict in plan.conflicts[:ITEMS_SHOWN]:
        ui.label(t("plan.conflict", name=conflict.name, reason=said(conflict.said))).classes("text-warning").mark(
            "conflict"
        )
    more(len(plan.conflicts), t("plan.conflicts_more"))
    if plan.is_empty:
        ui.label(t("plan.empty")).mark("plan-empty")
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
            ui.label(t("plan.offline")).classes("font-bold")
        # Not configured: core's sentence; unreachable: the connection's error text, as the header shows it.
        marker = "plan-offline-reason" + ("" if plan.gptload_unconfigured else " gptload-error")
        ui.label(offline_reason(plan)).classes("text-sm font-mono break-all").mark(marker)
        ui.label(t("plan.offline_below"))
        ui.label(said(CONNECT)).classes("text-sm").mark("plan-offline-hint")


def offline_reason(plan: Plan) -> str:
    """Why GPT-Load was not read: core's sentence (not configured), or the connection's error as it is."""
    return said(plan.gptload_unconfigured) if plan.gptload_unconfigured else plan.gptload_error or ""


def verification(plan: Plan) -> None:
    text = t("plan.verified" if plan.verified else "plan.unverified")
    ui.label(text).classes("text-sm text-grey-8").mark("plan-verified" if plan.verified else "plan-unverified")


def drift(plan: Plan) -> None:
    """Groups whose keys or members someone changed in GPT-Load by hand since the last sync (verify plans)."""
    if not plan.drift:
        if plan.verified:
            ui.label(t("plan.no_drift")).mark("no-drift")
        return
    with ui.card().classes("w-full border-l-4 border-orange-500 bg-orange-1 text-black").mark("drift"):
        title = t("plan.drift_one") if len(plan.drift) == 1 else t("plan.drift", count=f"{len(plan.drift):,}")
        ui.label(title).classes("font-bold")
        for item in plan.drift[:ITEMS_SHOWN]:
            ui.label(f"{item.group}: {item.summary}").classes("text-sm font-mono").mark("drift-item")
        more(len(plan.drift), t("plan.drift_more"))


def route_warnings(plan: Plan) -> None:
    """Providers the plan routes clients to although they look broken: above everything, before Apply."""
    for warning in plan.warnings[:WARNINGS_SHOWN]:
        severe = warning.reason == "last_test_failed"
        color = "negative" if severe else "warning"
        tint = "border-red-600 bg-red-1" if severe else "border-orange-500 bg-orange-1"
        with ui.card().classes(f"w-full border-l-4 {tint} text-black").mark("route-warning"):
            with ui.row().classes("items-center gap-2"):
                ui.icon("error" if severe else "warning", color=color)
                ui.label(joined([warning.provider_name, said(warning.said)], "label")).classes("font-bold")
            ui.label(t("plan.reached_through", groups=names(warning.groups))).classes("text-sm")
            ui.label(t("plan.routed_names", names=names(warning.exposed_names))).classes("text-sm")
    rest = plan.warnings[WARNINGS_SHOWN:]
    if rest:
        broken = names([w.provider_name for w in rest])
        ui.label(t("plan.broken_more", count=len(rest), names=broken)).classes("text-negative font-bold").mark(
            "route-warnings-more"
        )


def client_changes(plan: Plan) -> None:
    if not plan.client_changes:
        return
    ui.label(t("plan.clients_see")).classes("text-subtitle1")
    for entry in plan.client_changes[:ITEMS_SHOWN]:
        with ui.row().classes("items-baseline gap-3 text-sm").mark(f"client-change client-change-{entry.entry}"):
            ui.label(entry.entry).classes("font-mono font-bold")
            if entry.gained:
                ui.label(t("plan.gain", names=names(entry.gained))).classes("text-positive")
            if entry.lost:
                ui.label(t("plan.lose", names=names(entry.lost))).classes("text-negative")
            if entry.renamed:
                renamed = names([f"{r.before} → {r.after}" for r in entry.renamed])
                ui.label(t("plan.rename", names=renamed)).classes("text-primary")
    more(len(plan.client_changes), t("plan.entries_more"))


def uniapi_diff(plan: Plan) -> None:
    change = next((c for c in plan.changes if c.kind == "write_uniapi"), None)
    if change is None:
        return
    title = t("plan.diff" if plan.gptload_reachable else "plan.diff_offline")
    with (
        ui.expansion(title, value=True).classes("w-full"),
        ui.element("div").classes("w-full max-h-96 overflow-auto").mark("uniapi-diff"),
    ):
        ui.code(change.data.get("diff") or t("plan.no_diff"), language="diff").classes("w-full")


def names(items: list[str]) -> str:
    """``items`` joined, at most NAMES_SHOWN of them, then how many more."""
    shown = ", ".join(items[:NAMES_SHOWN])
    return shown + (t("plan.names_more", count=f"{len(items) - NAMES_SHOWN:,}") if len(items) > NAMES_SHOWN else "")


def more(total: int, what: str) -> None:
    if total > ITEMS_SHOWN:
        ui.label(t("plan.more", count=f"{total - ITEMS_SHOWN:,}", what=what)).classes("text-sm text-grey-8").mark(
            "more"
        )


async def confirm_apply(plan: Plan, container: ui.element, *, retry_of: int | None = None) -> bool:
    """Apply (or Retry) asks first, naming how many changes remove something; an unsafe plan also wants the
    number of groups it deletes typed in (its Apply then forces it). The dialog lives in ``container``,
    outside the areas a refresh rebuilds."""
    removals = [c for c in plan.changes if is_removal(c)]
    question = t("plan.apply_question", count=len(plan.changes), removals=len(removals))
    with container, ui.dialog() as dialog, ui.card():
        ui.label(t("plan.retry_question", sync_id=retry_of, question=question) if retry_of else question).mark(
            "confirm-question"
        )
        for change in removals[:10]:
            ui.label(f"{t(f'kind.{change.kind}')} · {change.target}").classes("text-sm text-negative")
        if len(removals) > 10:
            ui.label(t("plan.removals_more", count=len(removals) - 10)).classes("text-sm text-negative")
        typed = None
        if plan.safety.unsafe:
            wanted = str(plan.safety.removals)
            ui.label(t("plan.unsafe_type", wanted=wanted)).classes("text-negative")
            typed = ui.input(t("plan.type", wanted=wanted)).mark("confirm-count")
        with ui.row().classes("w-full justify-end"):
            ui.button(t("plan.cancel"), on_click=lambda: dialog.submit(False)).props("flat").mark("confirm-cancel")
            apply = ui.button(t("plan.apply_count", count=len(plan.changes)), on_click=lambda: dialog.submit(True))
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

    ui.button(t("plan.apply"), on_click=clicked).mark("apply")
