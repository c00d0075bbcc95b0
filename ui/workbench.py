"""The provider workbench: an AG Grid of models whose edits stay pending in Python until Save."""

from __future__ import annotations

from nicegui import ui

from core import catalog, desired, providers
from core.catalog import Changes
from core.errors import LpmError
from core.services import Services
from ui.messages import describe
from ui.pending import PendingChanges
from ui.provider_dialog import open_manual_add

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


async def workbench(services: Services, provider_id: int) -> None:
    try:
        provider = await providers.get_provider(services, provider_id)
    except LpmError as exc:
        ui.label(describe(exc))
        return
    state = PendingChanges.load(
        await catalog.list_models(provider_id), await catalog.exposed_names_elsewhere(provider_id)
    )
    selected: set[int] = set()
    ui.add_css(CSS)

    with ui.row().classes("items-center w-full"):
        ui.label(f"{provider.name} · {provider.channel_type} · {provider.base_url}").classes("text-h6")
        ui.space()
        save_button = ui.button(on_click=lambda: confirm_save()).classes("animate-pulse").mark("save-changes")
        ui.button("Fetch models", on_click=lambda: fetch()).props("outline")
        ui.button("Add a model by hand", on_click=lambda: manual_add()).props("flat")
    with ui.row().classes("items-center w-full"):
        search = ui.input("Quick search").props("clearable dense")
        ui.button("Delete selected", on_click=lambda: bulk(state.mark_deleted)).props("flat dense")
        ui.button("Revert selected", on_click=lambda: bulk(state.revert)).props("flat dense")
        ui.button("Reset names", on_click=lambda: bulk(lambda i: state.rename(i, None))).props("flat dense")
        ui.button("Lowercase", on_click=lambda: bulk(lambda i: state.rename(i, state.exposed(i).lower()))).props(
            "flat dense"
        )
        find = ui.input("Find").props("dense")
        replace = ui.input("Replace with").props("dense")

        def find_replace(model_id: int) -> None:
            state.rename(model_id, state.exposed(model_id).replace(find.value or "", replace.value or ""))

        ui.button("Replace", on_click=lambda: bulk(find_replace)).props("flat dense")
    grid = ui.aggrid(
        {
            "columnDefs": [
                {"field": "original_name", "headerName": "Original name", "filter": True, "flex": 2},
                {"field": "normalized_name", "headerName": "Normalized name", "filter": True, "flex": 2,
                 ":editable": "params => !params.data._deleted"},
                {"field": "exposed_name", "headerName": "Exposed name", "filter": True, "flex": 2},
                {"field": "status", "headerName": "Status", "filter": True, "flex": 1},
                {"field": "_deleted", "headerName": "", ":cellRenderer": ACTION_RENDERER, "sortable": False},
            ],
            "rowData": state.rows(),
            "rowSelection": {"mode": "multiRow"},
            ":getRowId": "params => String(params.data.id)",
            "rowClassRules": {"row-deleted": "data._deleted", "row-duplicate": "data._duplicate",
                              "row-shared": "data._shared"},
            "stopEditingWhenCellsLoseFocus": True,
            ":onSelectionChanged": '(e) => emitEvent("models_selection", e.api.getSelectedRows().map(r => r.id))',
        },
        auto_size_columns=False,
    ).classes("w-full h-[60vh]")  # fmt: skip
    search.on_value_change(lambda e: grid.run_grid_method("setGridOption", "quickFilterText", e.value or ""))
    preview = ui.column().classes("w-full")
    dialogs = ui.element()

    shown: dict[int, dict] = {row["id"]: row for row in state.rows()}

    async def refresh(*, reload: bool = False) -> None:
        rows = state.rows()
        changed = [row for row in rows if shown.get(row["id"]) != row]
        shown.clear()
        shown.update({row["id"]: row for row in rows})
        if reload:
            grid.options["rowData"] = rows  # a new model list: rebuild the grid once
            selected.clear()  # the rebuilt grid shows nothing selected; neither may the page's own state
        else:
            # Only the rows that changed, as a transaction: a full rebuild of 5,000 rows per keystroke would
            # also drop the user's selection and scroll position (stack notes P6).
            with grid.props.suspend_updates():
                grid.options["rowData"] = rows
            if changed:
                grid.run_grid_method("applyTransaction", {"update": changed})
        count = state.count
        save_button.set_text(f"Save Changes ({count})")
        save_button.set_visibility(count > 0)
        ui.run_javascript(
            'window.onbeforeunload = e => { e.preventDefault(); e.returnValue = ""; return ""; };'
            if count else "window.onbeforeunload = null;"
        )  # fmt: skip
        await show_preview()

    async def show_preview() -> None:
        preview.clear()
        duplicates = state.duplicates()
        shared = {state.exposed(i) for i in state.models if state.active(i) and state.exposed(i) in state.elsewhere}
        if not duplicates and not shared:
            return
        models = [(state.models[i].original_name, state.exposed(i)) for i in state.models if state.active(i)]
        topology = await desired.split_preview(services, provider_id, models)
        names = set(duplicates) | shared
        with preview:
            ui.label("Split preview: the next sync creates").classes("font-bold")
            for aggregate in topology.aggregates:
                if aggregate.exposed_name in names:
                    ui.label(f"{aggregate.name} → {', '.join(sorted(aggregate.members))}").mark("split-preview")

    async def on_edit(e) -> None:
        if e.args.get("colId") == "normalized_name":
            state.rename(int(e.args["data"]["id"]), e.args.get("newValue"))
            await refresh()

    async def on_action(e) -> None:
        model_id = int(e.args)
        if model_id in state.deletions:
            state.revert(model_id)
        else:
            state.mark_deleted(model_id)
        await refresh()

    def on_selection(e) -> None:
        selected.clear()
        selected.update(int(i) for i in e.args)

    async def bulk(action) -> None:
        for model_id in list(selected):
            action(model_id)
        await refresh()

    grid.on("cellValueChanged", on_edit, ["data", "colId", "newValue", "oldValue"])
    ui.on("model_action", on_action)
    ui.on("models_selection", on_selection)

    def confirm_save() -> None:
        renames, deletions, duplicates = len(state.renames), len(state.deletions), state.duplicates()
        with ui.dialog() as dialog, ui.card().mark("save-dialog"):
            ui.label(f"Save {state.count} changes to {provider.name}?").classes("text-h6")
            if renames:
                ui.label(f"Renames: {renames}").mark("save-renames")
            if deletions:
                ui.label(f"Deletions: {deletions}").mark("save-deletions")
            if duplicates:
                ui.label("Duplicate names, split into one group each behind an aggregate:").classes("font-bold")
                for name, ids in sorted(duplicates.items()):
                    originals = ", ".join(state.models[i].original_name for i in ids)
                    ui.label(f"{name} ← {originals}").mark("save-duplicates")
            if state.deletes_everything():
                ui.label("Warning: this deletes every model of the provider.").classes("text-negative").mark(
                    "save-delete-all"
                )

            async def save() -> None:
                changes = Changes(
                    renames=dict(state.renames), deletions=set(state.deletions), provider_id=provider_id,
                    confirm_duplicates=True, confirm_delete_all=True,
                )  # fmt: skip
                try:
                    result = await catalog.apply_changes(services, changes)
                except LpmError as exc:
                    ui.notify(describe(exc), type="negative", multi_line=True)
                    return
                dialog.close()
                state.__init__(  # one reload, from what the save returned
                    {m.id: m for m in result.models if m.provider_id == provider_id}, state.elsewhere
                )
                await refresh(reload=True)
                ui.notify(f"Saved {changes_text(result.renamed, result.deleted)}. Next: click Sync Configuration.",
                          type="positive")  # fmt: skip

            with ui.row():
                ui.button("Cancel", on_click=dialog.close).props("flat")
                ui.button("Confirm", on_click=save).mark("save-confirm")
        dialog.open()

    async def fetch() -> None:
        if state.count:
            ui.notify("Save or revert your pending changes first.", type="warning")
            return
        try:
            result = await providers.fetch_models(services, provider_id)
        except LpmError as exc:
            ui.notify(describe(exc), type="negative", multi_line=True)
            return
        await reload()
        text = f"{len(result.added)} added, {len(result.disappeared)} disappeared upstream"
        ui.notify(result.warning or text, type="warning" if result.warning else "positive")
        if result.warning:
            manual_add()

    async def reload() -> None:
        state.__init__({m.id: m for m in await catalog.list_models(provider_id)}, state.elsewhere)
        await refresh(reload=True)

    def manual_add() -> None:
        open_manual_add(services, provider, reload, dialogs)

    await refresh()


def changes_text(renamed: int, deleted: int) -> str:
    parts = [f"{renamed} renames"] if renamed else []
    parts += [f"{deleted} deletions"] if deleted else []
    return " and ".join(parts) or "no changes"
