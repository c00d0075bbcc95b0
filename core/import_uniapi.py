"""What a uni-api ``api.yaml`` holds, as import candidates (issue 13, pure): direct entries become providers;
entries that point at GPT-Load groups add the names clients use to those groups' candidates.

Client names are followed the way requests travel: a uni-api entry sends ``original`` for an
``original: alias`` item, GPT-Load's redirect rules turn what it gets into the provider's name (a strict
group refuses names without a rule; a non-strict one passes them on unchanged), and an aggregate hands a
request to one of its members.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from core.channels import CHANNELS
from core.import_sources import (
    Candidate,
    Finding,
    GptLoadLayout,
    ModelCandidate,
    SourceRead,
    Unmappable,
    entry_source,
    group_source,
    group_sources,
    whole_group,
)
from core.naming import OWNER_MARKER
from core.phrases import Phrase

# The path of a GPT-Load proxy URL: /proxy/{group}/...
PROXY_PATH = re.compile(r"^/proxy/([a-z0-9_-]{1,100})(?:/|$)")
ENGINE_CHANNELS = {c.uniapi_engine: c.name for c in CHANNELS.values()}
ENGINE_CHANNELS |= {"openai": "openai", "anthropic": "anthropic"}  # spellings operators use for the same dialects
# Hosts for which uni-api infers an engine the manager does not speak when an entry names none (get_engine).
FOREIGN_HOSTS = {"aiplatform.googleapis.com": "vertex", ".azure.com": "azure", ".azuredatabricks.net": "azure",
                 "api.cloudflare.com": "cloudflare", "amazonaws.com": "aws", "api.cohere.com": "cohere"}  # fmt: skip
GEMINI_HOST = "generativelanguage.googleapis.com"


def from_uniapi(
    data: Any, groups: dict[str, dict[str, Any]] | None, layout: GptLoadLayout | None, *, adoptable: bool
) -> SourceRead:
    """Candidates of direct entries; client names that entries pointing at GPT-Load groups route to those groups.

    ``groups`` are GPT-Load's groups by name (None: GPT-Load is not a source). Names routed through a group
    are added to the candidates ``from_gptload`` made of it, by ``merge_routed``. ``adoptable``: the entries
    come from the configured file, which apply can mark (an uploaded text cannot be).
    """
    read = SourceRead()
    providers = data.get("providers") if isinstance(data, dict) else None
    seen: set[str] = set()
    for index, entry in enumerate(providers if isinstance(providers, list) else []):
        if not isinstance(entry, dict):
            read.unmappable.append(Unmappable(str(entry_source(f"#{index + 1}")), Phrase("not_a_mapping")))
            continue
        # Only a string is a name: str() of a nested YAML alias (a "billion laughs" document) would never end.
        named = isinstance(entry.get("provider"), str | int) and str(entry["provider"]).strip() != ""
        name = str(entry["provider"]) if named else f"#{index + 1}"
        if entry.get("notes") == OWNER_MARKER:
            read.entries.append(Finding(name, "entry", True, Phrase("own_entry")))
        elif not named or name in seen:  # apply could not tell which one to mark, nor uni-api which to use
            why = Phrase("no_provider_name" if not named else "provider_name_taken")
            _unmappable(read, name, str(entry_source(name)) + (f" #{index + 1}" if named else ""), why)
        else:
            _entry(read, name, entry, groups, layout, adoptable=adoptable)
        seen.add(name)
    return read


def _entry(
    read: SourceRead,
    name: str,
    entry: dict[str, Any],
    groups: dict[str, dict[str, Any]] | None,
    layout: GptLoadLayout | None,
    *,
    adoptable: bool,
) -> None:
    source = entry_source(name)
    base_url = entry.get("base_url")
    items = _model_items(entry.get("model"))
    proxied = PROXY_PATH.match(urlsplit(base_url).path) if isinstance(base_url, str) else None
    if proxied:
        target = proxied.group(1)
        if groups is None or target not in groups:
            why = "gptload_not_a_source" if groups is None else "no_such_group"
            _unmappable(read, name, str(source), Phrase(why, {"group": target}))
            return
        routed = route_through(groups[target], items, groups, layout)
        read.candidates += routed
        proposal = Phrase("entry_routes", {"count": len(items), "group": target})
        # Adoptable only while the outcome keeps every group the names go to (not skipped, not unmappable).
        sources = [str(s) for c in routed for s in group_sources(groups[c.name])] or [str(group_source(target))]
        read.entries.append(Finding(name, "entry", False, proposal, adoptable, sources=sources, target=target))
        return
    channel_type = _entry_channel(entry)
    keys = _entry_keys(entry.get("api"))
    if isinstance(channel_type, Phrase) or not keys:
        _unmappable(read, name, str(source), channel_type if isinstance(channel_type, Phrase) else Phrase("no_api_key"))
        return
    root = _entry_base_url(channel_type, str(base_url))
    models = [ModelCandidate(upstream, None if client == upstream else client) for upstream, client in items]
    read.candidates.append(Candidate(source, name, root, channel_type, frozenset(keys), models))
    proposal = Phrase("entry_direct", {"keys": len(keys), "models": len(models)})
    read.entries.append(Finding(name, "entry", False, proposal, adoptable, sources=[str(source)]))


def _unmappable(read: SourceRead, name: str, source: str, reason: Phrase) -> None:
    read.unmappable.append(Unmappable(source, Phrase("entry_unmappable", {"name": name, "reason": reason})))
    read.entries.append(Finding(name, "entry", False, Phrase("cannot_map", {"reason": reason})))


def route_through(
    group: dict[str, Any],
    items: list[tuple[str, str]],
    groups: dict[str, dict[str, Any]],
    layout: GptLoadLayout | None,
) -> list[Candidate]:
    """Model-only candidates (source ``group X``) for the names an entry sends through ``group``.

    They carry no keys and no URL: ``merge_routed`` folds them into the candidates of the same group.
    """
    members = [group]
    if group.get("group_type") == "aggregate":
        by_id = {g["id"]: g for g in groups.values()}
        weights = layout.members.get(group["id"], {}) if layout is not None else {}
        # A member linked with weight 0 is not loaded: no request reaches it.
        members = [by_id[m] for m, weight in sorted(weights.items()) if m in by_id and weight > 0]
    found: list[Candidate] = []
    for member in members:
        rules = member.get("model_redirect_rules") or {}
        # Strict accepts only rule keys; with no rules at all GPT-Load skips redirection and blocks nothing.
        strict = bool(member.get("model_redirect_strict")) and bool(rules)
        models = []
        for upstream, client in items:
            original = rules.get(upstream) or (None if strict else upstream)
            if original is not None:
                models.append(ModelCandidate(original, None if client == original else client))
        found.append(Candidate(group_source(member["name"]), member["name"], "", "", frozenset(), models))
    return found


def merge_routed(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Fold model-only candidates (from ``route_through``) into copies of the real candidates of the same group.

    The inputs are left as they are (a preview's read is proposed again at apply); routed names follow the
    group's own, in a canonical order, so the entries' order in api.yaml changes nothing.
    """
    candidates = list(candidates)
    routed: dict[Phrase, list[ModelCandidate]] = {}
    for c in candidates:
        if not c.base_url:
            routed.setdefault(c.source, []).extend(c.models)
    real = []
    for c in candidates:
        if c.base_url:
            extra = sorted(routed.get(whole_group(c.source), []), key=lambda m: (m.original, m.client or ""))
            real.append(replace(c, models=list(dict.fromkeys([*c.models, *extra]))))
    return real


def _model_items(value: Any) -> list[tuple[str, str]]:
    """``(what uni-api sends upstream, what clients call it)`` for each item of an entry's ``model`` list."""
    items: list[tuple[str, str]] = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, str) and item.strip():
            items.append((item.strip(), item.strip()))
        elif isinstance(item, dict) and len(item) == 1:
            ((upstream, client),) = item.items()
            if isinstance(upstream, str) and isinstance(client, str) and upstream.strip() and client.strip():
                items.append((upstream.strip(), client.strip()))
    return items


def _entry_channel(entry: dict[str, Any]) -> str | Phrase:
    """The channel type of a direct entry, from its ``engine`` or its URL, or why there is none."""
    base_url = entry.get("base_url")
    if not isinstance(base_url, str) or urlsplit(base_url).scheme not in ("http", "https"):
        return Phrase("no_base_url")
    engine = entry.get("engine")
    if engine is not None:
        channel = ENGINE_CHANNELS.get(engine) if isinstance(engine, str) else None
        if channel:
            return channel
        if not isinstance(engine, str):
            return Phrase("engine_of_odd_shape")
        return Phrase("unknown_engine", {"engine": repr(engine[:100])})
    # As uni-api infers it: Gemini's OpenAI-compatible /v1beta/openai is gpt; api.anthropic.com is claude.
    url = urlsplit(base_url)
    host, path = url.hostname or "", url.path.rstrip("/")
    if ("/v1beta" in path or host == GEMINI_HOST) and "/v1beta/openai" not in path:
        return "gemini"
    foreign = next((engine for part, engine in FOREIGN_HOSTS.items() if part in host), None)
    if foreign:
        return Phrase("foreign_engine", {"engine": repr(foreign)})
    if host == "api.anthropic.com" or path.endswith("/messages"):
        return "anthropic"
    return "openai"


def _entry_base_url(channel_type: str, base_url: str) -> str:
    """A direct entry's base_url (uni-api's full chat URL) without the dialect's chat suffix."""
    url = base_url.rstrip("/")
    suffix = CHANNELS[channel_type].uniapi_chat_suffix
    return url[: -len(suffix)] if suffix and url.endswith(suffix) else url


def _entry_keys(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]
