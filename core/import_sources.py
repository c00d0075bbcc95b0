"""What an existing setup holds, read into one shape the import proposes from (issue 13).

Three sources describe providers: GPT-Load's groups (upstreams, keys, redirect rules, aggregates), uni-api's
``api.yaml`` (direct entries with keys and model aliases, and entries that point at GPT-Load groups), and a
backup bundle. Each becomes ``Candidate`` providers plus findings about every group and entry. The
conversion is pure (tests give it plain dicts); only ``read_gptload`` talks to a server. This module holds
the shapes and GPT-Load's side; ``core.import_uniapi`` reads api.yaml, ``core.backup`` a bundle.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from core.channels import CHANNELS
from core.clients.gptload import GptLoadClient
from core.naming import carries_marker
from core.phrases import Phrase


@dataclass(frozen=True)
class ModelCandidate:
    original: str
    # The name clients use for it; None: its own original name.
    client: str | None = None
    is_active: bool = True
    is_manual: bool = False


@dataclass
class Candidate:
    """One provider as one source describes it, before the proposal merges what describes the same upstream."""

    source: Phrase  # "group openai-main", "api.yaml entry deepseek", "backup openai"; its text is its identity
    name: str
    base_url: str
    channel_type: str
    keys: frozenset[str]
    models: list[ModelCandidate] = field(default_factory=list)
    test_model: str | None = None


@dataclass
class Finding:
    """A GPT-Load group or uni-api entry: whose it is, what the import makes of it, whether it may be adopted."""

    name: str
    kind: str  # "standard", "aggregate" (groups) or "entry"
    managed: bool
    proposal: Phrase
    adoptable: bool = False
    gptload_id: int | None = None
    # The candidates this group or entry produced (their sources' texts), and for an aggregate its member groups.
    sources: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    target: str | None = None  # the GPT-Load group an entry points at


@dataclass
class Unmappable:
    source: str  # the text of a source: what the conflict it becomes is about
    reason: Phrase


@dataclass
class SourceRead:
    candidates: list[Candidate] = field(default_factory=list)
    groups: list[Finding] = field(default_factory=list)
    entries: list[Finding] = field(default_factory=list)
    unmappable: list[Unmappable] = field(default_factory=list)
    # Secrets the manager generated on the instance a backup came from (proxy key, client key), by setting.
    manager_secrets: dict[str, str] = field(default_factory=dict)


@dataclass
class GptLoadLayout:
    """Everything read from GPT-Load: groups as it lists them, keys of standard groups, members of aggregates."""

    groups: list[dict[str, Any]]
    keys: dict[int, list[str]]
    members: dict[int, dict[int, int]]

    def digest(self) -> str:
        """What an apply compares with a fresh read to refuse a stale preview: groups, their fields and keys."""
        body = json.dumps([self.groups, sorted(self.keys.items()), sorted(self.members.items())], sort_keys=True)
        return hashlib.sha256(body.encode()).hexdigest()


async def read_gptload(gptload: GptLoadClient, owned_ids: set[int]) -> GptLoadLayout:
    """Every group, with keys and members of those the manager does not already hold (one read each, bounded)."""
    groups = await gptload.list_groups()
    keys: dict[int, list[str]] = {}
    members: dict[int, dict[int, int]] = {}

    async def details(group: dict[str, Any]) -> None:
        if group.get("group_type") == "aggregate":
            members[group["id"]] = await gptload.list_sub_groups(group["id"])
        else:
            keys[group["id"]] = sorted(await gptload.list_keys(group["id"]))

    await asyncio.gather(*(details(g) for g in groups if g["id"] not in owned_ids))
    return GptLoadLayout(groups, keys, members)


def from_gptload(layout: GptLoadLayout, owned_ids: set[int]) -> tuple[SourceRead, dict[str, dict[str, Any]]]:
    """Candidates (one per upstream of each standard group) and a finding per group; also the groups by name."""
    read = SourceRead()
    by_name = {g["name"]: g for g in layout.groups}
    by_id = {g["id"]: g for g in layout.groups}
    for group in sorted(layout.groups, key=lambda g: g["name"]):
        owned = group["id"] in owned_ids
        managed = owned or carries_marker(group.get("description"))
        if owned:
            read.groups.append(_finding(group, True, Phrase("in_registry")))
        elif group.get("group_type") == "aggregate":
            read.groups.append(_aggregate_finding(group, layout.members.get(group["id"], {}), by_id, managed))
        else:
            _standard_group(read, group, layout.keys.get(group["id"], []), managed)
    return read, by_name


def _finding(group: dict[str, Any], managed: bool, proposal: Phrase, **more: Any) -> Finding:
    kind = "aggregate" if group.get("group_type") == "aggregate" else "standard"
    return Finding(group["name"], kind, managed, proposal, gptload_id=group["id"], **more)


def _standard_group(read: SourceRead, group: dict[str, Any], keys: list[str], managed: bool) -> None:
    name = group["name"]
    channel = CHANNELS.get(group.get("channel_type") or "")
    urls = _enabled_urls(group)
    reason = (
        Phrase("unknown_channel", {"channel": repr(group.get("channel_type"))})
        if channel is None
        else Phrase("no_enabled_upstream")
        if not urls
        else Phrase("no_keys")
        if not keys
        else None
    )
    if reason:
        unmappable = Phrase("group_unmappable", {"name": name, "reason": reason})
        read.unmappable.append(Unmappable(str(group_source(name)), unmappable))
        read.groups.append(_finding(group, managed, Phrase("cannot_map", {"reason": reason})))
        return
    rules = group.get("model_redirect_rules") or {}
    models = [ModelCandidate(original, None if exposed == original else exposed) for exposed, original in rules.items()]
    sources = group_sources(group)
    for index, (url, source) in enumerate(zip(urls, sources, strict=True)):
        base_url = group_base_url(group["channel_type"], url, group.get("validation_endpoint") or "")
        candidate_name = name if len(urls) == 1 else f"{name}-{index + 1}"
        test_model = group.get("test_model") or None
        read.candidates.append(
            Candidate(
                source, candidate_name, base_url, group["channel_type"], frozenset(keys), list(models), test_model
            )
        )
    counts = {"upstreams": len(urls), "keys": len(keys), "rules": len(rules)}
    proposal = Phrase("group_strict" if group.get("model_redirect_strict") else "group_loose", counts)
    read.groups.append(_finding(group, managed, proposal, adoptable=not managed, sources=list(map(str, sources))))


def _aggregate_finding(
    group: dict[str, Any], members: dict[int, int], by_id: dict[int, dict[str, Any]], managed: bool
) -> Finding:
    """An aggregate stands for what its enabled members import: adoptable only while the outcome keeps all of them."""
    names = sorted(by_id[m]["name"] for m in members if m in by_id)
    if names:
        proposal = Phrase("aggregate_of", {"count": len(names), "members": ", ".join(names)})
    else:
        proposal = Phrase("aggregate_of_none", {"count": 0})
    sources = [str(s) for m, w in sorted(members.items()) if m in by_id and w > 0 for s in group_sources(by_id[m])]
    return _finding(group, managed, proposal, adoptable=not managed, members=names, sources=sources)


def _enabled_urls(group: dict[str, Any]) -> list[str]:
    """The upstreams GPT-Load chooses from: one with weight 0 is stored but never chosen."""
    upstreams = [u for u in group.get("upstreams") or [] if isinstance(u, dict) and u.get("url")]
    return [u["url"] for u in upstreams if u.get("weight") is None or u["weight"] > 0]


def group_sources(group: dict[str, Any]) -> list[Phrase]:
    """The sources of the candidates a standard group makes (``group g``, or ``group g (url)`` per upstream).

    A group that makes none (the manager's, unmappable) is named all the same: its sources are then never in a
    proposal's ``provider_of``, so an entry or aggregate that routes through it is not adoptable.
    """
    urls = _enabled_urls(group)
    if len(urls) <= 1:
        return [group_source(group["name"])]
    return [group_source(group["name"], url) for url in urls]


def group_source(name: str, url: str | None = None) -> Phrase:
    """The source ``group g``, or ``group g (url)`` for one of its several upstreams."""
    if url is None:
        return Phrase("source_group", {"name": name})
    return Phrase("source_group_upstream", {"name": name, "url": url})


def entry_source(name: str) -> Phrase:
    return Phrase("source_entry", {"name": name})


def backup_source(name: str) -> Phrase:
    return Phrase("source_backup", {"name": name})


def whole_group(source: Phrase) -> Phrase:
    """``group g`` for ``group g (url)``: what an entry routed through the group, or an adoption, names."""
    return group_source(str(source.values["name"])) if source.code == "source_group_upstream" else source


def group_base_url(channel_type: str, upstream: str, validation_endpoint: str) -> str:
    """The provider base URL a group's upstream stands for: the inverse of ``Channel.gptload_upstream``.

    An upstream already ending in the channel's version segment is the base URL; a kept custom path
    (OpenAI-compatible, validated at ``/chat/completions``) is used whole; otherwise the segment is added.
    """
    channel = CHANNELS[channel_type]
    url = upstream.rstrip("/")
    path = urlsplit(url).path
    if path.endswith(channel.version_segment):
        return url
    if channel.keeps_custom_path and path.strip("/") and validation_endpoint == "/chat/completions":
        return url
    return url + channel.version_segment
