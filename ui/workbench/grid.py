"""The grid of a provider's models: AG Grid rows, changed rows sent as transactions, the selection kept in Python.

Filters run in the browser (the quick search, the status filter, column filters); the header checkbox selects
only the rows they let through. Python mirrors the quick search and the status filter (``ui.row_rules``), and the
browser reports the selected rows that pass every filter, so a bulk action never reaches a row the operator
cannot see.

Keys, in the browser: Enter on any cell of a row edits its normalized name; Delete (or Backspace, the Mac's
delete key) outside an editor goes to ``on_delete_key`` with the focused row, instead of AG Grid's own
"clear the cell" (which would reset a name). The grid fills the window below the toolbar (``FIT_HEIGHT``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import events, ui

from ui.i18n import aggrid_locale_text, t
from ui.pending import STATUS_WORDS
from ui.row_rules import STATE_GETTER, quick_filter_matches, status_filter_matches, status_filter_model

CSS = """
.row-deleted .ag-cell { text-decoration: line-through; }
.row-deleted { opacity: .5; }
.row-inactive { background-color: rgba(128, 128, 128, .18) !important; }
.row-inactive .ag-cell { font-style: italic; opacity: .7; }
.row-duplicate { background-color: rgba(255, 193, 7, .25) !important; }
.row-shared .ag-cell[col-id="exposed_name"] { font-weight: bold; }
.row-pending { box-shadow: inset 4px 0 0 var(--q-primary); }
.lpm-legend-swatch { display: inline-block; width: 1.1em; height: 1.1em; vertical-align: middle; }
"""
ACTION_RENDERER = """params => {
  const d = params.data;
  const box = document.createElement('span');
  const button = (which, event) => {
    const [text, title] = BUTTONS[which];
    const b = document.createElement('button');
    b.textContent = text;
    b.title = title;
    b.className = 'q-btn q-btn--flat q-btn--dense q-px-sm';
    b.onclick = () => emitEvent(event, d.id);
    box.appendChild(b);
  };
  if (d._deleted || d._restore) button('revert', 'model_action');
  else if (d._inactive) button('restore', 'model_action');
  else button('delete', 'model_action');
  button('test', 'model_test');
  return box;
}"""
# The row's buttons: the keys of their labels and tooltips.
ROW_BUTTONS = {
    "revert": ("wb.row_revert", "wb.row_revert_tip"),
    "restore": ("wb.row_restore", "wb.row_restore_tip"),
    "delete": ("wb.row_delete", "wb.row_delete_tip"),
    "test": ("wb.row_test", "wb.row_test_tip"),
}
# Only outside an editor: inside one, Enter ends the edit and Delete deletes characters, as AG Grid does.
KEYS = """e => {
  if (e.api.getEditingCells().length) return;
  const key = e.event.key;
  if (key === 'Enter' && e.column.getColId() !== 'normalized_name') {
    e.api.startEditingCell({rowIndex: e.rowIndex, colKey: 'normalized_name'});
  } else if ((key === 'Delete' || key === 'Backspace') && e.data) {
    emitEvent('models_delete_key', e.data.id);
  }
}"""
NO_CLEAR = "p => !p.editing && (p.event.key === 'Delete' || p.event.key === 'Backspace')"
# The grid's height: the window below the grid's top. Fitted when a grid is ready, when the window is resized and
# whenever the page's layout moves (a web font arriving late, a banner above the grid): a ResizeObserver on the body
# sees those. The fit finds the current grid each time, so a rebuilt grid needs no listener of its own; setting the
# same height again changes nothing, so the observer settles.
FIT_HEIGHT = """() => {
  if (!window.lpmFitGrid) {
    window.lpmFitGrid = () => {
      const grid = document.querySelector('.lpm-models-grid');
      if (!grid) return;
      const top = grid.getBoundingClientRect().top + window.scrollY;
      const height = Math.max(320, window.innerHeight - top - 16) + 'px';
      if (grid.style.height !== height) grid.style.height = height;
    };
    window.addEventListener('resize', window.lpmFitGrid);
    new ResizeObserver(window.lpmFitGrid).observe(document.body);
  }
  window.lpmFitGrid();
}"""
SELECTION = (
    "e => { const ids = []; e.api.forEachNodeAfterFilter(n => n.isSelected() && ids.push(n.data.id)); "
    "emitEvent('models_selection', ids); }"
)
Row = dict[str, Any]


def action_renderer() -> str:
    """The row buttons' script, their labels in the page's language."""
    buttons = {which: [t(text), t(title)] for which, (text, title) in ROW_BUTTONS.items()}
    return ACTION_RENDERER.replace("BUTTONS", json.dumps(buttons, ensure_ascii=False))


def status_words() -> dict[str, str]:
    """The Status column's values (English data) as the page shows them."""
    return {value: t(key) for value, key in STATUS_WORDS.items()}


def columns(words: dict[str, str]) -> list[dict[str, Any]]:
    """The grid's columns, headers in the page's language. The Status column shows ``words`` for its values, and
    the quick filter and the column's filter read what it shows (``ui.row_rules.quick_filter_matches`` mirrors
    that); the values stay English data."""
    shown = json.dumps(words, ensure_ascii=False)
    return [
    {"field": "original_name", "headerName": t("wb.col_original"), "filter": True, "flex": 2},
    {"field": "normalized_name", "headerName": t("wb.col_normalized"), "filter": True, "flex": 2,
     ":editable": "params => !params.data._deleted && (!params.data._inactive || params.data._restore)"},
    {"field": "exposed_name", "headerName": t("wb.col_exposed"), "filter": True, "flex": 2},
    {"field": "status", "headerName": t("wb.col_status"), "filter": True, "flex": 1,
     ":valueFormatter": f"p => ({shown})[p.value] ?? p.value",
     ":getQuickFilterText": f"p => ({shown})[p.value] ?? p.value",
     ":filterValueGetter": f"p => ({shown})[p.data.status] ?? p.data.status"},
    {"colId": "state", "hide": True, "filter": "agTextColumnFilter", ":valueGetter": STATE_GETTER},
    {"colId": "actions", "headerName": "", ":cellRenderer": action_renderer(), "sortable": False, "width": 170},
    ]  # fmt: skip


class ModelGrid:
    """One row per model; a typed normalized name and the row's buttons go to the callbacks."""

    def __init__(
        self,
        rows: list[Row],
        *,
        on_rename: Callable[[int, str | None], Awaitable[None]],
        on_action: Callable[[int], Awaitable[None]],
        on_test: Callable[[int], Awaitable[None]],
        on_selection: Callable[[], None],
        on_delete_key: Callable[[int], Awaitable[None]],
    ) -> None:
        self._on_rename = on_rename
        self._on_action = on_action
        self._on_test = on_test
        self._on_selection = on_selection
        self._on_delete_key = on_delete_key
        # Mirrored from the browser on every change: asking the grid would be a round trip (stack notes P5).
        self.selected: set[int] = set()
        self.quick_filter = ""
        self.status = "all"
        self._shown: dict[int, Row] = {row["id"]: row for row in rows}
        self.status_words = status_words()
        ui.add_css(CSS)
        self.aggrid = ui.aggrid(
            {
                "columnDefs": columns(self.status_words),
                "rowData": rows,
                "localeText": aggrid_locale_text(),
                # The header checkbox selects the rows the filters show, not the hidden ones (AG Grid 33+).
                "rowSelection": {"mode": "multiRow", "selectAll": "filtered"},
                ":getRowId": "params => String(params.data.id)",
                "rowClassRules": {"row-deleted": "data._deleted", "row-duplicate": "data._duplicate",
                                  "row-shared": "data._shared", "row-pending": "data._pending",
                                  "row-inactive": "data._inactive && !data._restore"},
                "stopEditingWhenCellsLoseFocus": True,
                ":onSelectionChanged": SELECTION,
                ":onFilterChanged": SELECTION,
                "defaultColDef": {":suppressKeyboardEvent": NO_CLEAR},
                ":onCellKeyDown": KEYS,
                ":onGridReady": FIT_HEIGHT,
            },
            auto_size_columns=False,
        ).classes("w-full h-[calc(100vh-16rem)] min-h-[20rem] lpm-models-grid").mark("models-grid")  # fmt: skip
        self.aggrid.on("cellValueChanged", self._edited, ["data", "colId", "newValue", "oldValue"])
        ui.on("model_action", self._action)
        ui.on("model_test", self._test)
        ui.on("models_selection", self._selection)
        ui.on("models_delete_key", self._delete_key)

    def targets(self) -> tuple[list[int], int]:
        """The selected rows the filters show (what bulk actions change), and how many selected rows they hide."""
        shown = [i for i in self._shown if i in self.selected and self.visible(self._shown[i])]
        return shown, len(self.selected) - len(shown)

    def visible(self, row: Row) -> bool:
        return quick_filter_matches(row, self.quick_filter, self.status_words) and status_filter_matches(
            row, self.status
        )

    def search(self, text: str | None) -> None:
        self.quick_filter = text or ""
        with self.aggrid.props.suspend_updates():  # kept for a rebuilt grid (reload), sent below as a call
            self.aggrid.options["quickFilterText"] = self.quick_filter
        self.aggrid.run_grid_method("setGridOption", "quickFilterText", self.quick_filter)
        self._on_selection()

    def show_status(self, status: str) -> None:
        """Show all rows, or only active, deleted or pending ones (a filter on the hidden ``state`` column)."""
        self.status = status
        model = status_filter_model(status)
        with self.aggrid.props.suspend_updates():  # a rebuilt grid starts with the same filter
            self.aggrid.options["initialState"] = {"filter": {"filterModel": {"state": model} if model else {}}}
        ui.run_javascript(
            f"const api = getElement({self.aggrid.id}).api;"
            f"api.setColumnFilterModel('state', {json.dumps(model)}).then(() => api.onFilterChanged());"
        )
        self._on_selection()

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

    async def _test(self, e: events.GenericEventArguments) -> None:
        await self._on_test(int(e.args))

    async def _delete_key(self, e: events.GenericEventArguments) -> None:
        await self._on_delete_key(int(e.args))

    def _selection(self, e: events.GenericEventArguments) -> None:
        self.selected = {int(i) for i in e.args}
        self._on_selection()
