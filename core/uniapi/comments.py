"""Carrying ruamel.yaml comments along when list items come and go (used by ``core.uniapi.render``).

Comments and blank lines after a node's last line are stored on the deepest last scalar (its
post-value comment), on a trailing flow collection, or on a collection's ``end`` list. Moving entries
around must carry them along, or the operator's blank line and comment before ``api_keys:`` would end
up between two providers or vanish. A tail is handled as plain text: the lines after the last line.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml.comments import CommentedBase, CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString
from ruamel.yaml.tokens import CommentToken


def last_path(node: Any) -> list[tuple[Any, Any]]:
    """[(collection, key of its last child), ...] from ``node`` down to the last scalar or flow collection."""
    path = []
    while isinstance(node, CommentedMap | CommentedSeq) and len(node) and not node.fa.flow_style():
        key = next(reversed(node)) if isinstance(node, CommentedMap) else len(node) - 1
        path.append((node, key))
        node = node[key]
    return path


def slot(parent: Any, key: Any) -> tuple[list[Any], int]:
    pos = 2 if isinstance(parent, CommentedMap) else 0
    return parent.ca.items.setdefault(key, [None, None, None, None]), pos


def split_eol(token: CommentToken, leaf: Any) -> tuple[str, str]:
    """(end-of-line comment that stays on its line, the following lines that move)."""
    value = token.value
    if isinstance(leaf, LiteralScalarString | FoldedScalarString):  # a block scalar owns its line break
        return "", value if value.startswith("\n") else " " * token.column + value
    if value.startswith("\n"):
        return "", value[1:]
    eol, newline, rest = value.partition("\n")
    return eol + newline, rest


def end_text(collection: Any) -> str:
    tokens = [t for t in getattr(collection.ca, "end", None) or [] if t is not None]
    collection.ca.end = []
    return "".join(t.value if t.value.startswith("\n") else " " * t.column + t.value for t in tokens)


def take_tail(node: Any) -> str:
    """Remove and return the lines that follow ``node``'s last line (an end-of-line comment stays)."""
    path = last_path(node)
    if not path:
        return end_text(node) if isinstance(node, CommentedBase) else ""
    return take_after(*path[-1]) + "".join(end_text(collection) for collection, _ in reversed(path))


def take_after(parent: Any, key: Any) -> str:
    """Remove and return the lines after ``parent[key]``, a scalar or a flow collection."""
    entry, pos = slot(parent, key)
    leaf, rest = parent[key], ""
    if entry[pos] is not None:
        eol, rest = split_eol(entry[pos], leaf)
        entry[pos] = CommentToken(eol, CommentMark(entry[pos].column)) if eol else None
    if isinstance(leaf, CommentedBase):  # a flow collection keeps a copy of that comment, and maybe more
        if leaf.ca.comment:
            leaf.ca.comment[0] = entry[pos]
        rest += end_text(leaf)
    return rest


def put_tail(node: Any, tail: str) -> None:
    """Put ``tail`` (lines) right after ``node``'s last line."""
    path = last_path(node)
    if tail and path:
        put_after(*path[-1], tail)


def put_after(parent: Any, key: Any, tail: str) -> None:
    entry, pos = slot(parent, key)
    leaf = parent[key]
    eol = "" if isinstance(leaf, LiteralScalarString | FoldedScalarString) else "\n"
    column = 0
    if entry[pos] is not None:
        eol, column = entry[pos].value, entry[pos].column
    entry[pos] = CommentToken(eol + tail, CommentMark(column))
    if isinstance(leaf, CommentedBase) and leaf.ca.comment:
        leaf.ca.comment[0] = entry[pos]


def take_pre(seq: CommentedSeq, index: int) -> str:
    """Remove and return the comment lines ruamel stored as coming before ``seq[index]``."""
    entry = seq.ca.items.get(index)
    if index >= len(seq) or not entry or not entry[1]:
        return ""
    tokens, entry[1] = entry[1], None
    return "".join(t.value if t.value.startswith("\n") else " " * t.column + t.value for t in tokens if t)


def put_pre(seq: CommentedSeq, index: int, text: str) -> None:
    tokens = []
    for line in text.splitlines(keepends=True):
        body = line.lstrip(" ")
        tokens.append(CommentToken(body if body.strip() else line, CommentMark(len(line) - len(body))))
    seq.ca.items.setdefault(index, [None, None, None, None])[1] = tokens


def delete_item(parent: CommentedMap, key: str, index: int) -> None:
    """Delete ``parent[key][index]``; the gaps around it merge so no comment or blank line of the operator is lost."""
    seq = parent[key]
    after = take_tail(seq[index]) + take_pre(seq, index + 1)
    before = (take_tail(seq[index - 1]) if index else "") + take_pre(seq, index)
    if not before or (after and not before.strip()):
        kept = after
    elif not after or not after.strip():
        kept = before
    else:
        kept = before + after
    del seq[index]
    if index == len(seq):  # it was the last item: the gap goes after the new last one, or after `providers: []`
        if seq:
            put_tail(seq[index - 1], kept)
        elif kept:
            seq.fa.set_flow_style()
            put_after(parent, key, kept)
    elif index or kept.strip():  # before the item that took its place (not a blank line under `providers:`)
        put_pre(seq, index, kept)
