"""The workbench's buttons: Save, fetch and add by hand next to the title; search and bulk edits above the grid."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from nicegui import ui

if TYPE_CHECKING:
    from ui.workbench.page import Workbench


def title_bar(page: Workbench) -> ui.button:
    """The provider, and its actions; returns the Save button (shown only while something is pending)."""
    provider = page.provider
    with ui.row().classes("items-center w-full"):
        ui.label(f"{provider.name} · {provider.channel_type} · {provider.base_url}").classes("text-h6")
        ui.space()
        save = ui.button(on_click=page.open_save_dialog).classes("animate-pulse").mark("save-changes")
        ui.button("Fetch models", on_click=page.fetch).props("outline")
        ui.button("Add a model by hand", on_click=page.manual_add).props("flat")
    return save


def edit_bar(page: Workbench) -> None:
    """Quick search, and edits applied to every selected row (pending until Save, like single edits)."""
    pending = page.pending
    with ui.row().classes("items-center w-full"):
        ui.input("Quick search", on_change=lambda e: page.grid.search(e.value)).props("clearable dense")
        bulk_button("Delete selected", page, pending.mark_deleted)
        bulk_button("Revert selected", page, pending.revert)
        bulk_button("Reset names", page, lambda i: pending.rename(i, None))
        bulk_button("Lowercase", page, lambda i: pending.rename(i, pending.exposed(i).lower()))
        find = ui.input("Find").props("dense")
        replace = ui.input("Replace with").props("dense")

        def find_replace(model_id: int) -> None:
            pending.rename(model_id, pending.exposed(model_id).replace(find.value or "", replace.value or ""))

        bulk_button("Replace", page, find_replace)


def bulk_button(text: str, page: Workbench, action: Callable[[int], None]) -> ui.button:
    return ui.button(text, on_click=lambda: page.bulk(action)).props("flat dense")
