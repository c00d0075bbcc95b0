"""The providers table (issue 14 §1): one AG Grid row per provider with its keys, models, last fetch and test, the
GPT-Load groups it feeds and their health; quick search, sorting, column filters and a multi-row selection for the
dashboard's bulk actions. Above it, the summary strip.

The grid filters in the browser, which reports the selected rows its filters let through (column filters
included); Python mirrors the quick search (``quick_match``), so a bulk action never reaches a row the operator
cannot see, even before the browser's report of a new search has arrived.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any

from nicegui import events, ui

from core.overview import Overview
from core.provider_health import HealthSnapshot, ProviderHealth
from core.providers import ProviderPublic

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
  for (const [action, text, title] of [['edit', 'Edit', 'Edit name, URL, keys and test model'],
      ['fetch', 'Fetch', 'Fetch its model list now'], ['test', 'Test', 'Test every key now']]) {
    const b = document.createElement('button');
    b.textContent = text;
    b.title = title;
    b.className = 'q-btn q-btn--flat q-btn--dense q-px-xs text-primary';
    b.onclick = () => emitEvent('provider_action', {id: params.data.id, action});
    box.appendChild(b);
  }
  return box;
}"""
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


# Health sits after the last test, before the long URL and group names: failing providers are seen at 1400 px.
COLUMNS = [
    {"field": "name", "headerName": "Name", "filter": True, "pinned": "left", "width": 160,
     ":cellRenderer": NAME_RENDERER},
    {"field": "channel_type", "headerName": "Channel", "filter": True, "width": 108},
    _number("keys", "Keys", 150, tooltipField="keys_masked", type=None, **{
        ":valueFormatter": "p => p.value + ' · ' + p.data.keys_masked", ":getQuickFilterText": QUICK_KEYS}),
    {"headerName": "Models", "children": [
        _number("active", "Active"), _number("total", "Total"),
        _number("duplicates", "Dupl.", headerTooltip="Exposed names two of its models share")]},
    {"headerName": "Last test", "children": [
        {"field": "test", "headerName": "Result", "filter": True, "width": 95, "tooltipField": "test_error",
         ":getQuickFilterText": NO_QUICK, "cellClassRules": {"text-negative": "x == 'failed'"}},
        _number("latency_ms", "ms", 80)]},
    {"headerName": "Health from GPT-Load (24 h)", "children": [
        {"field": "health", "headerName": "State", "filter": True, "width": 100, "tooltipField": "health_note",
         ":getQuickFilterText": NO_QUICK},
        _number("active_keys", "Keys ok", 108, headerTooltip="Active keys, summed over its groups"),
        _number("invalid_keys", "Invalid", 98, cellClassRules={"text-warning": "x > 0"},
                headerTooltip="Keys GPT-Load blacklisted, summed over its groups"),
        _number("requests_24h", "Requests", 105),
        _number("failure_rate", "Failed", 92, cellClassRules={"text-negative": "x > 0"},
                **{":valueFormatter": PERCENT, "headerTooltip": "Failed share of the last 24 h's requests"})]},
    {"field": "last_fetch", "headerName": "Last fetch", "filter": True, "width": 150, ":getQuickFilterText": NO_QUICK},
    {"field": "base_url", "headerName": "Base URL", "filter": True, "minWidth": 200, "flex": 1,
     "tooltipField": "base_url"},
    {"headerName": "GPT-Load groups it feeds", "children": [
        _number("group_count", "Count", 90),
        {"field": "groups", "headerName": "Names", "filter": True, "minWidth": 200, "flex": 1,
         "tooltipField": "groups"}]},
    {"colId": "actions", "headerName": "", "width": 185, "sortable": False, "pinned": "right",
     ":cellRenderer": ACTION_RENDERER, ":getQuickFilterText": NO_QUICK},
]  # fmt: skip
HEALTH_STATES = {"known": "read", "unknown": "unknown", "no_groups": "no groups"}


def provider_row(p: ProviderPublic, groups: list[str], health: ProviderHealth) -> Row:
    """One grid row (pure): what the table shows of a provider."""
    tested = None if p.last_test_ok is None else ("ok" if p.last_test_ok else "failed")
    note = health.reason or ("feeds no GPT-Load group yet: sync first" if health.status == "no_groups" else "")
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
        return "Reading health from GPT-Load…"
    if snapshot.read_at is None:
        return ""
    when = snapshot.read_at.astimezone().strftime("%H:%M:%S")
    if snapshot.error:
        return f"Health unknown: {snapshot.error}"
    return f"Health read from GPT-Load at {when}" + (", reading again…" if snapshot.reading else "")


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
        self.selected: set[int] = set()  # mirrored from the browser's reports (stack notes P5)
        self.quick = ""
        self._rows = {row["id"]: row for row in rows}
        with ui.row().classes("items-center w-full gap-x-3 gap-y-1"):
            ui.input("Search providers", on_change=lambda e: self.search(e.value)).props("clearable dense").mark(
                "providers-search"
            ).tooltip("Searches provider names, channels, URLs, masked keys and group names; every word must match")
            self.count = ui.label("").classes("text-sm opacity-80").mark("providers-count")
            for action, text, icon in (("test", "Test", "bolt"), ("fetch", "Fetch models", "cloud_download"),
                                       ("delete", "Delete", "delete")):  # fmt: skip
                button = ui.button(f"{text} selected", icon=icon, on_click=lambda a=action: self._bulk(a))
                button.props("flat dense" + (" color=negative" if action == "delete" else "")).mark(f"bulk-{action}")
            ui.space()
            self.health = ui.label("").classes("text-sm opacity-80").mark("health-status")
            ui.button("Refresh health", icon="monitor_heart", on_click=on_refresh_health).props("flat dense").mark(
                "refresh-health"
            ).tooltip("Read keys and 24 h requests of every provider's groups from GPT-Load now")
        self.aggrid = (
            ui.aggrid(
                {
                    "columnDefs": COLUMNS,
                    "rowData": rows,
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
        self.count.set_text(f"{shown} of {total} providers" if shown != total else f"{total} providers")

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
        with ui.row().classes("items-center w-full gap-x-6 gap-y-1 text-body2").mark("summary-strip") as self.row:
            self.numbers = {key: ui.label("").mark(f"strip-{key}") for key in ("providers", "models", "names",
                                                                               "groups", "sync")}  # fmt: skip
            self.changes = ui.link("", "/sync").classes("text-weight-bold").mark("strip-changes")
            with self.changes:
                self.tip = ui.tooltip("").mark("strip-changes-tip")

    def show(self, seen: Overview) -> None:
        self.numbers["providers"].set_text(f"{seen.providers} providers")
        self.numbers["models"].set_text(f"{seen.active_models} active models")
        self.numbers["names"].set_text(f"{seen.exposed_names} exposed names")
        self.numbers["groups"].set_text(f"{seen.managed_groups} GPT-Load groups (managed)")
        last = seen.last_sync
        when = f"last sync {_when(last.started_at)}: {last.status}" if last else "never synced"
        self.numbers["sync"].set_text(when)
        count = seen.pending_changes
        self.changes.set_text(f"{count} change{'' if count == 1 else 's'} a sync would make now →" if count
                              else "Nothing to sync →")  # fmt: skip
        self.changes.classes(replace="text-weight-bold" + (" text-warning" if count else " text-positive"))
        by_kind = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(seen.pending_counts.items()))
        notes = [by_kind or "the registry matches what the last sync applied"]
        notes += [f"{seen.unsure_groups} groups a sync left unfinished: the preview reads them"] * bool(
            seen.unsure_groups
        )
        notes += [seen.note] if seen.note else []
        notes += ["Counted from the registry and the last sync, without asking GPT-Load; the preview reads it."]
        self.tip.set_text(". ".join(notes))

    def failed(self, reason: str) -> None:
        self.changes.set_text(f"Open the sync page → ({reason})")


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""
