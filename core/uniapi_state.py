"""api.yaml for a plan without needless YAML round trips: what it holds, what it should hold (issue 12 §4).

A ruamel round trip of a 12,000-group api.yaml (1.4 MB) takes 10 s or more, and a plan needs the rendered
text and the names of the manager's entries in the current file. Two memories spare that work:
- *settled*: after a successful sync, the file's sha256 and a digest of the entries it was rendered from
  (``AppSetting``). While both still match, the file is exactly what the sync left: nothing to render, and
  its managed names are the entries' names.
- the last render and the last parse of this process, keyed by the same hashes: a plan previewed and then
  applied renders once.
When the entries changed but the file is still the settled one, its entries are rewritten line by line
(``core.uniapi.splice``: milliseconds, and the same text render would write) instead of a round trip.
Any edit to the file (by the operator, or another tool) changes its hash and takes the full way.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from core import uniapi
from core.models import AppSetting
from core.uniapi import UniapiEntry
from core.uniapi.splice import splice

SETTLED_SETTING = "uniapi_settled"
# Bump when render() would write different text for the same entries: settled files are then rendered again.
RENDER_VERSION = 1


@dataclass(frozen=True)
class UniapiState:
    before: str | None  # the file as it is (None: there is none)
    text: str  # what it should be
    managed_now: set[str]  # the manager's entry names in the file as it is
    digest: str  # of the entries ``text`` is rendered from
    # ``text`` is the settled file (validated when written) with entries rewritten in render's own shape:
    # valid by construction, so writing it needs no second parse (uniapi.write_config's ``validated``).
    spliced: bool = False
    # The credentials both texts hold (the operator's `api`, `api_keys`...), to mask a diff of them.
    file_secrets: frozenset[str] = frozenset()


@dataclass
class RenderMemo:
    """One process's last render and last parse (one of each: a plan is previewed, then applied)."""

    render_key: tuple[str | None, str] | None = None
    text: str = ""
    parse_key: str | None = None
    names: set[str] = field(default_factory=set)
    spliced: bool = False
    secrets: frozenset[str] = frozenset()


async def uniapi_state(path: Path, entries: list[UniapiEntry], client_key: str, memo: RenderMemo) -> UniapiState:
    before = uniapi.read_config(path)
    digest = entries_digest(entries)
    current = file_hash(before)
    last = await settled()
    if current is not None and last == (current, digest):
        return UniapiState(before, before, {e.provider for e in entries}, digest, spliced=True)
    if memo.render_key != (current, digest):
        # The settled file is in render's own shape: its entries can be rewritten line by line (core.uniapi.splice).
        spliced = splice(before, entries) if before is not None and last and last[0] == current else None
        if spliced is not None:
            memo.text, memo.names, memo.parse_key, memo.spliced = spliced[0], spliced[1], current, True
        else:
            memo.text = await asyncio.to_thread(uniapi.render, before, entries, client_key=lambda: client_key)
            memo.spliced = False
        memo.render_key = (current, digest)
        memo.secrets = await asyncio.to_thread(_secrets, before, memo.text, memo.spliced)
    if memo.parse_key != current:
        memo.parse_key, memo.names = current, await asyncio.to_thread(uniapi.managed_entry_names, before)
    return UniapiState(before, memo.text, set(memo.names), digest, spliced=memo.spliced, file_secrets=memo.secrets)


def _secrets(before: str | None, text: str, spliced: bool) -> frozenset[str]:
    """The keys both texts hold, found line by line. A splice changes only the manager's entries, whose key
    is the manager's own proxy key: the operator's keys are the same in both texts, so one scan does."""
    found = uniapi.document_secrets(before)
    return frozenset(found if spliced else found | uniapi.document_secrets(text))


async def settle(path: Path, digest: str) -> None:
    """After a successful sync: the file as it is now is the render of the entries with ``digest``."""
    current = file_hash(uniapi.read_config(path))
    if current is None:
        return
    value = json.dumps({"file": current, "entries": digest})
    await AppSetting.update_or_create(key=SETTLED_SETTING, defaults={"value": value})


async def settled() -> tuple[str, str] | None:
    row = await AppSetting.get_or_none(key=SETTLED_SETTING)
    if row is None:
        return None
    stored = json.loads(row.value)
    return stored["file"], stored["entries"]


def entries_digest(entries: list[UniapiEntry]) -> str:
    """What a render depends on besides the file: the entries, in order (secrets only inside the hash)."""
    rows = [[e.provider, e.base_url, e.engine, e.api, list(e.models) if e.models else None] for e in entries]
    return hashlib.sha256(json.dumps([RENDER_VERSION, rows]).encode()).hexdigest()


def file_hash(text: str | None) -> str | None:
    return hashlib.sha256(text.encode()).hexdigest() if text is not None else None
