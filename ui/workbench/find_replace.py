"""Find/Replace over the exposed names of the selected rows: literal or a regular expression, with a live count
of the rows it would change; an invalid pattern is explained and changes nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nicegui import ui

from ui.row_rules import InvalidFind, replacer
from ui.workbench.bulk import SELECT_FIRST, BulkAction, run_bulk

if TYPE_CHECKING:
    from ui.workbench.page import Workbench

REGEX_TIP = "Find is a Python regular expression; \\1 in “Replace with” inserts its first group"


class FindReplace:
    """Find, Replace with, Regex and Replace stay together on one line (they wrap as one unit)."""

    def __init__(self, page: Workbench) -> None:
        self.page = page
        with ui.row().classes("items-center gap-2 no-wrap").mark("find-replace"):
            self.find = ui.input("Find", on_change=self.preview).props("dense").mark("find")
            self.replacement = ui.input("Replace with", on_change=self.preview).props("dense").mark("replace-with")
            self.regex = ui.checkbox("Regex", on_change=self.preview).tooltip(REGEX_TIP).mark("regex")
            ui.button("Replace", on_click=self.replace).props("flat dense").mark("replace")
            self.count = ui.label("").classes("text-caption whitespace-nowrap").mark("replace-preview")

    def preview(self) -> None:
        """How many of the selected rows Replace would change, or why it cannot run; empty while Find is."""
        if not self.find.value:
            self._show("")
            return
        try:
            action = self._action()
        except InvalidFind as exc:
            self._show(str(exc), error=True)
            return
        ids, _ = self.page.grid.targets()
        if not ids:
            self._show("select rows first")
            return
        changing = len(self.page.pending.would_change(ids, action.change))
        self._show(f"{changing} row{'' if changing == 1 else 's'} would change")

    async def replace(self) -> None:
        if not self.page.grid.targets()[0]:
            ui.notify(SELECT_FIRST.format(what="Replace"), type="warning")
            return
        try:
            action = self._action()
        except InvalidFind as exc:
            ui.notify(f"{exc} Nothing was changed.", type="negative")
            return
        await run_bulk(self.page, action)

    def _action(self) -> BulkAction:
        change = replacer(self.find.value, self.replacement.value, regex=self.regex.value)
        verb = f"Replace “{self.find.value}” with “{self.replacement.value or ''}” in the names of"
        return BulkAction("Replace", verb, lambda p, i: p.rename(i, change(p.exposed(i))))

    def _show(self, text: str, *, error: bool = False) -> None:
        self.count.set_text(text)
        self.count.classes(replace="text-caption whitespace-nowrap" + (" text-negative" if error else ""))
