"""The workbench's controls: Save, fetch and add by hand next to the title; search, the status filter, bulk
edits and Find/Replace above the grid, with a legend of what the grid's colours and marks mean."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from nicegui import ui

from ui.row_rules import STATUS_FILTERS
from ui.workbench.bulk import BULK_ACTIONS
from ui.workbench.find_replace import FindReplace

if TYPE_CHECKING:
    from ui.workbench.page import Workbench

LEGEND = [
    ("rgba(255, 193, 7, .45)", "", "duplicate name inside this provider (split behind an aggregate)"),
    ("", "font-bold", "bold exposed name: another provider serves it too"),
    ("var(--q-primary)", "", "bar on the left: pending, not saved yet (status “to …”)"),
    ("", "line-through opacity-50", "struck through: deleted on Save"),
    ("rgba(128, 128, 128, .35)", "italic", "grey: deleted by an earlier save (Restore brings it back)"),
]


def title_bar(page: Workbench) -> ui.button:
    """The provider, and its actions; returns the Save button (shown only while something is pending)."""
    provider = page.provider
    with ui.row().classes("items-center w-full gap-2"):
        ui.label(f"{provider.name} · {provider.channel_type} · {provider.base_url}").classes("text-h6 break-all")
        ui.space()
        # Steady, not pulsing: a pulsing button looked disabled half of the time.
        save = ui.button(icon="save", on_click=page.open_save_dialog).props("unelevated color=primary")
        save.mark("save-changes")
        ui.button("Fetch models", icon="cloud_download", on_click=page.fetch).props("outline")
        ui.button("Add a model by hand", icon="add", on_click=lambda: page.manual_add(listed_nothing=False)).props(
            "flat"
        ).tooltip("For a model the provider serves but does not list")
    return save


def edit_bar(page: Workbench) -> FindReplace:
    """Quick search, the status filter, and edits applied to the selected rows the filters show (pending until
    Save, like single edits); wraps in units on narrow screens. Returns Find/Replace, whose preview follows the
    selection."""
    with ui.row().classes("items-center w-full gap-x-3 gap-y-1"):
        with ui.row().classes("items-center gap-2 no-wrap"):
            ui.input("Quick search", on_change=lambda e: page.grid.search(e.value)).props("clearable dense").mark(
                "quick-search"
            )
            ui.toggle(STATUS_FILTERS, value="all", on_change=lambda e: page.grid.show_status(e.value)).props(
                "dense no-caps"
            ).mark("status-filter").tooltip("Show all models, or only active, deleted or pending ones")
        with ui.row().classes("items-center gap-1"):
            for action in BULK_ACTIONS:
                ui.button(action.button, on_click=partial(page.bulk, action)).props("flat dense").tooltip(
                    action.tooltip
                )
        find_replace = FindReplace(page)
    legend()
    return find_replace


def legend() -> None:
    """What the grid's colours and marks mean."""
    with ui.row().classes("items-center gap-x-4 gap-y-0 text-caption opacity-80"):
        for colour, classes, text in LEGEND:
            with ui.row().classes("items-center gap-1 no-wrap"):
                if colour:
                    ui.element("span").classes("lpm-legend-swatch").style(f"background: {colour}")
                ui.label(text).classes(classes).mark("legend")
