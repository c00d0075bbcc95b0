"""The manager's entries rewritten line by line in a file ``render`` wrote, without a YAML round trip (pure).

``render`` is exact but a ruamel round trip of a 12,000-group api.yaml takes 10 s or more. When the file is
one this manager settled (``core.uniapi_state``), its managed entries are in the one shape ``render``
writes them; ``splice`` recognises exactly that shape and nothing else, re-emits the owned lines of each
entry, deletes the entries no longer wanted and appends the new ones where ``render`` would. The
operator's lines are copied as they are. Anything it does not recognise (another indentation, a comment
inside an entry, a name it would have to quote differently, Windows line ends) makes it answer None, and
the caller renders the full way. tests/test_uniapi_splice.py checks that both ways give the same text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.naming import OWNER_MARKER
from core.uniapi.render import UniapiEntry, check_entries

# What render writes double-quoted, and what it writes plain, in exactly these forms (no escapes needed).
_QUOTABLE = re.compile(r"[\x20-\x7e]*").fullmatch
_UNSAFE_IN_QUOTES = ('"', "\\")
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9._~/:%@+=-]+").fullmatch
_PLAIN_WORD = re.compile(r"[a-z][a-z0-9_-]*").fullmatch
_ITEM = re.compile(r"( *)- ")
_QUOTED_NAME = re.compile(r'"([^"\\]*)"$')
_PROVIDER = re.compile(r"""(?:- )?provider: *(?:"([^"\\]*)"|'([^']*)'|([^\s#'"][^#]*?)) *(?:#.*)?$""")
MAX_LINE = 4000  # render never folds a line (width 4096)


@dataclass(frozen=True)
class Layout:
    dash: int  # the column of an entry's "- "
    model_dash: int | None  # the column of a model item's "- " (None: no entry shows one)

    @property
    def key(self) -> int:
        return self.dash + 2


@dataclass
class Block:
    lines: list[str]  # the entry's own lines, up to its last non-blank, non-comment line
    trailer: list[str]  # blank and comment lines after it (render keeps them where they are)
    name: str | None = None
    managed: bool = False
    extras: list[str] | None = None  # a managed entry's lines after its owned ones (the operator's keys)


def splice(before: str, entries: list[UniapiEntry]) -> tuple[str, set[str]] | None:
    """(``before`` with the managed entries made equal to ``entries``, the managed names it held), or None.

    Raises ``ConfigWriteError`` for entries render would refuse too.
    """
    check_entries(entries)
    if "\r" in before or not before.endswith("\n"):
        return None
    lines = before.split("\n")[:-1]
    region = _providers_region(lines)
    if region is None:
        return None
    start, end = region
    parsed = _blocks(lines[start:end])
    if parsed is None:
        return None
    head, blocks, layout = parsed
    wanted = {e.provider: e for e in entries}
    if any(b.name in wanted for b in blocks if not b.managed) or not all(_emittable(e, layout) for e in entries):
        return None
    out, kept = list(head), set()
    for block in blocks:
        if not block.managed:
            out += block.lines + block.trailer
        elif block.name in wanted and block.name not in kept:
            kept.add(block.name)
            out += _emit(wanted[block.name], layout) + (block.extras or []) + block.trailer
        elif block.extras:
            return None  # a doomed entry's extra keys may carry comments: render decides where they go
        else:
            out += block.trailer  # blank lines and comments after it stay where they are
    new = [line for e in entries if e.provider not in kept for line in _emit(e, layout)]
    if not kept and not new and not any(not b.managed for b in blocks):
        return None  # an empty list: render writes `providers: []`
    if new:
        tail = _tail_length(out, len(head))
        out[len(out) - tail : len(out) - tail] = new
    managed_before = {b.name for b in blocks if b.managed and b.name is not None}
    return "\n".join([*lines[:start], *out, *lines[end:]]) + "\n", managed_before


def _providers_region(lines: list[str]) -> tuple[int, int] | None:
    """The lines of the providers list: after a block-style ``providers:`` up to the next top-level key."""
    keys = [i for i, line in enumerate(lines) if line.rstrip() == "providers:"]
    if len(keys) != 1:
        return None
    start = keys[0] + 1
    end = next(
        (i for i in range(start, len(lines)) if lines[i][:1] not in ("", " ", "#")),
        len(lines),
    )
    return start, end


def _blocks(region: list[str]) -> tuple[list[str], list[Block], Layout] | None:
    starts = [i for i, line in enumerate(region) if _ITEM.match(line)]
    if not starts:
        return None
    dash = len(_ITEM.match(region[starts[0]]).group(1))
    starts = [i for i in starts if len(_ITEM.match(region[i]).group(1)) == dash]
    if any(line.strip() and not line.lstrip().startswith("#") for line in region[: starts[0]]):
        return None
    blocks = []
    for index, begin in enumerate(starts):
        finish = starts[index + 1] if index + 1 < len(starts) else len(region)
        block = _block(region[begin:finish], dash)
        if block is None:
            return None
        blocks.append(block)
    model_dash = next((d for b in blocks if b.managed and (d := _model_dash(b.lines, dash)) is not None), None)
    if not any(b.managed for b in blocks):
        return None  # nothing shows how this file's entries are indented
    return region[: starts[0]], blocks, Layout(dash, model_dash)


def _block(lines: list[str], dash: int) -> Block | None:
    body = len(lines)
    while body > 1 and (not lines[body - 1].strip() or lines[body - 1].lstrip().startswith("#")):
        body -= 1
    block = Block(lines[:body], lines[body:])
    if any(line.strip() and len(line) - len(line.lstrip(" ")) <= dash and i for i, line in enumerate(block.lines)):
        return None  # a line as far left as the dash inside an entry: not a shape we know
    marker = f"{' ' * (dash + 2)}notes: {OWNER_MARKER}"
    if not any(OWNER_MARKER in line for line in block.lines):
        found = next((m for line in block.lines if (m := _PROVIDER.match(line.strip()))), None)
        if found is None:
            return None
        block.name = next(g for g in found.groups() if g is not None).strip()
        return block
    if marker not in block.lines:
        return None
    owned = block.lines.index(marker) + 1
    name = _owned_name(block.lines[:owned], dash)
    if name is None:
        return None
    block.name, block.managed, block.extras = name, True, block.lines[owned:]
    return block


def _owned_name(owned: list[str], dash: int) -> str | None:
    """The entry's name when its owned lines are exactly in render's shape, else None."""
    key = " " * (dash + 2)
    first = re.fullmatch(" " * dash + r'- provider: (".*")', owned[0])
    rest = [line.removeprefix(key) for line in owned[1:]]
    if first is None or not all(line.startswith(key) for line in owned[1:]) or len(rest) < 5:
        return None
    shape = rest[0].startswith("base_url: ") and rest[1].startswith("engine: ") and rest[2].startswith("api: ")
    models = rest[3:-1]
    if not shape or not (models == ["model: []"] or (models[:1] == ["model:"] and len(models) > 1)):
        return None
    name = _QUOTED_NAME.match(first.group(1))
    return name.group(1) if name else None


def _model_dash(lines: list[str], dash: int) -> int | None:
    key = " " * (dash + 2)
    if f"{key}model:" not in lines:
        return None
    item = lines[lines.index(f"{key}model:") + 1]
    return len(item) - len(item.lstrip(" "))


def _emittable(entry: UniapiEntry, layout: Layout) -> bool:
    quoted = [entry.provider, entry.api, *(entry.models or ())]
    if not all(_QUOTABLE(q) and not any(c in q for c in _UNSAFE_IN_QUOTES) for q in quoted):
        return False
    if not (_PLAIN_URL(entry.base_url) and _PLAIN_WORD(entry.engine)):
        return False
    if entry.models and layout.model_dash is None:
        return False
    return all(len(line) < MAX_LINE for line in _emit(entry, layout))


def _emit(entry: UniapiEntry, layout: Layout) -> list[str]:
    """An entry's owned lines exactly as render writes them (see _emittable for the values this covers)."""
    key = " " * layout.key
    lines = [
        f'{" " * layout.dash}- provider: "{entry.provider}"',
        f"{key}base_url: {entry.base_url}",
        f"{key}engine: {entry.engine}",
        f'{key}api: "{entry.api}"',
    ]
    if entry.models:
        lines.append(f"{key}model:")
        lines += [f'{" " * (layout.model_dash or 0)}- "{m}"' for m in entry.models]
    else:
        lines.append(f"{key}model: []")
    return [*lines, f"{key}notes: {OWNER_MARKER}"]


def _tail_length(out: list[str], head: int) -> int:
    """How many blank and comment lines end the list (they stay after new entries, as render keeps them)."""
    count = 0
    while len(out) - count > head and (not out[-1 - count].strip() or out[-1 - count].lstrip().startswith("#")):
        count += 1
    return count
