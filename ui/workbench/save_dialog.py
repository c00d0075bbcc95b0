"""Save asks first: it shows what saving does, and Confirm confirms exactly what it showed, nothing more."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nicegui import ui

from core import catalog
from core.catalog import Changes
from core.errors import ConfirmationRequired, LpmError
from core.impact import Impact
from ui.messages import describe
from ui.workbench.impact_view import impact_view

if TYPE_CHECKING:
    from ui.workbench.page import Workbench

CHANGED_MEANWHILE = "The models changed since this page was loaded. Saving now does this:"


class SaveDialog:
    """The counts of the pending edits and their impact; refused because the registry changed meanwhile, it
    shows the new impact and asks again. The list scrolls inside the dialog; Cancel and Confirm stay in view."""

    def __init__(self, page: Workbench) -> None:
        self.page = page
        self.impact = page.pending.impact()
        self.changed_meanwhile = False
        with ui.dialog() as self.dialog, ui.card().classes("max-h-[85vh] w-[48rem] max-w-full no-wrap p-0 gap-0"):
            with (
                ui.column()
                .classes("w-full min-h-0 overflow-y-auto p-4 gap-2")
                .style("flex: 1 1 auto")
                .mark("save-dialog")
            ):
                self.content()
            with ui.row().classes("w-full justify-end p-3 border-t shrink-0").mark("save-actions"):
                ui.button("Cancel", on_click=self.dialog.close).props("flat")
                ui.button("Confirm", on_click=self.confirm).mark("save-confirm")
        self.dialog.open()

    @ui.refreshable_method
    def content(self) -> None:
        pending = self.page.pending
        ui.label(f"Save {pending.count} changes to {self.page.provider.name}?").classes("text-h6")
        if self.changed_meanwhile:
            ui.label(CHANGED_MEANWHILE).classes("text-warning").mark("save-changed")
        if pending.renames:
            ui.label(f"Renames: {len(pending.renames)}").mark("save-renames")
        if pending.deletions:
            ui.label(f"Deletions: {len(pending.deletions)}").mark("save-deletions")
        if pending.restores:
            ui.label(f"Restores: {len(pending.restores)}").mark("save-restores")
        impact_view(self.impact, self.page.provider.id, prefix="save")

    async def confirm(self) -> None:
        pending = self.page.pending
        changes = Changes(
            renames=dict(pending.renames),
            deletions=set(pending.deletions),
            restores=set(pending.restores),
            provider_id=self.page.provider.id,
            # Only what the dialog showed: anything else the save finds must be shown before it is confirmed.
            confirm_duplicates=bool(self.impact.within_provider),
            confirm_delete_all=bool(self.impact.emptied_provider_ids),
        )
        try:
            result = await catalog.apply_changes(self.page.services, changes)
        except ConfirmationRequired as exc:
            await self.refused(exc)
            return
        except LpmError as exc:
            ui.notify(describe(exc), type="negative", multi_line=True)
            return
        self.dialog.close()
        await self.page.saved(result)

    async def refused(self, error: ConfirmationRequired) -> None:
        """Someone changed the registry after the page loaded it: show what the save would do now."""
        if "impact" not in error.extra:
            ui.notify(describe(error), type="negative", multi_line=True)
            return
        self.impact = Impact.model_validate(error.extra["impact"])
        self.changed_meanwhile = True
        self.content.refresh()
        await self.page.reload_registry()
