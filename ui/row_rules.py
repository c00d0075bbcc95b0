"""Pure rules over the workbench's grid rows (no NiceGUI, no I/O).

The grid filters rows in the browser; Python mirrors the same rules so that a bulk action changes only the rows
the operator sees, whatever the browser reported as selected: AG Grid's quick filter over the shown columns, and
the status filter above the grid. Find/Replace turns the operator's input into a function on names, or says what is
wrong with it. Words for people are keys of the translation table (``ui/locales/workbench.py``): the page shows them
in its language.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

# The grid's shown columns with a value (the action column has none; "state" is hidden): what the quick filter reads.
QUICK_FILTER_COLUMNS = ("original_name", "normalized_name", "exposed_name", "status")
# The status filters and the keys of their labels.
STATUS_FILTERS = {"all": "wb.filter_all", "active": "wb.filter_active", "deleted": "wb.filter_deleted",
                  "pending": "wb.filter_pending"}  # fmt: skip
# The hidden "state" column the status filter works on, as AG Grid computes it from a row (mirrors row_state).
STATE_GETTER = "p => (p.data._inactive ? 'deleted' : 'active') + (p.data._pending ? ' pending' : '')"

Row = Mapping[str, Any]


class InvalidFind(ValueError):
    """Find/Replace cannot run with this input: ``key`` names the sentence that says why, ``values`` fill it in."""

    def __init__(self, key: str, **values: str) -> None:
        super().__init__(key, values)
        self.key = key
        self.values = values


def quick_filter_matches(row: Row, text: str | None, status_words: Mapping[str, str] | None = None) -> bool:
    """AG Grid 34's quick filter (no cache, no custom parser or matcher): the text, upper-cased, is split on
    single spaces and every part must occur in the upper-cased value of one shown column. ``status_words``: the
    Status column's values as the grid shows them (in the page's language); the quick filter reads those."""
    if not text:
        return True
    words = status_words or {}
    values = [str(words.get(row[c], row[c]) if c == "status" else row[c]).upper()
              for c in QUICK_FILTER_COLUMNS if row.get(c) not in (None, "")]  # fmt: skip
    return all(any(part in value for value in values) for part in text.upper().split(" "))


def row_state(row: Row) -> str:
    """``active`` or ``deleted`` (as saved), then `` pending`` while the row has an unsaved change."""
    return ("deleted" if row["_inactive"] else "active") + (" pending" if row["_pending"] else "")


def status_filter_matches(row: Row, status: str) -> bool:
    return _shows(status, row_state(row))


def status_counts(rows: Iterable[Row]) -> dict[str, int]:
    """How many rows each status filter shows (``all``, ``active``, ``deleted``, ``pending``): the status line."""
    states = Counter(row_state(row) for row in rows)
    return {status: sum(n for state, n in states.items() if _shows(status, state)) for status in STATUS_FILTERS}


def _shows(status: str, state: str) -> bool:
    return status == "all" or status in state  # the text filter's "contains"


def status_filter_model(status: str) -> dict[str, Any] | None:
    """The AG Grid filter model of the hidden ``state`` column for a status filter (None: show everything)."""
    return None if status == "all" else {"filterType": "text", "type": "contains", "filter": status}


def replacer(find: str | None, replacement: str | None, *, regex: bool) -> Callable[[str], str]:
    """What Replace does to one name: every literal occurrence of ``find``, or every match of the regular
    expression (``\\1`` in ``replacement`` is its first group), replaced. Raises InvalidFind for an empty
    ``find``, an invalid pattern or a replacement referring to a group the pattern lacks."""
    if not find:
        raise InvalidFind("wb.find_empty")
    replacement = replacement or ""
    if not regex:
        return lambda name: name.replace(find, replacement)
    try:
        pattern = re.compile(find)
        pattern.sub(replacement, "")  # parses the replacement's group references even without a match
    except re.error as exc:
        raise InvalidFind("wb.invalid_regex", error=str(exc)) from None  # Python's own words on the pattern
    return lambda name: pattern.sub(replacement, name)
