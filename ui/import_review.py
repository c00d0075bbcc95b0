"""The import's review and adoption steps: proposed providers and models as paged grids, each conflict with its
choice (and one choice for all conflicts of a kind), then the groups and api.yaml entries to adopt.

Everything shown comes from the preview (``core.import_shapes.ImportPreview``): which conflicts exist and
their options, which groups are adoptable, which providers merge into registered ones. Keys arrive masked
and only their count is shown. A choice calls back into the page, which previews again with it. Core's own
sentences (conflict details, findings, sources, warnings) arrive as phrases and are said by their code
(``ui.messages.said``), never recognised by their words.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import events, ui

from core.import_shapes import ImportConflict, ImportedProvider, ImportPreview
from core.topology_rows import search_rows
from ui.i18n import t
from ui.messages import said
from ui.paged_grid import PagedGrid

CONFLICTS_SHOWN = 100  # one select each; the bulk choice reaches all conflicts of a kind
# Core's conflict kinds and option ids (core/import_proposal.py) and their words; ``name:X`` / ``keep:X`` carry
# a model name, shown as it is.
KINDS = {
    "provider_exists": "imp.kind_provider_exists",
    "keys_differ": "imp.kind_keys_differ",
    "two_names": "imp.kind_two_names",
    "name_clash": "imp.kind_name_clash",
    "unmappable": "imp.kind_unmappable",
}
OPTIONS = {
    "merge": "imp.option_merge",
    "keep_mine": "imp.option_keep_mine",
    "skip": "imp.option_skip",
    "separate": "imp.option_separate",
    "split": "imp.option_split",
}
NAMED_OPTIONS = {"keep:": "imp.option_keep", "name:": "imp.option_name"}
GROUP_KINDS = {"standard": "imp.group_standard", "aggregate": "imp.group_aggregate"}
TYPEABLE = 6  # a select with more options than this, or with names among them, can be typed into
CSS = """
.import-merge { background-color: rgba(255, 152, 0, 0.15) !important; }
.import-skipped { opacity: 0.55; font-style: italic; }
"""


def provider_columns() -> list[dict[str, Any]]:
    return [
    {"field": "import", "headerName": t("imp.col_import"), "cellDataType": "boolean",
     ":editable": "p => !p.data.merge", "width": 90},
    {"field": "name", "headerName": t("imp.col_name"), "width": 180},
    {"field": "outcome", "headerName": t("imp.col_outcome"), "width": 220},
    {"field": "base_url", "headerName": t("imp.col_base_url"), "flex": 1, "minWidth": 220},
    {"field": "channel_type", "headerName": t("imp.col_channel"), "width": 110},
    {"field": "keys", "headerName": t("imp.col_keys"), "width": 80},
    {"field": "models", "headerName": t("imp.col_models"), "width": 90},
    {"field": "sources", "headerName": t("imp.col_sources"), "flex": 1, "minWidth": 220},
    ]  # fmt: skip


def model_columns() -> list[dict[str, Any]]:
    return [
        {"field": "provider", "headerName": t("imp.col_provider"), "width": 200},
        {"field": "original", "headerName": t("imp.col_original"), "flex": 1},
        {"field": "client", "headerName": t("imp.col_client"), "flex": 1},
    ]


Choose = Callable[[dict[str, str]], Awaitable[None]]


def counted(key: str, count: int) -> str:
    """``imp.n_models`` for ``count``: its ``_one`` form for exactly one (English has a singular)."""
    return t(f"{key}_one" if count == 1 else key, count=count)


def kind_label(kind: str) -> str:
    return t(KINDS[kind]) if kind in KINDS else kind.replace("_", " ")


def option_label(option: str) -> str:
    """A conflict's option in words; the model name of ``keep:X`` / ``name:X`` as it is."""
    for prefix, key in NAMED_OPTIONS.items():
        if option.startswith(prefix):
            return t(key, name=option.removeprefix(prefix))
    return t(OPTIONS[option]) if option in OPTIONS else option


def choice_select(options: list[str], value: str) -> ui.select:
    """A conflict's choice; typeable where it offers names (models) or more options than fit a glance."""
    typeable = len(options) > TYPEABLE or any(":" in o for o in options)
    return ui.select({o: option_label(o) for o in options}, value=value, with_input=typeable).classes("w-72")


def review(
    preview: ImportPreview,
    providers: list[ImportedProvider],
    skipped: list[str],
    on_import: Callable[[str, bool], Awaitable[None]],
    on_choose: Choose,
) -> None:
    """``providers``: the preview's and the skipped ones (absent from the preview), so each can come back."""
    ui.add_css(CSS)
    for warning in preview.warning_phrases:
        ui.label(said(warning)).classes("text-warning text-sm").mark("import-warning")
    new = sum(p.merge_into is None and p.name not in skipped for p in providers)
    merged = sum(p.merge_into is not None for p in providers)
    models = sum(len(p.models) for p in preview.providers)
    ui.label(t("imp.counts", new=counted("imp.n_new_providers", new), merged=merged,
               models=counted("imp.n_models", models), skipped=len(skipped))).mark("import-counts")  # fmt: skip
    grid = PagedGrid([provider_row(p, skipped) for p in providers], provider_columns(), noun=t("imp.grid_providers"),
                     name="import-providers", search=search_providers, search_label=t("imp.search_providers"),
                     options={"rowClassRules": {"import-merge": "data.merge", "import-skipped": "!data.import"},
                              ":getRowId": "p => p.data.name"})  # fmt: skip

    async def edited(event: events.GenericEventArguments) -> None:
        if event.args.get("colId") == "import":
            await on_import(event.args["data"]["name"], bool(event.args.get("newValue")))

    grid.grid.on("cellValueChanged", edited, ["data", "colId", "newValue"])
    with ui.expansion(t("imp.models_panel", count=models)).classes("w-full").mark("import-models-panel"):
        PagedGrid([model_row(p, m) for p in preview.providers for m in p.models], model_columns(),
                                noun=t("imp.grid_models"), name="import-models", search=search_models,
                                search_label=t("imp.search_models"))  # fmt: skip
    conflicts(preview.conflicts, on_choose)


def provider_row(p: ImportedProvider, skipped: list[str]) -> dict[str, Any]:
    merge = p.merge_into is not None
    imported = p.name not in skipped
    # Words shown and searched; code and tests branch on "merge" and "import".
    if merge:
        outcome = t("imp.outcome_merge", name=p.name)
    else:
        outcome = t("imp.outcome_new") if imported else t("imp.outcome_skipped")
    return {"name": p.name, "outcome": outcome, "base_url": p.base_url, "channel_type": p.channel_type,
            "keys": len(p.keys), "models": len(p.models), "sources": said(tuple(p.source_phrases)),
            "import": imported, "merge": merge}  # fmt: skip


def model_row(p: ImportedProvider, m: Any) -> dict[str, Any]:
    return {"provider": p.name, "original": m.original_name, "client": m.normalized_name or m.original_name}


def search_providers(rows: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    return search_rows(rows, text, ("name", "base_url", "channel_type", "sources", "outcome"))


def search_models(rows: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    return search_rows(rows, text, ("provider", "original", "client"))


def conflicts(items: list[ImportConflict], on_choose: Choose) -> None:
    if not items:
        ui.label(t("imp.no_conflicts")).classes("text-positive").mark("no-conflicts")
        return
    ui.label(t("imp.conflicts", count=len(items))).classes("text-subtitle1")
    by_kind: dict[str, list[ImportConflict]] = {}
    for item in items:
        by_kind.setdefault(item.kind, []).append(item)
    for kind, of_kind in by_kind.items():
        bulk_choice(kind, of_kind, on_choose)
    for item in items[:CONFLICTS_SHOWN]:
        conflict_card(item, on_choose)
    if len(items) > CONFLICTS_SHOWN:
        ui.label(t("imp.conflicts_more", count=len(items) - CONFLICTS_SHOWN)).classes("text-sm")


def conflict_card(item: ImportConflict, on_choose: Choose) -> None:
    card = ui.card().classes("w-full border-l-4 border-orange-500 bg-orange-1 text-black")
    with card.mark(f"conflict conflict-{item.id}"), ui.row().classes("items-center gap-2 w-full no-wrap"):
        ui.badge(kind_label(item.kind), color="warning")
        ui.label(said(item.detail_phrase)).classes("text-sm grow").mark(f"conflict-detail-{item.id}")

        async def chosen(event: events.ValueChangeEventArguments) -> None:
            if event.value and event.value != item.choice:
                await on_choose({item.id: event.value})

        choice_select(item.options, item.choice).on_value_change(chosen).mark(f"conflict-choice-{item.id}")


def bulk_choice(kind: str, of_kind: list[ImportConflict], on_choose: Choose) -> None:
    """One choice for every conflict of a kind, from the options they all offer."""
    common = [o for o in of_kind[0].options if all(o in c.options for c in of_kind[1:])]
    if len(of_kind) < 2 or not common:
        return
    with ui.row().classes("items-center gap-2").mark(f"bulk-{kind}"):
        ui.label(t("imp.bulk", count=len(of_kind), kind=kind_label(kind)))
        select = choice_select(common, common[0]).mark(f"bulk-choice-{kind}")

        async def apply_to_all() -> None:
            await on_choose({c.id: select.value for c in of_kind})

        ui.button(t("imp.bulk_apply"), on_click=apply_to_all).props("outline").mark(f"bulk-apply-{kind}")


def group_about(kind: str, proposal: str) -> str:
    return t(GROUP_KINDS[kind], proposal=proposal) if kind in GROUP_KINDS else f"{kind}: {proposal}"


def adoptable_names(preview: ImportPreview) -> set[str]:
    return {g.name for g in preview.groups if g.adoptable} | {e.provider for e in preview.entries if e.adoptable}


def adoption(preview: ImportPreview, adopt: set[str], redraw: Callable[[], None]) -> None:
    """Checkboxes for the adoptable groups and entries only; the others say why they stay as they are."""
    ui.label(t("imp.adopt_help")).classes("text-sm").mark("adopt-help")
    names = adoptable_names(preview)

    def set_all(chosen: set[str]) -> None:
        adopt.clear()
        adopt.update(chosen)
        redraw()

    with ui.row().classes("items-center gap-2"):
        ui.button(t("imp.adopt_all"), on_click=lambda: set_all(names)).props("outline").mark("adopt-all")
        ui.button(t("imp.adopt_none"), on_click=lambda: set_all(set())).props("outline").mark("adopt-none")
        chosen = t("imp.adopt_count", chosen=len(adopt & names), total=len(names))
        ui.label(chosen).classes("text-sm").mark("adopt-count")

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
                why = t("imp.managed_already" if managed else "imp.left_alone")
                ui.label(why).classes("text-grey-8").mark(f"not-adoptable-{kind}-{name}")
            ui.label(about).classes("text-grey-8")

    ui.label(t("imp.groups_title", count=len(preview.groups))).classes("text-subtitle1")
    with ui.column().classes("gap-0 max-h-96 overflow-auto w-full").mark("adopt-groups"):
        for g in preview.groups:
            item("group", g.name, g.adoptable, g.managed, group_about(g.kind, said(g.proposal_phrase)))
        if not preview.groups:
            ui.label(t("imp.none_read")).classes("text-grey-8")
    ui.label(t("imp.entries_title", count=len(preview.entries))).classes("text-subtitle1")
    with ui.column().classes("gap-0 max-h-96 overflow-auto w-full").mark("adopt-entries"):
        for e in preview.entries:
            item("entry", e.provider, e.adoptable, e.managed, said(e.proposal_phrase))
        if not preview.entries:
            ui.label(t("imp.none_read")).classes("text-grey-8")
