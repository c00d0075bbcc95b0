"""The topology on the sync page: a searchable, paged table of every name's chain, and a diagram of the
names selected in it.

The table has one row per group that serves a name (``core.topology_rows``): exposed name → uni-api entry →
aggregate → group → provider, original name, keys. A diagram of the whole topology is unreadable long before
mermaid refuses it ("Maximum text size in diagram exceeded" at 3,920 groups), so the diagram draws only the
selected names, at most ``DIAGRAM_NAMES`` of them, and says how many more are selected. The diagram's words
(what each box is) are the page's language; the names in the boxes are data.
"""

from __future__ import annotations

import re
from itertools import groupby

from nicegui import events, ui

from core.topology_rows import Row, search_rows
from ui.i18n import t
from ui.paged_grid import PagedGrid

DIAGRAM_NAMES = 10  # names drawn; more selected names are counted, not drawn
MEMBERS_PER_NAME = 8  # groups drawn per name; an aggregate with more shows "N more groups"
COLUMNS = [  # field, header key, width
    ("exposed", "topo.col_exposed", {"flex": 2}),
    ("entry", "topo.col_entry", {"flex": 2}),
    ("aggregate", "topo.col_aggregate", {"flex": 2}),
    ("group", "topo.col_group", {"flex": 2}),
    ("provider", "topo.col_provider", {"flex": 1}),
    ("original", "topo.col_original", {"flex": 2}),
    ("keys", "topo.col_keys", {"width": 80}),
]
# What each box of the diagram is: the box's kind (its identity in the graph) and the words shown for it.
NODE_KEYS = {
    "name": "topo.node_name",
    "uni-api": "topo.node_entry",
    "aggregate": "topo.node_aggregate",
    "group": "topo.node_group",
    "provider": "topo.node_provider",
    "more": "topo.node_more",
}
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
        ui.label(t("topo.title")).classes("text-h6")
        ui.label(t("topo.intro")).classes("text-sm text-grey-8")
        self.table = PagedGrid(
            rows,
            [{"field": field, "headerName": t(key), **width} for field, key, width in COLUMNS],
            noun=t("topo.grid_noun"),
            name="topology-table",
            search=search_rows,
            search_label=t("topo.search"),
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
            ui.label(t("topo.none_selected")).classes("text-sm text-grey-8")
            return
        with ui.row().classes("items-center gap-4"):
            ui.label(selected_count(len(names))).classes("text-sm").mark("diagram-count")
            ui.button(t("topo.clear"), on_click=self.clear).props("flat dense")
        rows = [row for name in names[:DIAGRAM_NAMES] for row in self.by_name.get(name, [])]
        ui.mermaid(diagram_source(rows)).classes("w-full").mark("topology-diagram")


def selected_count(selected: int) -> str:
    if selected > DIAGRAM_NAMES:
        return t("topo.selected_more", drawn=DIAGRAM_NAMES, more=selected - DIAGRAM_NAMES)
    return t("topo.selected_one") if selected == 1 else t("topo.selected", count=selected)


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
            more = t("topo.more_groups", name=exposed, count=len(chain) - MEMBERS_PER_NAME)
            graph.edge(above, graph.node("more", more))
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
            self.lines.append(f'  {self.nodes[kind, name]}["{t(NODE_KEYS[kind])}: {escaped(name)}"]')
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
