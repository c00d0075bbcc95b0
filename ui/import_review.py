"""The import's review and adoption steps: proposed providers and models as paged grids, each conflict with its
choice (and one choice for all conflicts of a kind), then the groups and api.yaml entries to adopt.

Everything shown comes from the preview (``core.import_shapes.ImportPreview``): which conflicts exist and
their options, which groups are adoptable, which providers merge into registered ones. Keys arrive masked
and only their count is shown. A choice calls back into the page, which previews again with it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import events, ui

from core.import_shapes import ImportConflict, ImportedProvider, ImportPreview
from core.topology_rows import search_rows
from ui.paged_grid import PagedGrid

CONFLICTS_SHOWN = 100  # one select each; the bulk choice reaches all conflicts of a kind
KINDS = {
    "provider_exists": "already registered",
    "keys_differ": "different key sets",
    "two_names": "several names for one model",
    "name_clash": "one name for several models",
    "unmappable": "cannot be imported",
}
OPTIONS = {
    "merge": "Merge keys and models",
    "keep_mine": "Keep mine (nothing merged)",
    "skip": "Skip (nothing imported)",
    "separate": "Separate providers",
    "split": "Split (an aggregate on the next sync)",
}
ADOPT_HELP = (
    "Adopt: the manager takes it over, and the next sync restructures it as ordinary changes of its plan. "
    "Leave alone: never touched; names it holds show as conflicts."
)
CSS = """
.import-merge { background-color: rgba(255, 152, 0, 0.15) !important; }
.import-skipped { opacity: 0.55; font-style: italic; }
"""
PROVIDER_COLUMNS = [
    {"field": "import", "headerName": "Import", "cellDataType": "boolean", ":editable": "p => !p.data.merge",
     "width": 90},
    {"field": "name", "headerName": "Name", "width": 180},
    {"field": "outcome", "headerName": "Outcome", "width": 220},
    {"field": "base_url", "headerName": "Base URL", "flex": 1, "minWidth": 220},
    {"field": "channel_type", "headerName": "Channel", "width": 110},
    {"field": "keys", "headerName": "Keys", "width": 80},
    {"field": "models", "headerName": "Models", "width": 90},
    {"field": "sources", "headerName": "Sources", "flex": 1, "minWidth": 220},
]  # fmt: skip
MODEL_COLUMNS = [
    {"field": "provider", "headerName": "Provider", "width": 200},
    {"field": "original", "headerName": "Original name", "flex": 1},
    {"field": "client", "headerName": "Clients call it", "flex": 1},
]

Choose = Callable[[dict[str, str]], Awaitable[None]]


def option_label(option: str) -> str:
    if option.startswith("keep:"):
        return f"Keep {option.removeprefix('keep:')} under this name"
    if option.startswith("name:"):
        return f"Name it {option.removeprefix('name:')}"
    return OPTIONS.get(option, option)


def review(
    preview: ImportPreview,
    providers: list[ImportedProvider],
    skipped: list[str],
    on_import: Callable[[str, bool], Awaitable[None]],
    on_choose: Choose,
) -> None:
    """``providers``: the preview's and the skipped ones (absent from the preview), so each can come back."""
    ui.add_css(CSS)
    for warning in preview.warnings:
        ui.label(warning).classes("text-warning text-sm").mark("import-warning")
    new = sum(p.merge_into is None and p.name not in skipped for p in providers)
    merged = sum(p.merge_into is not None for p in providers)
    models = sum(len(p.models) for p in preview.providers)
    ui.label(f"{new} new providers, {merged} merged into registered ones, {models} models; "
             f"{len(skipped)} not imported.").mark("import-counts")  # fmt: skip
    grid = PagedGrid([provider_row(p, skipped) for p in providers], PROVIDER_COLUMNS, noun="providers",
                     name="import-providers", search=search_providers, search_label="Search providers",
                     options={"rowClassRules": {"import-merge": "data.merge", "import-skipped": "!data.import"},
                              ":getRowId": "p => p.data.name"})  # fmt: skip

    async def edited(event: events.GenericEventArguments) -> None:
        if event.args.get("colId") == "import":
            await on_import(event.args["data"]["name"], bool(event.args.get("newValue")))

    grid.grid.on("cellValueChanged", edited, ["data", "colId", "newValue"])
    with ui.expansion(f"Models ({models})").classes("w-full").mark("import-models-panel"):
        PagedGrid([model_row(p, m) for p in preview.providers for m in p.models], MODEL_COLUMNS,
                                noun="models", name="import-models", search=search_models,
                                search_label="Search models")  # fmt: skip
    conflicts(preview.conflicts, on_choose)


def provider_row(p: ImportedProvider, skipped: list[str]) -> dict[str, Any]:
    merge = p.merge_into is not None
    imported = p.name not in skipped
    outcome = f"merge into registered {p.name}" if merge else ("new provider" if imported else "not imported")
    return {"name": p.name, "outcome": outcome, "base_url": p.base_url, "channel_type": p.channel_type,
            "keys": len(p.keys), "models": len(p.models), "sources": ", ".join(p.sources), "import": imported,
            "merge": merge}  # fmt: skip


def model_row(p: ImportedProvider, m: Any) -> dict[str, Any]:
    return {"provider": p.name, "original": m.original_name, "client": m.normalized_name or m.original_name}


def search_providers(rows: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    return search_rows(rows, text, ("name", "base_url", "channel_type", "sources", "outcome"))


def search_models(rows: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    return search_rows(rows, text, ("provider", "original", "client"))


def conflicts(items: list[ImportConflict], on_choose: Choose) -> None:
    if not items:
        ui.label("No conflicts.").classes("text-positive").mark("no-conflicts")
        return
    ui.label(f"Conflicts ({len(items)}): each takes its first option unless you choose another").classes(
        "text-subtitle1"
    )
    by_kind: dict[str, list[ImportConflict]] = {}
    for item in items:
        by_kind.setdefault(item.kind, []).append(item)
    for kind, of_kind in by_kind.items():
        bulk_choice(kind, of_kind, on_choose)
    for item in items[:CONFLICTS_SHOWN]:
        conflict_card(item, on_choose)
    if len(items) > CONFLICTS_SHOWN:
        ui.label(f"and {len(items) - CONFLICTS_SHOWN} more: choose for all of a kind above").classes("text-sm")


def conflict_card(item: ImportConflict, on_choose: Choose) -> None:
    card = ui.card().classes("w-full border-l-4 border-orange-500 bg-orange-1 text-black")
    with card.mark(f"conflict conflict-{item.id}"), ui.row().classes("items-center gap-2 w-full no-wrap"):
        ui.badge(KINDS.get(item.kind, item.kind.replace("_", " ")), color="warning")
        ui.label(item.detail).classes("text-sm grow")

        async def chosen(event: events.ValueChangeEventArguments) -> None:
            if event.value and event.value != item.choice:
                await on_choose({item.id: event.value})

        options = {option: option_label(option) for option in item.options}
        ui.select(options, value=item.choice, on_change=chosen).classes("w-72").mark(f"conflict-choice-{item.id}")


def bulk_choice(kind: str, of_kind: list[ImportConflict], on_choose: Choose) -> None:
    """One choice for every conflict of a kind, from the options they all offer."""
    common = [o for o in of_kind[0].options if all(o in c.options for c in of_kind[1:])]
    if len(of_kind) < 2 or not common:
        return
    with ui.row().classes("items-center gap-2").mark(f"bulk-{kind}"):
        ui.label(f"All {len(of_kind)} conflicts of kind '{KINDS.get(kind, kind)}':")
        select = ui.select({o: option_label(o) for o in common}, value=common[0]).classes("w-72")
        select.mark(f"bulk-choice-{kind}")

        async def apply_to_all() -> None:
            await on_choose({c.id: select.value for c in of_kind})

        ui.button("Apply to all of this kind", on_click=apply_to_all).props("outline").mark(f"bulk-apply-{kind}")


def adoptable_names(preview: ImportPreview) -> set[str]:
    return {g.name for g in preview.groups if g.adoptable} | {e.provider for e in preview.entries if e.adoptable}


def adoption(preview: ImportPreview, adopt: set[str], redraw: Callable[[], None]) -> None:
    """Checkboxes for the adoptable groups and entries only; the others say why they stay as they are."""
    ui.label(ADOPT_HELP).classes("text-sm").mark("adopt-help")
    names = adoptable_names(preview)

    def set_all(chosen: set[str]) -> None:
        adopt.clear()
        adopt.update(chosen)
        redraw()

    with ui.row().classes("items-center gap-2"):
        ui.button("Adopt all", on_click=lambda: set_all(names)).props("outline").mark("adopt-all")
        ui.button("None", on_click=lambda: set_all(set())).props("outline").mark("adopt-none")
        ui.label(f"{len(adopt & names)} of {len(names)} adoptable chosen").classes("text-sm").mark("adopt-count")

    def toggle(name: str, event: events.ValueChangeEventArguments) -> None:
        if event.value == (name in adopt):
            return
        (adopt.add if event.value else adopt.discard)(name)
        redraw()  # a group and an entry may share a name: both boxes show it

    def item(kind: str, name: str, adoptable: bool, managed: bool, about: str) -> None:
        with ui.row().classes("items-center gap-3 text-sm no-wrap").mark(f"import-{kind}-{name}"):
            if adoptable:
                box = ui.checkbox(name, value=name in adopt, on_change=lambda e: toggle(name, e))
                box.classes("min-w-48 font-mono").mark(f"adopt-{kind}-{name}")
            else:
                ui.label(name).classes("min-w-48 font-mono q-pl-sm")
                why = "the manager's already" if managed else "left alone: nothing imported stands for it"
                ui.label(why).classes("text-grey-8").mark(f"not-adoptable-{kind}-{name}")
            ui.label(about).classes("text-grey-8")

    ui.label(f"GPT-Load groups ({len(preview.groups)})").classes("text-subtitle1")
    with ui.column().classes("gap-0 max-h-96 overflow-auto w-full").mark("adopt-groups"):
        for g in preview.groups:
            item("group", g.name, g.adoptable, g.managed, f"{g.kind}: {g.proposal}")
        if not preview.groups:
            ui.label("None read.").classes("text-grey-8")
    ui.label(f"api.yaml entries ({len(preview.entries)})").classes("text-subtitle1")
    with ui.column().classes("gap-0 max-h-96 overflow-auto w-full").mark("adopt-entries"):
        for e in preview.entries:
            item("entry", e.provider, e.adoptable, e.managed, e.proposal)
        if not preview.entries:
            ui.label("None read.").classes("text-grey-8")
