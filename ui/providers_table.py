"""The providers table (issue 14 §1): one AG Grid row per provider with its keys, models, last fetch and test, the
GPT-Load groups it feeds and their health; quick search, sorting, column filters and a multi-row selection for the
dashboard's bulk actions. Above it, the summary strip.

The grid filters in the browser, which reports the selected rows its filters let through (column filters
included); Python mirrors the quick search (``quick_match``), so a bulk action never reaches a row the operator
cannot see, even before the browser's report of a new search has arrived.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any

from nicegui import events, ui

from core.overview import Overview
from core.provider_health import HealthSnapshot, ProviderHealth
from core.providers import ProviderPublic
from ui.i18n import aggrid_locale_text, language, t, translator
from ui.messages import joined
from ui.sync_runs import status_text

Row = dict[str, Any]
# The columns the quick search reads (the others return '' to it): AG Grid and quick_match read the same ones.
SEARCHED = ("name", "channel_type", "base_url", "keys_masked", "groups")
NO_QUICK = "() => ''"
QUICK_KEYS = "p => p.data.keys_masked"
NAME_RENDERER = """params => {
  const a = document.createElement('a');
  a.href = '/providers/' + params.data.id;
  a.textContent = params.value;
  a.className = 'text-primary text-weight-bold';
  return a;
}"""
ACTION_RENDERER = """params => {
  const box = document.createElement('span');
  for (const [action, text, title] of BUTTONS) {
    const b = document.createElement('button');
    b.textContent = text;
    b.title = title;
    b.className = 'q-btn q-btn--flat q-btn--dense q-px-xs text-primary';
    b.onclick = () => emitEvent('provider_action', {id: params.data.id, action});
    box.appendChild(b);
  }
  return box;
}"""
ROW_ACTIONS = ("edit", "fetch", "test")  # each row's buttons: table.row_<action> and its _tip


def action_renderer() -> str:
    """The row buttons' script, its labels in the page's language."""
    buttons = [[a, t(f"table.row_{a}"), t(f"table.row_{a}_tip")] for a in ROW_ACTIONS]
    return ACTION_RENDERER.replace("BUTTONS", json.dumps(buttons, ensure_ascii=False))


def shown_as(values: dict[str, str]) -> str:
    """A cell formatter showing a data value (``failed``, ``never``) in the page's language; others as they are."""
    labels = json.dumps({value: t(key) for value, key in values.items()}, ensure_ascii=False)
    return f"p => ({labels})[p.value] ?? p.value"


SELECTION = (
    "e => { const ids = []; e.api.forEachNodeAfterFilter(n => n.isSelected() && ids.push(n.data.id)); "
    "emitEvent('providers_selection', {ids, shown: e.api.getDisplayedRowCount()}); }"
)
PERCENT = "p => p.value == null ? '' : (p.value * 100).toFixed(1) + ' %'"


def _number(field: str, header: str, width: int = 92, **more: Any) -> dict[str, Any]:
    """A numeric column: number filter, numeric sort, right-aligned (``type=None``: left), not searched."""
    column = {"field": field, "headerName": header, "filter": "agNumberColumnFilter", "width": width,
              ":getQuickFilterText": NO_QUICK, "type": "numericColumn", **more}  # fmt: skip
    return {key: value for key, value in column.items() if value is not None}


def columns() -> list[dict[str, Any]]:
    """The grid's columns, headers in the page's language. Health sits after the last test, before the long URL
    and group names: failing providers are seen at 1400 px."""
    return [
    {"field": "name", "headerName": t("table.col_name"), "filter": True, "pinned": "left", "width": 160,
     ":cellRenderer": NAME_RENDERER},
    {"field": "channel_type", "headerName": t("table.col_channel"), "filter": True, "width": 108},
    _number("keys", t("table.col_keys"), 150, tooltipField="keys_masked", type=None, **{
        ":valueFormatter": "p => p.value + ' · ' + p.data.keys_masked", ":getQuickFilterText": QUICK_KEYS}),
    {"headerName": t("table.col_models"), "children": [
        _number("active", t("table.col_active")), _number("total", t("table.col_total")),
        _number("duplicates", t("table.col_duplicates"), headerTooltip=t("table.col_duplicates_tip"))]},
    {"headerName": t("table.col_last_test"), "children": [
        {"field": "test", "headerName": t("table.col_result"), "filter": True, "width": 95,
         "tooltipField": "test_error", ":getQuickFilterText": NO_QUICK, ":valueFormatter": shown_as(TEST_VALUES),
         "cellClassRules": {"text-negative": "x == 'failed'"}},
        _number("latency_ms", t("table.col_ms"), 80)]},
    {"headerName": t("table.col_health"), "children": [
        {"field": "health", "headerName": t("table.col_state"), "filter": True, "width": 100,
         "tooltipField": "health_note", ":getQuickFilterText": NO_QUICK,
         ":valueFormatter": shown_as(HEALTH_VALUES)},
        _number("active_keys", t("table.col_keys_ok"), 108, headerTooltip=t("table.col_keys_ok_tip")),
        _number("invalid_keys", t("table.col_invalid"), 98, cellClassRules={"text-warning": "x > 0"},
                headerTooltip=t("table.col_invalid_tip")),
        _number("requests_24h", t("table.col_requests"), 105),
        _number("failure_rate", t("table.col_failed"), 92, cellClassRules={"text-negative": "x > 0"},
                **{":valueFormatter": PERCENT, "headerTooltip": t("table.col_failed_tip")})]},
    {"field": "last_fetch", "headerName": t("table.col_last_fetch"), "filter": True, "width": 150,
     ":getQuickFilterText": NO_QUICK, ":valueFormatter": shown_as({"never": "table.value_never"})},
    {"field": "base_url", "headerName": t("table.col_base_url"), "filter": True, "minWidth": 200, "flex": 1,
     "tooltipField": "base_url"},
    {"headerName": t("table.col_groups"), "children": [
        _number("group_count", t("table.col_count"), 90),
        {"field": "groups", "headerName": t("table.col_names"), "filter": True, "minWidth": 200, "flex": 1,
         "tooltipField": "groups"}]},
    {"colId": "actions", "headerName": "", "width": 185, "sortable": False, "pinned": "right",
     ":cellRenderer": action_renderer(), ":getQuickFilterText": NO_QUICK},
    ]  # fmt: skip


HEALTH_STATES = {"known": "read", "unknown": "unknown", "no_groups": "no groups"}  # the row data (English)
HEALTH_VALUES = {"read": "table.health_read", "unknown": "table.health_unknown", "no groups": "table.health_no_groups"}
TEST_VALUES = {"ok": "table.value_ok", "failed": "table.value_failed", "untested": "table.value_untested"}


def provider_row(p: ProviderPublic, groups: list[str], health: ProviderHealth) -> Row:
    """One grid row (pure): what the table shows of a provider."""
    tested = None if p.last_test_ok is None else ("ok" if p.last_test_ok else "failed")
    note = health.reason or (t("table.no_groups_note") if health.status == "no_groups" else "")
    return {
        "id": p.id, "name": p.name, "channel_type": p.channel_type, "base_url": p.base_url,
        "keys": len(p.api_keys_masked), "keys_masked": ", ".join(p.api_keys_masked),
        "active": p.active_model_count, "total": p.model_count, "duplicates": p.duplicate_count,
        "last_fetch": _when(p.last_fetched_at) or "never",
        "test": tested or "untested", "latency_ms": p.last_test_latency_ms, "test_error": p.last_test_error or "",
        "group_count": len(groups), "groups": ", ".join(groups),
        "health": HEALTH_STATES[health.status], "health_note": note,
        "active_keys": health.active_keys, "invalid_keys": health.invalid_keys,
        "requests_24h": health.requests_24h, "failure_rate": health.failure_rate,
    }  # fmt: skip


def provider_rows(listed: Iterable[ProviderPublic], groups: dict[int, list[str]], health: HealthSnapshot) -> list[Row]:
    return [provider_row(p, groups.get(p.id, []), health.of(p.id, feeds=p.id in groups)) for p in listed]


def quick_match(row: Row, text: str | None) -> bool:
    """AG Grid's quick filter over ``SEARCHED``: every space-separated part, upper-cased, occurs in one of them."""
    if not text:
        return True
    values = [str(row[c]).upper() for c in SEARCHED if row.get(c)]
    return all(any(part in value for value in values) for part in text.upper().split(" "))


def health_line(snapshot: HealthSnapshot) -> str:
    if snapshot.reading and snapshot.read_at is None:
        return t("table.health_reading")
    if snapshot.read_at is None:
        return ""
    when = snapshot.read_at.astimezone().strftime("%H:%M:%S")
    if snapshot.error:
        return t("table.health_failed", error=snapshot.error)
    return t("table.health_read_at", when=when) + (t("table.health_reading_again") if snapshot.reading else "")


class ProvidersTable:
    """The grid and its toolbar; bulk buttons and row buttons go to the callbacks with provider ids."""

    def __init__(
        self,
        rows: list[Row],
        *,
        on_bulk: Callable[[str, list[int]], Awaitable[None]],
        on_action: Callable[[str, int], Awaitable[None]],
        on_refresh_health: Callable[[], None],
    ) -> None:
        self._on_bulk, self._on_action = on_bulk, on_action
        self._t = translator()  # the count changes on events from the browser
        self.selected: set[int] = set()  # mirrored from the browser's reports (stack notes P5)
        self.quick = ""
        self._rows = {row["id"]: row for row in rows}
        with ui.row().classes("items-center w-full gap-x-3 gap-y-1"):
            ui.input(t("table.search"), on_change=lambda e: self.search(e.value)).props("clearable dense").mark(
                "providers-search"
            ).tooltip(t("table.search_tip"))
            self.count = ui.label("").classes("text-sm opacity-80").mark("providers-count")
            for action, icon in (("test", "bolt"), ("fetch", "cloud_download"), ("delete", "delete")):
                button = ui.button(t(f"table.bulk_{action}"), icon=icon, on_click=lambda a=action: self._bulk(a))
                button.props("flat dense" + (" color=negative" if action == "delete" else "")).mark(f"bulk-{action}")
            ui.space()
            self.health = ui.label("").classes("text-sm opacity-80").mark("health-status")
            ui.button(t("table.refresh_health"), icon="monitor_heart", on_click=on_refresh_health).props(
                "flat dense"
            ).mark("refresh-health").tooltip(t("table.refresh_health_tip"))
        self.aggrid = (
            ui.aggrid(
                {
                    "columnDefs": columns(),
                    "rowData": rows,
                    "localeText": aggrid_locale_text(),
                    "rowSelection": {"mode": "multiRow", "selectAll": "filtered"},
                    "selectionColumnDef": {"pinned": "left"},
                    ":getRowId": "params => String(params.data.id)",
                    "tooltipShowDelay": 300,
                    ":onSelectionChanged": SELECTION,
                    ":onFilterChanged": SELECTION,
                },
                auto_size_columns=False,
            )
            .classes("w-full h-[65vh] providers-grid")
            .mark("providers-grid")
        )
        ui.on("provider_action", self._action)
        ui.on("providers_selection", self._selection)
        self._count(sum(quick_match(row, self.quick) for row in rows))

    def targets(self) -> list[int]:
        """The selected providers the filters show, in the grid's order."""
        return [i for i, row in self._rows.items() if i in self.selected and quick_match(row, self.quick)]

    def name_of(self, provider_id: int) -> str:
        return self._rows[provider_id]["name"]

    def search(self, text: str | None) -> None:
        self.quick = text or ""
        with self.aggrid.props.suspend_updates():  # a rebuilt grid starts with the same search
            self.aggrid.options["quickFilterText"] = self.quick
        self.aggrid.run_grid_method("setGridOption", "quickFilterText", self.quick)
        self._count(sum(quick_match(row, self.quick) for row in self._rows.values()))

    def update(self, rows: list[Row]) -> None:
        """Send what changed as one transaction: the selection, the sort and the scroll position stay."""
        fresh = {row["id"]: row for row in rows}
        added = [row for i, row in fresh.items() if i not in self._rows]
        changed = [row for i, row in fresh.items() if i in self._rows and self._rows[i] != row]
        removed = [{"id": i} for i in self._rows if i not in fresh]
        self._rows = fresh
        self.selected &= set(fresh)
        with self.aggrid.props.suspend_updates():
            self.aggrid.options["rowData"] = rows
        if added or changed or removed:
            self.aggrid.run_grid_method("applyTransaction", {"add": added, "update": changed, "remove": removed})
            self._count(sum(quick_match(row, self.quick) for row in rows))

    def _count(self, shown: int) -> None:
        total = len(self._rows)
        self.count.set_text(self._t("table.count_some", shown=shown, total=total) if shown != total
                            else self._t("table.count_all", total=total))  # fmt: skip

    async def _bulk(self, action: str) -> None:
        await self._on_bulk(action, self.targets())

    async def _action(self, e: events.GenericEventArguments) -> None:
        await self._on_action(str(e.args["action"]), int(e.args["id"]))

    def _selection(self, e: events.GenericEventArguments) -> None:
        self.selected = {int(i) for i in e.args.get("ids", [])}
        if isinstance(e.args.get("shown"), int):
            self._count(e.args["shown"])


class SummaryStrip:
    """Providers, active models, exposed names, the manager's GPT-Load groups, the last sync, and the changes a
    sync would make now (a link to /sync)."""

    def __init__(self) -> None:
        self._t, self._lang = translator(), language()  # show() runs from the page's timers
        with ui.row().classes("items-center w-full gap-x-6 gap-y-1 text-body2").mark("summary-strip") as self.row:
            self.numbers = {key: ui.label("").mark(f"strip-{key}") for key in ("providers", "models", "names",
                                                                               "groups", "sync")}  # fmt: skip
            self.changes = ui.link("", "/sync").classes("text-weight-bold").mark("strip-changes")
            with self.changes:
                self.tip = ui.tooltip("").mark("strip-changes-tip")

    def show(self, seen: Overview) -> None:
        t = self._t
        self.numbers["providers"].set_text(t("strip.providers", count=seen.providers))
        self.numbers["models"].set_text(t("strip.models", count=seen.active_models))
        self.numbers["names"].set_text(t("strip.names", count=seen.exposed_names))
        self.numbers["groups"].set_text(t("strip.groups", count=seen.managed_groups))
        last = seen.last_sync
        when = (
            t("strip.last_sync", when=_when(last.started_at), status=status_text(last.status))
            if last
            else t("strip.never_synced")
        )
        self.numbers["sync"].set_text(when)
        count = seen.pending_changes
        changes = "strip.nothing" if not count else "strip.changes_one" if count == 1 else "strip.changes"
        self.changes.set_text(t(changes, count=count))
        self.changes.classes(replace="text-weight-bold" + (" text-warning" if count else " text-positive"))
        counts = sorted(seen.pending_counts.items())
        by_kind = joined((t("runs.kind_count", count=n, kind=t(f"kind.{kind}")) for kind, n in counts), lang=self._lang)
        notes = [by_kind or t("strip.in_sync")]
        notes += [t("strip.unsure", count=seen.unsure_groups)] * bool(seen.unsure_groups)
        notes += [seen.note] if seen.note else []
        notes += [t("strip.counted")]
        self.tip.set_text(joined(notes, "then", self._lang))

    def failed(self, reason: str) -> None:
        self.changes.set_text(self._t("strip.failed", reason=reason))


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""
