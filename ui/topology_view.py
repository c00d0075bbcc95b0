"""The topology on the sync page: a searchable, paged table of every name's chain, and a diagram of the
names selected in it.

The table has one row per group that serves a name (``core.topology_rows``): exposed name → uni-api entry →
aggregate → group → provider, original name, keys. A diagram of the whole topology is unreadable long before
mermaid refuses it ("Maximum text size in diagram exceeded" at 3,920 groups), so the diagram draws only the
selected names, at most ``DIAGRAM_NAMES`` of them, and says how many more are selected.
"""

from __future__ import annotations

import re
from itertools import groupby

from nicegui import events, ui

from core.topology_rows import Row, search_rows
from ui.paged_grid import PagedGrid

DIAGRAM_NAMES = 10  # names drawn; more selected names are counted, not drawn
MEMBERS_PER_NAME = 8  # groups drawn per name; an aggregate with more shows "N more groups"
COLUMNS = [
    {"field": "exposed", "headerName": "Exposed name", "flex": 2},
    {"field": "entry", "headerName": "uni-api entry", "flex": 2},
    {"field": "aggregate", "headerName": "Aggregate", "flex": 2},
    {"field": "group", "headerName": "Group", "flex": 2},
    {"field": "provider", "headerName": "Provider", "flex": 1},
    {"field": "original", "headerName": "Original name", "flex": 2},
    {"field": "keys", "headerName": "Keys", "width": 80},
]
# Rows of selected names come back selected on every page; the grid reports the names picked on its page
# (not the API's own selecting, nor the rebuild of a page).
PRESELECT = """e => {
  const nodes = [];
  e.api.forEachNode(n => n.data._selected && nodes.push(n));
  e.api.setNodesSelected({nodes, newValue: true, source: 'api'});
}"""
REPORT = """e => {
  if (e.source === 'api' || e.source === 'rowDataChanged') return;
  const page = [], picked = [];
  e.api.forEachNode(n => { page.push(n.data.exposed); if (n.isSelected()) picked.push(n.data.exposed); });
  getElement(%d).$emit('names_picked', {page, picked});
}"""
GRID_OPTIONS = {"rowSelection": {"mode": "multiRow"}, ":getRowId": "p => String(p.data.id)",
                ":onFirstDataRendered": PRESELECT}  # fmt: skip


class TopologyView:
    def __init__(self, rows: list[Row]) -> None:
        self.by_name: dict[str, list[Row]] = {}
        for row in rows:
            self.by_name.setdefault(row["exposed"], []).append(row)
        self.selected: set[str] = set()
        ui.label("Topology").classes("text-h6")
        ui.label("Each name a client can ask for, from its uni-api entry to the provider that answers. "
                 "Select rows to draw their names.").classes("text-sm text-grey-8")  # fmt: skip
        self.table = PagedGrid(
            rows,
            COLUMNS,
            noun="rows",
            name="topology-table",
            search=search_rows,
            search_label="Search names",
            options=GRID_OPTIONS,
            decorate=lambda row: {**row, "_selected": row["exposed"] in self.selected},
        )
        self.table.grid.options[":onSelectionChanged"] = REPORT % self.table.grid.id
        self.table.grid.on("names_picked", self._picked)
        self.diagram()

    def _picked(self, event: events.GenericEventArguments) -> None:
        self.selected -= set(event.args["page"])
        self.selected |= set(event.args["picked"])
        self.diagram.refresh()

    def clear(self) -> None:
        self.selected.clear()
        self.table.redraw()
        self.diagram.refresh()

    @ui.refreshable_method
    def diagram(self) -> None:
        names = sorted(self.selected)
        if not names:
            ui.label("No names selected: the diagram shows the names selected in the table.").classes(
                "text-sm text-grey-8"
            )
            return
        with ui.row().classes("items-center gap-4"):
            more = len(names) - DIAGRAM_NAMES
            drawn = min(len(names), DIAGRAM_NAMES)
            shown = f"{drawn} selected name" + ("s" if drawn != 1 else "")
            ui.label(shown + (f" drawn, {more} more selected" if more > 0 else "")).classes("text-sm").mark(
                "diagram-count"
            )
            ui.button("Clear selection", on_click=self.clear).props("flat dense")
        rows = [row for name in names[:DIAGRAM_NAMES] for row in self.by_name.get(name, [])]
        ui.mermaid(diagram_source(rows)).classes("w-full").mark("topology-diagram")


def diagram_source(rows: list[Row]) -> str:
    """A mermaid graph of the chains of these rows (sorted by name), at most ``MEMBERS_PER_NAME`` groups a name."""
    graph = Graph()
    for exposed, chain in groupby(rows, key=lambda row: row["exposed"]):
        chain = list(chain)
        name = graph.node("name", exposed)
        above = name
        for row in chain[:MEMBERS_PER_NAME]:
            entry = graph.node("uni-api", row["entry"])
            graph.edge(name, entry)
            above = entry
            if row["aggregate"]:
                above = graph.node("aggregate", row["aggregate"])
                graph.edge(entry, above)
            group = graph.node("group", row["group"])
            graph.edge(above, group)
            graph.edge(group, graph.node("provider", row["provider"]), row["original"])
        if len(chain) > MEMBERS_PER_NAME:
            graph.edge(above, graph.node("more", f"{exposed}: {len(chain) - MEMBERS_PER_NAME} more groups"))
    return "\n".join(graph.lines)


class Graph:
    """Mermaid lines; each node and each edge written once."""

    def __init__(self) -> None:
        self.lines = ["graph LR"]
        self.nodes: dict[tuple[str, str], str] = {}
        self.edges: set[tuple[str, str]] = set()

    def node(self, kind: str, name: str) -> str:
        if (kind, name) not in self.nodes:
            self.nodes[kind, name] = f"n{len(self.nodes)}"
            self.lines.append(f'  {self.nodes[kind, name]}["{kind}: {escaped(name)}"]')
        return self.nodes[kind, name]

    def edge(self, start: str, end: str, label: str = "") -> None:
        if (start, end) not in self.edges:
            self.edges.add((start, end))
            self.lines.append(f'  {start} -->|"{escaped(label)}"| {end}' if label else f"  {start} --> {end}")


MERMAID_SPECIAL = re.compile(r'[#"<>&]')


def escaped(text: str) -> str:
    """Model names are the operator's and the providers' text: shown as text, never read as markup or syntax
    (mermaid's entity codes, ``#34;`` for a quote)."""
    return MERMAID_SPECIAL.sub(lambda m: f"#{ord(m.group())};", text)
