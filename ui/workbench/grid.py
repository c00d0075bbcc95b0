"""The grid of a provider's models: AG Grid rows, changed rows sent as transactions, the selection kept in Python."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import events, ui

CSS = """
.row-deleted .ag-cell { text-decoration: line-through; }
.row-deleted { opacity: .5; }
.row-duplicate { background-color: rgba(255, 193, 7, .25) !important; }
.row-shared .ag-cell[col-id="exposed_name"] { font-weight: bold; }
"""
ACTION_RENDERER = """params => {
  const b = document.createElement('button');
  b.textContent = params.data._deleted ? '🗑 Revert' : 'Delete';
  b.className = 'q-btn q-btn--flat q-btn--dense';
  b.onclick = () => emitEvent('model_action', params.data.id);
  return b;
}"""
COLUMNS = [
    {"field": "original_name", "headerName": "Original name", "filter": True, "flex": 2},
    {"field": "normalized_name", "headerName": "Normalized name", "filter": True, "flex": 2,
     ":editable": "params => !params.data._deleted"},
    {"field": "exposed_name", "headerName": "Exposed name", "filter": True, "flex": 2},
    {"field": "status", "headerName": "Status", "filter": True, "flex": 1},
    {"field": "_deleted", "headerName": "", ":cellRenderer": ACTION_RENDERER, "sortable": False},
]  # fmt: skip

Row = dict[str, Any]


class ModelGrid:
    """One row per model; a typed normalized name and the row's Delete / Revert button go to the callbacks."""

    def __init__(
        self,
        rows: list[Row],
        *,
        on_rename: Callable[[int, str | None], Awaitable[None]],
        on_action: Callable[[int], Awaitable[None]],
    ) -> None:
        self._on_rename = on_rename
        self._on_action = on_action
        # Mirrored from the browser on every change: asking the grid would be a round trip (stack notes P5).
        self.selected: set[int] = set()
        self._shown: dict[int, Row] = {row["id"]: row for row in rows}
        ui.add_css(CSS)
        self.aggrid = ui.aggrid(
            {
                "columnDefs": COLUMNS,
                "rowData": rows,
                "rowSelection": {"mode": "multiRow"},
                ":getRowId": "params => String(params.data.id)",
                "rowClassRules": {"row-deleted": "data._deleted", "row-duplicate": "data._duplicate",
                                  "row-shared": "data._shared"},
                "stopEditingWhenCellsLoseFocus": True,
                ":onSelectionChanged": '(e) => emitEvent("models_selection", e.api.getSelectedRows().map(r => r.id))',
            },
            auto_size_columns=False,
        ).classes("w-full h-[60vh]")  # fmt: skip
        self.aggrid.on("cellValueChanged", self._edited, ["data", "colId", "newValue", "oldValue"])
        ui.on("model_action", self._action)
        ui.on("models_selection", self._selection)

    def search(self, text: str | None) -> None:
        self.aggrid.run_grid_method("setGridOption", "quickFilterText", text or "")

    def update(self, rows: list[Row]) -> None:
        """Send only the rows that changed, as a transaction: a full rebuild of 5,000 rows per keystroke would
        also drop the user's selection and scroll position (stack notes P6)."""
        changed = [row for row in rows if self._shown.get(row["id"]) != row]
        self._shown = {row["id"]: row for row in rows}
        with self.aggrid.props.suspend_updates():
            self.aggrid.options["rowData"] = rows
        if changed:
            self.aggrid.run_grid_method("applyTransaction", {"update": changed})

    def reload(self, rows: list[Row]) -> None:
        """A new model list: rebuild the grid once. The rebuilt grid selects nothing; neither may the mirror."""
        self._shown = {row["id"]: row for row in rows}
        self.aggrid.options["rowData"] = rows
        self.selected.clear()

    async def _edited(self, e: events.GenericEventArguments) -> None:
        if e.args.get("colId") == "normalized_name":
            await self._on_rename(int(e.args["data"]["id"]), e.args.get("newValue"))

    async def _action(self, e: events.GenericEventArguments) -> None:
        await self._on_action(int(e.args))

    def _selection(self, e: events.GenericEventArguments) -> None:
        self.selected = {int(i) for i in e.args}
