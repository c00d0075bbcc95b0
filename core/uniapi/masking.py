"""``api.yaml`` for display and download: every key hidden, the layout kept (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import DoubleQuotedScalarString as Quoted

from core.crypto import mask, redact
from core.uniapi import yamlio

# Entry keys that hold credentials in uni-api's schema (upstream keys, Vertex and Bedrock credentials).
SECRET_KEYS = ("api", "private_key", "aws_access_key", "aws_secret_key", "aws_session_token")
_SECTIONS = ("providers", "api_keys")
_ENV_REFERENCE = re.compile(r"^\$\{[^}]+\}$")
_SECRET_LINE = re.compile(rf"^(?:-\s+)?(?:{'|'.join(SECRET_KEYS)})\s*:\s*(?P<value>.*?)\s*$")
_BLOCK_SCALAR = re.compile(r"^[|>][0-9+-]*$")  # `api: >-`, `api: |2`: the value is on the lines below
_PROPERTIES = re.compile(r"^(?:[&!]\S*\s+)+")  # an anchor or a tag before a value: `&shared`, `!!str`
MIN_PIECE = 6  # a wrapped piece shorter than this is only masked as part of the whole value
# A base_url may carry a password (`https://user:password@proxy/v1`, UNIAPI_GPTLOAD_URL's too): masked as well.
_URL_LINE = re.compile(r"^(?:-\s+)?base_url\s*:\s*(?P<value>.*?)\s*$")


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
    for every preview. ``${VAR}`` references are not secrets. ``masked`` stays the exact, parsed way.

    A value may go on below its key: list items, a block scalar (``api: >-`` or ``|``), a scalar on the next
    line or one wrapped over several. Such a value is taken whole (joined), and so is each wrapped piece of
    it, since a diff puts ``-`` or ``+`` before each line. Anchors and tags (``&name``, ``!!str``) are not part
    of the value; an alias (``*name``) repeats a value found where its anchor is.
    """
    found: set[str] = set()
    below: int | None = None  # column of a secret key whose value goes on below it
    pieces: list[str] = []
    for line in (text or "").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        if below is not None:
            if stripped.startswith("- ") and indent >= below:
                found.add(_scalar(stripped[2:]))
                continue
            if indent > below:
                pieces.append(_scalar(stripped))
                continue
            found.update(_joined(pieces))
            below, pieces = None, []
        if url := _URL_LINE.match(stripped):
            found.update(_url_password(_scalar(url.group("value"))))
            continue
        match = _SECRET_LINE.match(stripped)
        if match is None:
            continue
        value = _PROPERTIES.sub("", match.group("value"))
        column = len(line) - len(line.lstrip(" -"))
        if not value or _BLOCK_SCALAR.match(value.split(" #", 1)[0].strip()):
            below = column
        elif value.startswith("["):
            found.update(_scalar(item) for item in value.strip("[]").split(","))
        else:
            below, pieces = column, [_scalar(value)]  # a plain or quoted scalar may wrap onto the next lines
    found.update(_joined(pieces))
    return {value for value in found if _maskable(value) and not value.startswith("*")}


def _joined(pieces: list[str]) -> set[str]:
    """A wrapped value: joined as YAML folds it and without the breaks; long pieces also one by one."""
    pieces = [p.removesuffix("\\") for p in pieces if p]
    if not pieces:
        return set()
    return {" ".join(pieces), "".join(pieces), *(p for p in pieces if len(p) >= MIN_PIECE)}


def _scalar(raw: str) -> str:
    value = _PROPERTIES.sub("", raw.split(" #", 1)[0].strip()).strip()
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"" else value.strip("'\"")


def _mask_document(data: CommentedMap) -> bool:
    """Mask every secret value of every entry in place; True when anything was masked."""
    changed = False
    for section in _SECTIONS:
        entries = data.get(section)
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict):
                changed |= _mask_entry(entry)
    return changed


def _url_password(url: str) -> set[str]:
    """The password of a URL's ``user:password@``, as written and decoded; empty without one."""
    userinfo, at, _ = urlsplit(url).netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return set()
    password = userinfo.partition(":")[2]
    return {password, unquote(password)} - {""}


def _masked_url(url: str) -> str:
    parts = urlsplit(url)
    userinfo, _, host = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    return urlunsplit(parts._replace(netloc=f"{user}:{mask(password)}@{host}"))


def _mask_entry(entry: dict[str, Any]) -> bool:
    changed = False
    url = entry.get("base_url")
    if isinstance(url, str) and any(_maskable(password) for password in _url_password(url)):
        entry["base_url"] = _masked_url(url)
        changed = True
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
