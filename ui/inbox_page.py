"""The churn inbox (``/inbox``): models fetches found new, vanished or reappeared, across providers.

One paged grid (``ui.paged_grid``): per row Accept (active under the suggested name, which can be edited in the
grid first), Ignore (inactive, never offered again) and, for vanished models, Delete; the same for the selected
rows in bulk, after a question that says how many. Everything goes through ``core.inbox.resolve`` in one request;
a name shared inside a provider or a provider left without models asks again, as the workbench's save does.
"""

from __future__ import annotations

import json
from typing import Any

from nicegui import events, ui

from core import inbox
from core.errors import ConfirmationRequired, InvalidResolution, LpmError, NotFound
from core.inbox import InboxItem, InboxQuery, Resolution
from core.services import Services
from core.topology_rows import search_rows
from ui.events import status_changed
from ui.i18n import t
from ui.messages import describe, sentence
from ui.paged_grid import PagedGrid

Row = dict[str, Any]
# The kinds are data (core, REST, the row's ``kind``); the page shows them in its language (``kind_label``).
KIND_LABELS = {"new": "inbox.kind_new", "vanished": "inbox.kind_vanished", "reappeared": "inbox.kind_reappeared"}
ACTIONS = {"accept": "inbox.accept", "ignore": "inbox.ignore", "delete": "inbox.delete"}  # the actions' labels
BULK_BUTTONS = {"accept": "inbox.accept_selected", "ignore": "inbox.ignore_selected", "delete": "inbox.delete_selected"}
QUESTIONS = {"accept": "inbox.explain_accept", "ignore": "inbox.explain_ignore", "delete": "inbox.explain_delete"}
TIPS = {"accept": "inbox.accept_tip", "ignore": "inbox.ignore_tip", "delete": "inbox.delete_tip"}  # the row buttons'
DONE = {"accept": "inbox.done_accepted", "ignore": "inbox.done_ignored", "delete": "inbox.done_deleted"}
SEARCHED = ("provider_name", "original_name", "kind", "kind_label", "suggested_name")
ROW_BUTTONS = """params => {
  const d = params.data;
  const box = document.createElement('span');
  const button = ([action, text, title]) => {
    const b = document.createElement('button');
    b.textContent = text;
    b.title = title;
    b.className = 'q-btn q-btn--flat q-btn--dense q-px-sm';
    b.onclick = () => emitEvent('inbox_action', {id: d.model_id, action: action});
    box.appendChild(b);
  };
  button(BUTTONS[0]);
  button(BUTTONS[1]);
  if (d._deletable) button(BUTTONS[2]);
  return box;
}"""
# The browser reports the selected rows of the page it shows; a page change re-selects from ``_selected``.
SELECTION = (
    "e => { if (e.source === 'rowDataChanged') return; const ids = []; "
    "e.api.forEachNode(n => n.isSelected() && ids.push(n.data.model_id)); emitEvent('inbox_selection', ids); }"
)
RESELECT = "e => e.api.forEachNode(n => n.setSelected(!!n.data._selected))"


def row_buttons() -> str:
    """The row buttons' script (accept, ignore, and delete for vanished models), labels in the page's language."""
    buttons = [[action, t(ACTIONS[action]), t(TIPS[action])] for action in ("accept", "ignore", "delete")]
    return ROW_BUTTONS.replace("BUTTONS", json.dumps(buttons, ensure_ascii=False))


def columns() -> list[dict[str, Any]]:
    return [
        {"field": "provider_name", "headerName": t("inbox.provider"), "flex": 1},
        {"field": "original_name", "headerName": t("inbox.col_original"), "flex": 2},
        {"field": "kind_label", "headerName": t("inbox.change"), "width": 190},
        {"field": "suggested_name", "headerName": t("inbox.col_suggested"), "flex": 2, "editable": True},
        {"colId": "actions", "headerName": "", ":cellRenderer": row_buttons(), "sortable": False, "width": 260},
    ]


async def inbox_page(services: Services) -> None:
    view = InboxView(services)
    await view.load()


class InboxView:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.items: dict[int, InboxItem] = {}
        self.selected: set[int] = set()
        self.edited: dict[int, str] = {}  # names typed in the grid, by model id
        self.text = ""
        ui.label(t("inbox.intro")).classes("text-sm text-grey-8")
        with ui.row().classes("w-full items-center gap-3"):
            kinds = {"": t("inbox.all_changes"), **{kind: t(key) for kind, key in KIND_LABELS.items()}}
            self.kind = ui.select(kinds, value="", label=t("inbox.change"),
                                  on_change=self.filtered).classes("w-48").mark("inbox-kind")  # fmt: skip
            self.provider = ui.select({0: t("inbox.all_providers")}, value=0, label=t("inbox.provider"),
                                      with_input=True, on_change=self.filtered)  # fmt: skip
            self.provider.classes("w-64").mark("inbox-provider")
            for action, key in BULK_BUTTONS.items():
                ui.button(t(key), on_click=lambda a=action: self.ask(a)).props("outline").mark(
                    f"inbox-{action}-selected"
                )
            ui.button(t("inbox.select_all"), on_click=self.select_all).props("flat").mark("inbox-select-all")
            ui.button(t("inbox.clear_selection"), on_click=self.clear_selection).props("flat")
            self.selection = ui.label("").classes("text-sm").mark("inbox-selection")
        self.empty = ui.label(t("inbox.empty")).classes("text-grey").mark("inbox-empty")
        options = {
            "rowSelection": {"mode": "multiRow"},
            ":getRowId": "p => String(p.data.model_id)",
            ":onSelectionChanged": SELECTION,
            ":onRowDataUpdated": RESELECT,
            "stopEditingWhenCellsLoseFocus": True,
        }
        self.grid = PagedGrid([], columns(), noun=t("inbox.noun"), name="inbox-grid", search=self.search,
                              search_label=t("inbox.search"), options=options, decorate=self.decorate)  # fmt: skip
        self.grid.grid.on("cellValueChanged", self.renamed, ["data", "colId", "newValue"])
        ui.on("inbox_action", self.row_action)
        ui.on("inbox_selection", self.selection_changed)
        self.dialogs = ui.element("div")

    async def load(self) -> None:
        """Read the inbox again; selection and typed names stay for the models still in it."""
        self.items = {item.model_id: item for item in await inbox.inbox_items(InboxQuery())}
        self.selected &= set(self.items)
        self.edited = {i: name for i, name in self.edited.items() if i in self.items}
        providers = {item.provider_id: item.provider_name for item in self.items.values()}
        self.provider.set_options({0: t("inbox.all_providers"), **dict(sorted(providers.items(), key=lambda p: p[1]))})
        if self.provider.value not in self.provider.options:
            self.provider.set_value(0)
        self.show()

    def show(self) -> None:
        labels = {kind: t(key) for kind, key in KIND_LABELS.items()}
        rows = [self.row(item, labels) for item in self.items.values() if self.wanted(item)]
        self.grid.rows = rows
        self.grid.matched = self.search(rows, self.text)
        self.grid.show(self.grid.page)
        self.empty.set_visibility(not self.items)
        self.show_selection()

    def show_selection(self) -> None:
        self.selection.set_text(t("inbox.selected", count=f"{len(self.selected):,}") if self.selected else "")

    def row(self, item: InboxItem, labels: dict[str, str]) -> Row:
        """``labels``: the kinds in the page's words; the row keeps the kind itself too (data, as REST has it)."""
        return {
            "model_id": item.model_id,
            "provider_name": item.provider_name,
            "original_name": item.original_name,
            "kind": item.kind,
            "kind_label": labels[item.kind],
            "suggested_name": self.edited.get(item.model_id, item.suggested_name),
            "_deletable": inbox.can_delete(item.kind),
        }

    def wanted(self, item: InboxItem) -> bool:
        kind, provider = self.kind.value, self.provider.value
        return (not kind or item.kind == kind) and (not provider or item.provider_id == provider)

    def search(self, rows: list[Row], text: str) -> list[Row]:
        self.text = text
        return search_rows(rows, text, SEARCHED)

    def decorate(self, row: Row) -> Row:
        return {**row, "_selected": row["model_id"] in self.selected}

    def filtered(self) -> None:
        self.show()

    def renamed(self, e: events.GenericEventArguments) -> None:
        if e.args.get("colId") != "suggested_name":
            return
        model_id = int(e.args["data"]["model_id"])
        if model_id in self.items:
            self.edited[model_id] = str(e.args.get("newValue") or "")
            for row in self.grid.rows:
                if row["model_id"] == model_id:
                    row["suggested_name"] = self.edited[model_id]

    def selection_changed(self, e: events.GenericEventArguments) -> None:
        shown = {row["model_id"] for row in self.grid.shown}
        self.selected = (self.selected - shown) | {int(i) for i in e.args if int(i) in self.items}
        self.show_selection()

    def select_all(self) -> None:
        self.selected |= {row["model_id"] for row in self.grid.matched}
        self.show()

    def clear_selection(self) -> None:
        self.selected.clear()
        self.show()

    async def row_action(self, e: events.GenericEventArguments) -> None:
        model_id, action = int(e.args["id"]), str(e.args["action"])
        if model_id in self.items and action in ACTIONS:
            await self.resolve({action: [model_id]})

    def ask(self, action: str) -> None:
        """Bulk: the selected models (Delete: the vanished ones among them), after a question with the count."""
        targets = sorted(self.selected)
        left = []
        if action == "delete":
            left = [i for i in targets if not inbox.can_delete(self.items[i].kind)]
            targets = [i for i in targets if i not in left]
        if not targets:
            ui.notify(t("inbox.select_vanished_first" if action == "delete" else "inbox.select_first"), type="warning")
            return
        self.dialogs.clear()
        with self.dialogs, ui.dialog() as dialog, ui.card():
            ui.label(question(action, len(targets), len(left))).mark("inbox-question")

            async def confirmed() -> None:
                dialog.close()
                await self.resolve({action: targets})

            with ui.row().classes("w-full justify-end"):
                ui.button(t("inbox.cancel"), on_click=dialog.close).props("flat").mark("inbox-cancel")
                ui.button(t(ACTIONS[action]), on_click=confirmed).mark("inbox-confirm")
        dialog.open()

    async def resolve(self, ids: dict[str, list[int]], **confirm: bool) -> None:
        accepted = ids.get("accept", [])
        names = {i: self.edited[i] for i in accepted if i in self.edited}
        resolution = Resolution(accept=accepted, ignore=ids.get("ignore", []), delete=ids.get("delete", []),
                                names=names, **confirm)  # fmt: skip
        try:
            result = await inbox.resolve(self.services, resolution)
        except ConfirmationRequired as exc:
            self.confirm_again(exc, ids, confirm)
            return
        except (InvalidResolution, NotFound) as exc:  # the inbox changed meanwhile (another tab, a fetch)
            ui.notify(t("inbox.read_again", reason=sentence(exc.code)), type="warning", multi_line=True)
            await self.load()
            return
        except LpmError as exc:
            ui.notify(describe(exc), type="negative", multi_line=True)
            return
        action = next(iter(ids))  # one action at a time: a row's button, or a bulk question
        done = {"accept": result.accepted, "ignore": result.ignored, "delete": result.deleted}[action]
        ui.notify(t(DONE[action], count=f"{done:,}", remaining=f"{result.remaining:,}"), type="positive")
        self.selected -= {i for group in ids.values() for i in group}
        await self.load()
        status_changed(self.services).emit()  # the header's badge and counts

    def confirm_again(self, error: ConfirmationRequired, ids: dict[str, list[int]], confirm: dict[str, bool]) -> None:
        """A duplicate name inside a provider, or a provider left without active models: say so, then go on."""
        self.dialogs.clear()
        with self.dialogs, ui.dialog() as dialog, ui.card().classes("w-[40rem] max-w-full"):
            ui.label(confirmation(error)).classes("text-warning").mark("inbox-confirmation")

            async def go_on() -> None:
                dialog.close()
                await self.resolve(ids, **{**confirm, error.code: True})

            with ui.row().classes("w-full justify-end"):
                ui.button(t("inbox.cancel"), on_click=dialog.close).props("flat")
                ui.button(t("inbox.go_on"), on_click=go_on).mark("inbox-go-on")
        dialog.open()


def question(action: str, count: int, left: int) -> str:
    """The bulk question: the action and how many, what it does, and (Delete) the selected models it leaves alone."""
    note = (t("inbox.left_alone_one") if left == 1 else t("inbox.left_alone", count=f"{left:,}")) if left else ""
    values = {"action": t(ACTIONS[action]), "count": f"{count:,}", "explain": t(QUESTIONS[action]), "note": note}
    return t("inbox.ask_one", **values) if count == 1 else t("inbox.ask", **values)


def confirmation(error: ConfirmationRequired) -> str:
    """What a resolution would do that needs a yes, in the page's words (core's detail speaks REST's flags)."""
    if error.code == "confirm_duplicates":
        return t("inbox.confirm_duplicates", names=", ".join(sorted(error.extra.get("duplicates", {}))))
    if error.code == "confirm_delete_all":
        return t("inbox.confirm_delete_all")
    return describe(error)
