"""Save asks first: it shows what saving does, and Confirm confirms exactly what it showed, nothing more."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nicegui import ui

from core import catalog
from core.catalog import Changes
from core.errors import ConfirmationRequired, LpmError
from core.impact import Impact
from ui.i18n import t
from ui.messages import describe
from ui.workbench.impact_view import impact_view

if TYPE_CHECKING:
    from ui.workbench.page import Workbench


class ConfirmedSave:
    """A save that asks first: what it does (``heading``, ``details``) and its impact; Confirm confirms exactly
    what was shown. Refused because the registry changed meanwhile, it shows the new impact and asks again.
    The list scrolls inside the dialog; Cancel and Confirm stay in view. Subclasses say what and how to save;
    the base shows Cancel, Confirm and the "changed meanwhile" line in the page's language."""

    prefix = "save"  # of the test markers: {prefix}-dialog, -actions, -confirm, -changed

    def __init__(self, impact: Impact) -> None:
        self.impact = impact
        self.changed_meanwhile = False
        with ui.dialog() as self.dialog, ui.card().classes("max-h-[85vh] w-[48rem] max-w-full no-wrap p-0 gap-0"):
            with (
                ui.column()
                .classes("w-full min-h-0 overflow-y-auto p-4 gap-2")
                .style("flex: 1 1 auto")
                .mark(f"{self.prefix}-dialog")
            ):
                self.content()
            with ui.row().classes("w-full justify-end p-3 border-t shrink-0").mark(f"{self.prefix}-actions"):
                ui.button(t("wb.cancel"), on_click=self.dialog.close).props("flat")
                ui.button(t("wb.confirm"), on_click=self.confirm).mark(f"{self.prefix}-confirm")
        self.dialog.open()

    @ui.refreshable_method
    def content(self) -> None:
        self.heading()
        if self.changed_meanwhile:
            ui.label(t("wb.changed_meanwhile")).classes("text-warning").mark(f"{self.prefix}-changed")
        self.details()

    def heading(self) -> None:
        raise NotImplementedError

    def details(self) -> None:
        raise NotImplementedError

    async def save(self) -> Any:
        """Save what the dialog showed; ``ConfirmationRequired`` with the new impact when it changed."""
        raise NotImplementedError

    async def saved(self, result: Any) -> None:
        raise NotImplementedError

    async def reload(self) -> None:
        """Read the registry again after a refusal (the page and the next impact as it is now)."""
        raise NotImplementedError

    async def confirm(self) -> None:
        try:
            result = await self.save()
        except ConfirmationRequired as exc:
            await self.refused(exc)
            return
        except LpmError as exc:
            ui.notify(describe(exc), type="negative", multi_line=True)
            return
        self.dialog.close()
        await self.saved(result)

    async def refused(self, error: ConfirmationRequired) -> None:
        """Someone changed the registry after the page loaded it: show what the save would do now."""
        if "impact" not in error.extra:
            ui.notify(describe(error), type="negative", multi_line=True)
            return
        self.impact = Impact.model_validate(error.extra["impact"])
        self.changed_meanwhile = True
        self.content.refresh()
        await self.reload()


class SaveDialog(ConfirmedSave):
    """The workbench's save: the counts of the pending edits and their impact."""

    def __init__(self, page: Workbench) -> None:
        self.page = page
        super().__init__(page.pending.impact())

    def heading(self) -> None:
        pending = self.page.pending
        question = "wb.save_question_one" if pending.count == 1 else "wb.save_question"
        ui.label(t(question, count=pending.count, name=self.page.provider.name)).classes("text-h6")

    def details(self) -> None:
        pending = self.page.pending
        if pending.renames:
            ui.label(t("wb.save_renames", count=len(pending.renames))).mark("save-renames")
        if pending.deletions:
            ui.label(t("wb.save_deletions", count=len(pending.deletions))).mark("save-deletions")
        if pending.restores:
            ui.label(t("wb.save_restores", count=len(pending.restores))).mark("save-restores")
        impact_view(self.impact, self.page.provider.id, prefix="save")

    async def save(self) -> Any:
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
        return await catalog.apply_changes(self.page.services, changes)

    async def saved(self, result: Any) -> None:
        await self.page.saved(result)

    async def reload(self) -> None:
        await self.page.reload_registry()
