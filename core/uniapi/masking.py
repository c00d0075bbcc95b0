"""``api.yaml`` for display and download: every key hidden, the layout kept (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import DoubleQuotedScalarString as Quoted

from core.crypto import mask, redact
from core.uniapi import yamlio

# Entry keys that hold credentials in uni-api's schema (upstream keys, Vertex and Bedrock credentials).
SECRET_KEYS = ("api", "private_key", "aws_access_key", "aws_secret_key", "aws_session_token")
_SECTIONS = ("providers", "api_keys")
_ENV_REFERENCE = re.compile(r"^\$\{[^}]+\}$")
_SECRET_LINE = re.compile(rf"^(?:-\s+)?(?:{'|'.join(SECRET_KEYS)})\s*:\s*(?P<value>.*?)\s*$")


def masked(text: str, secrets: Iterable[str]) -> str:
    """``text`` with ``secrets`` masked, and also every key the document itself holds (``api`` values,
    cloud credentials) whether the manager knows it or not; ``${VAR}`` references stay readable."""
    text = redact(text, secrets)
    try:
        yaml, data = yamlio.load(text)
    except yamlio.YamlProblem:
        return text  # not a document: the plain redaction above is all that can be done
    if not _mask_document(data):
        return text
    return yamlio.dump(yaml, data)


def document_secrets(text: str | None) -> set[str]:
    """The credential values a document holds (``api``, cloud credentials; a value or a list of them),
    found line by line: a round-trip parse of a 12,000-entry file takes seconds, and a plan needs these
    for every preview. ``${VAR}`` references are not secrets. ``masked`` stays the exact, parsed way."""
    found: set[str] = set()
    under: int | None = None  # indentation of a `api:` key whose list items follow
    for line in (text or "").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        if under is not None:
            if stripped.startswith("- ") and indent >= under:
                found.add(_scalar(stripped[2:]))
                continue
            under = None
        match = _SECRET_LINE.match(stripped)
        if match is None:
            continue
        value = match.group("value")
        if not value:
            under = indent
        elif value.startswith("["):
            found.update(_scalar(item) for item in value.strip("[]").split(","))
        else:
            found.add(_scalar(value))
    return {value for value in found if _maskable(value)}


def _scalar(raw: str) -> str:
    value = raw.split(" #", 1)[0].strip()
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"" else value


def _mask_document(data: CommentedMap) -> bool:
    """Mask every secret value of every entry in place; True when anything was masked."""
    changed = False
    for section in _SECTIONS:
        entries = data.get(section)
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict):
                changed |= _mask_entry(entry)
    return changed


def _mask_entry(entry: dict[str, Any]) -> bool:
    changed = False
    for key in SECRET_KEYS:
        value = entry.get(key)
        if isinstance(value, str) and _maskable(value):
            entry[key] = Quoted(mask(value))
            changed = True
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, str) and _maskable(item):
                    value[index] = Quoted(mask(item))
                    changed = True
    return changed


def _maskable(value: str) -> bool:
    """Not empty, not an environment reference, and not already masked."""
    return bool(value) and not _ENV_REFERENCE.match(value) and "…" not in value
