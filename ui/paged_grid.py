"""An AG Grid that holds one page of its rows: the rows, the search and the paging stay in Python.

Why not AG Grid's own pagination: it pages rows the browser already holds, and a first sync at 12,100 groups
has 24,201 changes and 30,000 topology rows, megabytes over the websocket before the first one shows. Here the
browser gets one page (a full grid rebuild of 50 rows is cheap), and a search runs over every row in Python.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from nicegui import events, ui

from ui.i18n import aggrid_locale_text, t, translator

Row = dict[str, Any]
PAGE_SIZE = 50


class PagedGrid:
    """``noun``: what the rows are, for the count, in the page's language (``t("...")``, lowercase: the count
    starts with it capitalized); ``name``: the grid's marker (its pager's: ``{name}-pager``); ``search``: the rows
    a text matches (None: no search box), ``search_label`` its label (translated too; None: "Search");
    ``decorate``: what a shown row carries besides its own fields (the topology's selection mark)."""

    def __init__(
        self,
        rows: list[Row],
        columns: list[dict[str, Any]],
        *,
        noun: str,
        name: str,
        search: Callable[[list[Row], str], list[Row]] | None = None,
        search_label: str | None = None,
        options: dict[str, Any] | None = None,
        decorate: Callable[[Row], Row] | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.rows = rows
        self.matched = rows
        self.noun = noun
        self._t = translator()  # the count changes on events from the browser (search, paging)
        self.page_size = page_size
        self._search = search
        self._decorate = decorate or (lambda row: row)
        self.shown: list[Row] = []
        self.page = 1
        with ui.row().classes("w-full items-center gap-4"):
            if search is not None:
                label = search_label or t("models.grid_search")
                ui.input(label, on_change=self._searched).props("dense clearable debounce=300").classes("w-80")
            self.count = ui.label().classes("text-sm text-grey-8")
        self.grid = ui.aggrid(
            {
                "columnDefs": columns,
                "rowData": [],
                "domLayout": "autoHeight",
                "localeText": aggrid_locale_text(),
                **(options or {}),
            },
            auto_size_columns=False,
        ).classes(f"w-full {name}")
        # autoHeight sizes the grid to its page of rows; NiceGUI's default 16rem height would cut it off.
        self.grid.style("height: auto").mark(name)
        self.pager = ui.pagination(1, 1, direction_links=True, on_change=self._paged)
        self.pager.props("max-pages=9 boundary-links").classes(f"{name}-pager").mark(f"{name}-pager")
        self.show(1)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(len(self.matched) / self.page_size))

    def search(self, text: str) -> None:
        self.matched = self._search(self.rows, text) if self._search else self.rows
        self.show(1)

    def show(self, page: int) -> None:
        """Page ``page`` (1-based, clamped) of the matched rows: the grid gets those rows only."""
        self.page = page = min(max(page, 1), self.pages)
        start = (page - 1) * self.page_size
        self.shown = self.matched[start : start + self.page_size]
        self.grid.options["rowData"] = [self._decorate(row) for row in self.shown]
        self.pager.max = self.pages
        self.pager.value = page  # set after max: a page above the old max would be clamped by the browser
        self.pager.set_visibility(self.pages > 1)
        self.count.text = self._count_text(start)

    def redraw(self) -> None:
        """The same page again, for rows whose decoration changed."""
        self.show(self.page)

    def _count_text(self, start: int) -> str:
        """``Names: 3 (of 4)``, ``Names 51–100 of 120``; the ``(of …)`` only while a search leaves rows out."""
        total, every = len(self.matched), len(self.rows)
        if not total:
            return self._t("models.grid_none_match" if every else "models.grid_none", noun=self.noun)
        numbers = {"noun": self.noun[:1].upper() + self.noun[1:], "total": f"{total:,}", "every": f"{every:,}",
                   "first": f"{start + 1:,}", "last": f"{start + len(self.shown):,}"}  # fmt: skip
        if total <= self.page_size:
            return self._t("models.grid_all" if total == every else "models.grid_all_of", **numbers)
        return self._t("models.grid_page" if total == every else "models.grid_page_of", **numbers)

    def _searched(self, event: events.ValueChangeEventArguments) -> None:
        self.search(event.value or "")

    def _paged(self, event: events.ValueChangeEventArguments) -> None:
        if event.value and event.value != self.page:  # not the echo of show() setting the value
            self.show(event.value)
