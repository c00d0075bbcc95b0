"""The workbench's controls: Save, fetch and add by hand next to the title; search, the status filter, bulk
edits and Find/Replace above the grid, with a legend of what the grid's colours and marks mean."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from nicegui import ui

from ui.i18n import t
from ui.row_rules import STATUS_FILTERS
from ui.workbench.bulk import BULK_ACTIONS
from ui.workbench.find_replace import FindReplace

if TYPE_CHECKING:
    from ui.workbench.page import Workbench

# The swatch's colour, the text's classes, the key of the text.
LEGEND = [
    ("rgba(255, 193, 7, .45)", "", "wb.legend_duplicate"),
    ("", "font-bold", "wb.legend_shared"),
    ("var(--q-primary)", "", "wb.legend_pending"),
    ("", "line-through opacity-50", "wb.legend_deleted"),
    ("rgba(128, 128, 128, .35)", "italic", "wb.legend_inactive"),
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
        ui.button(t("wb.fetch_models"), icon="cloud_download", on_click=page.fetch).props("outline")
        ui.button(t("wb.add_by_hand"), icon="add", on_click=lambda: page.manual_add(listed_nothing=False)).props(
            "flat"
        ).tooltip(t("wb.add_by_hand_tip"))
    return save


def edit_bar(page: Workbench) -> FindReplace:
    """Quick search, the status filter, and edits applied to the selected rows the filters show (pending until
    Save, like single edits); wraps in units on narrow screens. Returns Find/Replace, whose preview follows the
    selection."""
    with ui.row().classes("items-center w-full gap-x-3 gap-y-1"):
        with ui.row().classes("items-center gap-2 no-wrap"):
            ui.input(t("wb.quick_search"), on_change=lambda e: page.grid.search(e.value)).props("clearable dense").mark(
                "quick-search"
            )
            filters = {status: t(key) for status, key in STATUS_FILTERS.items()}
            ui.toggle(filters, value="all", on_change=lambda e: page.grid.show_status(e.value)).props(
                "dense no-caps"
            ).mark("status-filter").tooltip(t("wb.status_filter_tip"))
        with ui.row().classes("items-center gap-1"):
            for action in BULK_ACTIONS:
                ui.button(t(action.button), on_click=partial(page.bulk, action)).props("flat dense").tooltip(
                    t(action.tooltip)
                )
        find_replace = FindReplace(page)
    legend()
    return find_replace


def legend() -> None:
    """What the grid's colours and marks mean."""
    with ui.row().classes("items-center gap-x-4 gap-y-0 text-caption opacity-80"):
        for colour, classes, key in LEGEND:
            with ui.row().classes("items-center gap-1 no-wrap"):
                if colour:
                    ui.element("span").classes("lpm-legend-swatch").style(f"background: {colour}")
                ui.label(t(key)).classes(classes).mark("legend")
