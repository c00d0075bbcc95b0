"""ruamel.yaml round trip: load a document with its own indentation, dump it back, describe bad YAML safely.

Plain load and dump is byte-identical only when the indent settings match the file, and ruamel does not
detect them by itself (stack-notes §5): ``load`` guesses them so an untouched file comes back unchanged.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError
from ruamel.yaml.util import load_yaml_guess_indent

_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")


class YamlProblem(ValueError):
    """Text that cannot be used as a YAML document; the message says where and what, never quotes the text."""


def parse(text: str) -> Any:
    """The document's data (round-trip types), for reading only; ``YamlProblem`` when it is not YAML."""
    with _as_problem():
        return YAML().load(text)


def load(text: str) -> tuple[YAML, CommentedMap]:
    """A top-level mapping to edit, and the ``YAML`` that dumps it back in the file's own indentation."""
    yaml = _yaml(mapping=2, sequence=4, offset=2)
    with _as_problem():
        data, sequence, offset = load_yaml_guess_indent(text, yaml=yaml)
    if not isinstance(data, CommentedMap):
        raise YamlProblem("the top level is not a mapping")
    mapping = _mapping_indent(text)
    if offset is None:  # no block sequence in the file: use the `  - x` style for the ones we add
        sequence, offset = mapping + 2, mapping
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml, data


def dump(yaml: YAML, data: Any) -> str:
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    return buffer.getvalue()


def plain(node: Any) -> Any:
    """The document's meaning without comments or styles, for comparisons."""
    if isinstance(node, dict):
        return {str(key): plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [plain(value) for value in node]
    if isinstance(node, str):
        return str(node)
    return node


def _yaml(*, mapping: int, sequence: int, offset: int) -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long line (a URL, a key) that the operator wrote on one line
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def _mapping_indent(text: str) -> int:
    """Indent of the first nested mapping key under a key-only line (ruamel's guess covers sequences only)."""
    previous = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        depth = len(line) - len(line.lstrip(" "))
        if previous is not None and not stripped.startswith("-") and depth > previous:
            return depth - previous
        bare_key = stripped.endswith(":") and not stripped.startswith("-")
        previous = depth if bare_key else None
    return 2


@contextmanager
def _as_problem() -> Iterator[None]:
    """Turns ruamel's errors into ``YamlProblem``: ruamel quotes the offending text, which may hold a key."""
    try:
        yield
    except YAMLError as error:
        raise YamlProblem(_describe(error)) from None
    except Exception as error:  # ruamel raises a few non-YAMLError types on odd input
        raise YamlProblem(f"cannot be parsed ({type(error).__name__})") from None


def _describe(error: YAMLError) -> str:
    """Where and what, with every quoted part of ruamel's message replaced by an ellipsis."""
    mark = getattr(error, "problem_mark", None)
    problem = _QUOTED.sub("…", getattr(error, "problem", None) or type(error).__name__)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"not valid YAML{where}: {problem}"
