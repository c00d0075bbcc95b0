"""Find/Replace over the exposed names of the selected rows: literal or a regular expression, with a live count
of the rows it would change; an invalid pattern is explained and changes nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nicegui import ui

from ui.i18n import t
from ui.row_rules import InvalidFind, replacer
from ui.workbench.bulk import BulkAction, run_bulk, select_first

if TYPE_CHECKING:
    from ui.workbench.page import Workbench


class FindReplace:
    """Find, Replace with, Regex and Replace stay together on one line (they wrap as one unit)."""

    def __init__(self, page: Workbench) -> None:
        self.page = page
        with ui.row().classes("items-center gap-2 no-wrap").mark("find-replace"):
            self.find = ui.input(t("wb.find"), on_change=self.preview).props("dense").mark("find")
            self.replacement = (
                ui.input(t("wb.replace_with"), on_change=self.preview).props("dense").mark("replace-with")
            )
            self.regex = ui.checkbox(t("wb.regex"), on_change=self.preview).tooltip(t("wb.regex_tip")).mark("regex")
            ui.button(t("wb.replace"), on_click=self.replace).props("flat dense").mark("replace")
            self.count = ui.label("").classes("text-caption whitespace-nowrap").mark("replace-preview")

    def preview(self) -> None:
        """How many of the selected rows Replace would change, or why it cannot run; empty while Find is."""
        if not self.find.value:
            self._show("")
            return
        try:
            action = self._action()
        except InvalidFind as exc:
            self._show(t(exc.key, **exc.values), error=True)
            return
        ids, _ = self.page.grid.targets()
        if not ids:
            self._show(t("wb.select_rows_first"))
            return
        changing = len(self.page.pending.would_change(ids, action.change))
        self._show(t("wb.would_change_one" if changing == 1 else "wb.would_change", count=changing))

    async def replace(self) -> None:
        if not self.page.grid.targets()[0]:
            ui.notify(select_first("wb.replace"), type="warning")
            return
        try:
            action = self._action()
        except InvalidFind as exc:
            ui.notify(t("wb.nothing_changed", error=t(exc.key, **exc.values)), type="negative")
            return
        await run_bulk(self.page, action)

    def _action(self) -> BulkAction:
        change = replacer(self.find.value, self.replacement.value, regex=self.regex.value)
        values = {"find": self.find.value, "replacement": self.replacement.value or ""}
        return BulkAction("wb.replace", "wb.replace_question", lambda p, i: p.rename(i, change(p.exposed(i))),
                          values=values)  # fmt: skip

    def _show(self, text: str, *, error: bool = False) -> None:
        self.count.set_text(text)
        self.count.classes(replace="text-caption whitespace-nowrap" + (" text-negative" if error else ""))
