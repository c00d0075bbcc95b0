"""From what the sources hold to proposed providers, conflicts with their options, and a resolved outcome (pure).

Candidates that describe the same upstream (channel type and GPT-Load upstream, as the topology computes it)
are one provider when they hold the same keys. Each question the operator must answer is a ``Conflict`` with a
stable id and explicit options; the first option is what happens when none is chosen:

- ``provider_exists``: the upstream is already registered: merge keys and models into it / keep mine / skip.
- ``keys_differ``: sources name the same upstream with different key sets: separate providers / merge.
- ``two_names``: clients reach one original name under several names; the registry holds one: pick it.
- ``name_clash``: several originals of one provider answer to one name: split (the sync puts them behind an
  aggregate) / keep one of them under that name (the others take their own names; offered only where that
  ends the clash: a registered model is never renamed, and no own name may be one another model answers to).
- ``unmappable``: a group or entry the import cannot describe, with the reason: skip.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from core.channels import CHANNELS
from core.errors import InvalidChoice
from core.import_sources import Candidate, Finding, ModelCandidate, SourceRead, whole_group
from core.import_uniapi import merge_routed
from core.phrases import Phrase, refusal

MERGE, KEEP_MINE, SKIP, SEPARATE, SPLIT = "merge", "keep_mine", "skip", "separate", "split"
# Which description names a provider when several describe one upstream: GPT-Load's group, then the entry.
SOURCE_RANK = {"source_group": 0, "source_group_upstream": 0, "source_entry": 1, "source_backup": 2}


@dataclass(frozen=True)
class Registered:
    """A provider already in the registry, as the proposal compares with it."""

    id: int
    name: str
    base_url: str
    channel_type: str
    keys: frozenset[str]
    models: dict[str, str | None]  # original -> normalized


@dataclass
class Conflict:
    id: str
    kind: str
    detail: Phrase
    options: list[str]


@dataclass
class ProposedProvider:
    name: str
    base_url: str
    channel_type: str
    keys: frozenset[str]
    models: list[ModelCandidate]
    sources: list[Phrase]
    existing_id: int | None = None  # set when the keys and models are merged into a registered provider
    test_model: str | None = None


@dataclass
class Proposal:
    providers: list[ProposedProvider]
    conflicts: list[Conflict]
    groups: list[Finding]
    entries: list[Finding]
    # Candidate source (its text) -> the provider (proposed or registered) that stands for it; absent: skipped.
    provider_of: dict[str, str] = field(default_factory=dict)
    registered_names: dict[str, int] = field(default_factory=dict)
    skippable: list[str] = field(default_factory=list)  # every proposed new provider, skipped ones included


def upstream_key(channel_type: str, base_url: str) -> str:
    """Where requests go, as GPT-Load would be configured for it: what makes two descriptions one provider."""
    upstream, endpoint, _ = CHANNELS[channel_type].gptload_upstream(base_url)
    parts = urlsplit(upstream)  # host names ignore case; paths do not
    return f"{channel_type} {parts.scheme}://{parts.netloc.lower()}{parts.path} {endpoint}"


def propose(
    read: SourceRead, registered: list[Registered], choices: dict[str, str] | None = None, skip: list[str] = ()
) -> Proposal:
    """The proposal under ``choices`` (conflict id -> option; a missing one takes the first option), without
    the proposed new providers named in ``skip``."""
    choices = choices or {}
    conflicts: dict[str, Conflict] = {}

    def ask(kind: str, subject: str, detail: Phrase, options: list[str]) -> str:
        # 12 hex digits: thousands of conflicts (a large GPT-Load) must not share an id.
        conflict_id = f"{kind}-{hashlib.sha256(subject.encode()).hexdigest()[:12]}"
        conflicts.setdefault(conflict_id, Conflict(conflict_id, kind, detail, options))
        return choices.get(conflict_id, options[0])

    for item in sorted(read.unmappable, key=lambda u: u.source):
        ask("unmappable", item.source, item.reason, [SKIP])
    by_upstream: dict[str, list[Candidate]] = defaultdict(list)
    # In a canonical order, so that which source names a provider never depends on the order of the inputs.
    for candidate in sorted(
        merge_routed(read.candidates), key=lambda c: (SOURCE_RANK.get(c.source.code, 3), str(c.source))
    ):
        by_upstream[upstream_key(candidate.channel_type, candidate.base_url)].append(candidate)
    mine = {upstream_key(r.channel_type, r.base_url): r for r in registered}
    taken = {r.name for r in registered}
    providers: list[ProposedProvider] = []
    stands_for: list[tuple[Phrase, str]] = []  # (source, the provider that stands for it), later ones winning
    skippable: list[str] = []
    for key in sorted(by_upstream):
        candidates = by_upstream[key]
        drafts, kept = _drafts(key, candidates, mine.get(key), ask)
        if kept is not None:
            stands_for += [(c.source, kept) for c in candidates]
        for draft in drafts:
            draft.models = _named_models(key, draft, mine.get(key), ask)
            if draft.test_model not in {m.original for m in draft.models}:
                draft.test_model = None  # the registry takes only one of the provider's own models
            if draft.existing_id is None:
                draft.name = _free_name(draft.name, taken)
                taken.add(draft.name)
                skippable.append(draft.name)
                if draft.name in skip:
                    continue
            stands_for += [(source, draft.name) for source in draft.sources]
            if draft.existing_id is not None or draft.keys:
                providers.append(draft)
    provider_of = {str(source): name for source, name in stands_for}
    for source, name in stands_for:
        provider_of.setdefault(str(whole_group(source)), name)  # "group g (url)" also answers for "group g"
    registered_names = {r.name: r.id for r in registered}
    return Proposal(
        providers, list(conflicts.values()), read.groups, read.entries, provider_of, registered_names, skippable
    )


def _drafts(
    key: str, candidates: list[Candidate], registered: Registered | None, ask
) -> tuple[list[ProposedProvider], str | None]:
    """The providers one upstream's candidates make (merged into mine, kept apart per key set, or one), and
    the registered provider that stands for them when the operator keeps theirs."""
    sources = tuple(c.source for c in candidates)
    if registered is not None:
        new_keys = frozenset().union(*(c.keys for c in candidates)) - registered.keys
        detail = Phrase("provider_exists", {"sources": sources, "name": registered.name, "keys": len(new_keys)})
        choice = ask("provider_exists", key, detail, [MERGE, KEEP_MINE, SKIP])
        if choice != MERGE:
            return [], registered.name if choice == KEEP_MINE else None
        merged = _merge(candidates)
        return [
            replace(merged, name=registered.name, existing_id=registered.id, keys=merged.keys - registered.keys)
        ], None
    by_keys: dict[frozenset[str], list[Candidate]] = defaultdict(list)
    for c in candidates:
        by_keys[c.keys].append(c)
    if len(by_keys) == 1:
        return [_merge(candidates)], None
    detail = Phrase("keys_differ", {"sources": sources, "count": len(by_keys)})
    if ask("keys_differ", key, detail, [SEPARATE, MERGE]) == MERGE:
        return [_merge(candidates)], None
    return [_merge(group) for group in by_keys.values()], None


def _merge(candidates: list[Candidate]) -> ProposedProvider:
    first = candidates[0]
    models: list[ModelCandidate] = []
    for c in candidates:
        models += [m for m in c.models if m not in models]
    return ProposedProvider(
        first.name,
        first.base_url,
        first.channel_type,
        frozenset().union(*(c.keys for c in candidates)),
        models,
        [c.source for c in candidates],
        test_model=next((c.test_model for c in candidates if c.test_model), None),
    )


def _named_models(key: str, draft: ProposedProvider, registered: Registered | None, ask) -> list[ModelCandidate]:
    """One model per original name, each under one client name, the operator's pick where there were several."""
    names: dict[str, list[str]] = defaultdict(list)
    firsts: dict[str, ModelCandidate] = {}
    for m in draft.models:
        firsts.setdefault(m.original, m)
        client = m.client or m.original
        if client not in names[m.original]:
            names[m.original].append(client)
    known = registered.models if registered else {}
    # One upstream may make several providers (keys_differ): the sources tell their questions apart.
    subject = f"{key} {','.join(sorted(map(str, draft.sources)))}"
    chosen: dict[str, str] = {}
    for original, clients in names.items():
        if original in known:
            continue  # a registered model keeps its name: merge never renames what the operator made
        if len(clients) > 1:
            shown = ", ".join(map(repr, clients))
            detail = Phrase("two_names", {"provider": draft.name, "original": repr(original), "names": shown})
            pick = ask("two_names", f"{subject} {original}", detail, [f"name:{c}" for c in clients])
            chosen[original] = pick.removeprefix("name:")
        else:
            chosen[original] = clients[0]
    exposed: dict[str, list[str]] = defaultdict(list)
    for original, normalized in known.items():
        exposed[normalized or original].append(original)
    for original, client in chosen.items():
        exposed[client].append(original)
    for name, originals in sorted(exposed.items()):
        imported = [o for o in originals if o in chosen]
        if len(originals) < 2 or not imported:
            continue
        clashing = ", ".join(map(repr, sorted(originals)))
        detail = Phrase("name_clash", {"provider": draft.name, "originals": clashing, "name": repr(name)})
        # keep:X only where the others can take their own names: imported ones (a registered model is never
        # renamed) whose own name is neither this name nor one another model answers to.
        renamable = {o for o in imported if o != name and o not in exposed}
        keeps = [f"keep:{x}" for x in sorted(originals) if all(o in renamable for o in originals if o != x)]
        pick = ask("name_clash", f"{subject} {name}", detail, [SPLIT, *keeps])
        if pick != SPLIT:
            kept = pick.removeprefix("keep:")
            chosen.update((o, o) for o in imported if o != kept)
    return [replace(firsts[o], client=None if client == o else client) for o, client in chosen.items()]


def _free_name(name: str, taken: set[str]) -> str:
    name = name.strip()[:100] or "imported"
    if name not in taken:
        return name
    n = 2
    while f"{name[:95]}-{n}" in taken:
        n += 1
    return f"{name[:95]}-{n}"


def check_choices(proposal: Proposal, choices: dict[str, str], adopt: list[str], skip: list[str] = ()) -> None:
    """Refuse a choice the preview did not offer, and an adoption that would break what stays the operator's."""
    unknown = sorted(set(skip) - set(proposal.skippable))
    if unknown:
        raise refusal(InvalidChoice, Phrase("no_such_provider", {"name": repr(unknown[0])}))
    offered = {c.id: c.options for c in proposal.conflicts}
    for conflict_id, option in choices.items():
        if conflict_id not in offered:
            raise refusal(InvalidChoice, Phrase("no_such_conflict", {"conflict": repr(conflict_id)}))
        if option not in offered[conflict_id]:
            values = {"conflict": conflict_id, "options": ", ".join(offered[conflict_id]), "option": repr(option)}
            raise refusal(InvalidChoice, Phrase("option_not_offered", values))
    findings: dict[str, list[Finding]] = defaultdict(list)
    for finding in (*proposal.groups, *proposal.entries):
        findings[finding.name].append(finding)
    for name in adopt:
        same = findings.get(name, [])
        if not same:
            raise refusal(InvalidChoice, Phrase("no_such_finding", {"name": repr(name)}))
        if not any(adoptable_now(proposal, f) for f in same):
            raise refusal(InvalidChoice, Phrase("not_adoptable", {"name": repr(name)}))
        # Apply adopts by name: a group and an entry of one name are adopted together, or neither is.
        stuck = next((f for f in same if not f.managed and not adoptable_now(proposal, f)), None)
        if stuck is not None:
            code = "entry_stuck" if stuck.kind == "entry" else "group_stuck"
            raise refusal(InvalidChoice, Phrase(code, {"name": repr(name)}))
    chosen = set(adopt)
    for entry in proposal.entries:
        if entry.target in chosen and entry.name not in chosen:
            values = {"entry": entry.name, "group": entry.target}
            raise refusal(InvalidChoice, Phrase("adopt_entry_too", values))
    for group in proposal.groups:
        if group.kind == "aggregate" and not group.managed and group.name not in chosen:
            taken = sorted(set(group.members) & chosen)
            if taken:
                raise refusal(InvalidChoice, Phrase("adopt_aggregate_too", {"member": taken[0], "group": group.name}))


def adoptable_now(proposal: Proposal, finding: Finding) -> bool:
    """An adoptable group or entry whose providers the outcome keeps (a skipped provider's group stays yours)."""
    if not finding.adoptable:
        return False
    return all(source in proposal.provider_of for source in finding.sources)
