"""Import use-cases (issue 13): preview what an existing setup or a backup holds, then apply it, all or nothing.

A preview reads the sources once and keeps what it read under a checksum; apply takes that checksum, so what
is stored is exactly what was reviewed. Apply refuses (409) when the registry, GPT-Load's groups or the
api.yaml file changed since. Everything is written in one database transaction; adopted api.yaml entries
are marked inside it, so a failed write leaves nothing behind. Adopted GPT-Load groups are recorded as the
manager's; the next sync adds the marker and restructures them, as ordinary changes of its plan.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
import logging
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core import backup
from core.crypto import key_fingerprint, mask
from core.errors import InvalidInput, StalePlan, SyncInProgress
from core.import_proposal import Proposal, Registered, adoptable_now, check_choices, propose
from core.import_shapes import (
    ImportApplyRequest,
    ImportConflict,
    ImportedModel,
    ImportedProvider,
    ImportEntry,
    ImportGroup,
    ImportPreview,
    ImportPreviewRequest,
    ImportResult,
    UniapiSource,
)
from core.import_sources import GptLoadLayout, ModelCandidate, SourceRead, from_gptload, read_gptload
from core.import_store import store
from core.import_uniapi import from_uniapi
from core.models import ManagedGroup, Model, Provider
from core.phrases import Phrase, refusal
from core.uniapi import config_file, yamlio

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger(__name__)
KEPT_PREVIEWS = 4  # previews an apply may still name (one operator, a few tabs)


@dataclass
class PendingImport:
    read: SourceRead
    registry: str  # digest of the registry the preview compared with
    groups: str | None  # digest of GPT-Load's group list, when GPT-Load was a source
    file: str | None  # digest of the configured api.yaml, when it was the source
    warnings: list[Phrase]


class ImportMemo:
    """The newest previews by checksum; the source data (keys included) never leaves the process."""

    def __init__(self) -> None:
        self._pending: OrderedDict[str, PendingImport] = OrderedDict()

    def keep(self, checksum: str, pending: PendingImport) -> None:
        self._pending[checksum] = pending
        self._pending.move_to_end(checksum)
        while len(self._pending) > KEPT_PREVIEWS:
            self._pending.popitem(last=False)

    def take(self, checksum: str) -> PendingImport | None:
        return self._pending.get(checksum)

    def forget(self, checksum: str) -> None:
        self._pending.pop(checksum, None)


async def preview(services: Services, request: ImportPreviewRequest) -> ImportPreview:
    """Read the chosen sources and propose; nothing is stored but the preview itself (in memory)."""
    if request.checksum is not None:
        return await _choose(services, request)
    if not (request.gptload or request.uniapi or request.bundle is not None):
        raise refusal(InvalidInput, Phrase("no_source"), code="no_import_source")
    owned = set(await ManagedGroup.exclude(gptload_id=None).values_list("gptload_id", flat=True))
    read, layout, by_name = SourceRead(), None, None
    if request.gptload:
        layout = await read_gptload(services.gptload, owned)
        read, by_name = from_gptload(layout, owned)
    file_digest = None
    if request.uniapi is not None:
        text, adoptable = _uniapi_text(services, request.uniapi)
        file_digest = _digest(text) if adoptable else None
        try:
            data = yamlio.parse(text)
        except yamlio.YamlProblem as problem:
            unreadable = Phrase("yaml_unreadable", {"problem": str(problem)})
            raise refusal(InvalidInput, unreadable, code="invalid_api_yaml") from None
        _add(read, from_uniapi(data, by_name, layout, adoptable=adoptable))
    if request.bundle is not None:
        bundle = _bundle_bytes(request.bundle)
        # scrypt takes a tenth of a second of CPU: off the event loop.
        _add(read, await asyncio.to_thread(backup.read_bundle, bundle, request.passphrase or ""))
    warnings = await _fetch_models(services, read) if request.fetch_models else []
    registered = await registered_providers(services)
    pending = PendingImport(read, _registry_digest(registered), _groups_digest(layout), file_digest, warnings)
    checksum = _checksum(pending)
    services.imports.keep(checksum, pending)
    proposal = propose(read, registered, request.resolutions, request.skip_providers)
    check_choices(proposal, request.resolutions, [], request.skip_providers)
    return _public(checksum, proposal, request.resolutions, warnings)


async def _choose(services: Services, request: ImportPreviewRequest) -> ImportPreview:
    """An earlier preview's read, proposed again with other choices; refused when the registry moved meanwhile."""
    if request.gptload or request.uniapi or request.bundle is not None:
        raise refusal(InvalidInput, Phrase("sources_and_checksum"), code="invalid_import_source")
    pending = services.imports.take(request.checksum or "")
    if pending is None:
        raise refusal(StalePlan, Phrase("no_preview"), code="stale_import")
    registered = await registered_providers(services)
    if _registry_digest(registered) != pending.registry:
        raise refusal(StalePlan, Phrase("registry_changed"), code="stale_import")
    proposal = propose(pending.read, registered, request.resolutions, request.skip_providers)
    check_choices(proposal, request.resolutions, [], request.skip_providers)
    return _public(request.checksum or "", proposal, request.resolutions, pending.warnings)


async def apply(services: Services, request: ImportApplyRequest) -> ImportResult:
    """Store what the preview under ``checksum`` proposed, with these choices; all or nothing."""
    pending = services.imports.take(request.checksum)
    if pending is None:
        raise refusal(StalePlan, Phrase("no_preview"), code="stale_import")
    if services.sync.progress.running:
        raise refusal(SyncInProgress, Phrase("sync_running"))
    async with services.registry_lock:
        registered = await registered_providers(services)
        await _refuse_stale(services, pending, registered)
        proposal = propose(pending.read, registered, request.resolutions, request.skip_providers)
        check_choices(proposal, request.resolutions, request.adopt, request.skip_providers)
        result = await store(services, proposal, pending.read.manager_secrets, request.adopt)
    services.imports.forget(request.checksum)
    log.info("import: applied %s", result.model_dump())  # counts only
    await services.secrets.refresh()
    return result


async def registered_providers(services: Services) -> list[Registered]:
    models: dict[int, dict[str, str | None]] = {}
    for pid, original, normalized in await Model.all().values_list("provider_id", "original_name", "normalized_name"):
        models.setdefault(pid, {})[original] = normalized
    return [
        Registered(
            p.id,
            p.name,
            p.base_url,
            p.channel_type,
            frozenset(services.box.decrypt_list(p.api_keys_token)),
            models.get(p.id, {}),
        )
        for p in await Provider.all().order_by("id")
    ]


def _uniapi_text(services: Services, source: UniapiSource) -> tuple[str, bool]:
    """The api.yaml to read, and whether it is the configured file (whose entries apply can mark)."""
    if (source.path is None) == (source.text is None):
        shapes = {"path": '{"path": ...}', "text": '{"text": ...}'}
        raise refusal(InvalidInput, Phrase("path_or_text", shapes), code="invalid_import_source")
    if source.text is not None:
        return source.text, False
    configured = services.settings.uniapi_config_path
    # Reading any path the caller names would let a request read any file; only the configured one is read.
    if Path(source.path).expanduser().resolve() != configured.resolve():
        only = Phrase("only_configured_file", {"path": str(configured)})
        raise refusal(InvalidInput, only, code="invalid_import_source")
    text = config_file.read_config(configured)
    if text is None:
        raise refusal(InvalidInput, Phrase("no_file", {"path": str(configured)}), code="invalid_import_source")
    return text, True


def _bundle_bytes(bundle: str) -> bytes:
    try:
        return base64.b64decode(bundle, validate=True)
    except (binascii.Error, ValueError):
        raise refusal(InvalidInput, Phrase("not_base64"), code="backup_invalid") from None


def _add(read: SourceRead, more: SourceRead) -> None:
    read.candidates += more.candidates
    read.groups += more.groups
    read.entries += more.entries
    read.unmappable += more.unmappable
    read.manager_secrets |= more.manager_secrets


async def _fetch_models(services: Services, read: SourceRead) -> list[Phrase]:
    """Add what each candidate's upstream lists (first key) to its models; a failure is a warning, not an error."""
    warnings: list[Phrase] = []

    async def one(candidate) -> None:
        try:
            listing = await services.upstream.list_models(
                candidate.channel_type, candidate.base_url, sorted(candidate.keys)[0]
            )
        except Exception as exc:
            detail = str(getattr(exc, "detail", type(exc).__name__))  # the provider's own words
            warnings.append(Phrase("models_not_fetched", {"source": candidate.source, "detail": detail}))
            return
        have = {m.original for m in candidate.models}
        candidate.models += [ModelCandidate(name) for name in listing.names if name not in have]

    await services.fan_out([c for c in read.candidates if c.base_url and c.keys], one)
    return sorted(warnings, key=str)


async def _refuse_stale(services: Services, pending: PendingImport, registered: list[Registered]) -> None:
    if _registry_digest(registered) != pending.registry:
        raise refusal(StalePlan, Phrase("registry_changed"), code="stale_import")
    if pending.groups is not None:
        groups = await services.gptload.list_groups()
        if _groups_digest(GptLoadLayout(groups, {}, {})) != pending.groups:
            raise refusal(StalePlan, Phrase("groups_changed"), code="stale_import")
    if pending.file is not None:
        text = config_file.read_config(services.settings.uniapi_config_path) or ""
        if _digest(text) != pending.file:
            raise refusal(StalePlan, Phrase("file_changed"), code="stale_import")


def _public(checksum: str, proposal: Proposal, choices: dict[str, str], warnings: list[Phrase]) -> ImportPreview:
    providers = [
        ImportedProvider(
            name=p.name,
            base_url=p.base_url,
            channel_type=p.channel_type,
            keys=[mask(k) for k in sorted(p.keys)],
            models=[ImportedModel(original_name=m.original, normalized_name=m.client) for m in p.models],
            sources=[str(s) for s in p.sources],
            source_phrases=p.sources,
            merge_into=p.existing_id,
        )
        for p in proposal.providers
    ]
    conflicts = [
        ImportConflict(id=c.id, kind=c.kind, detail=str(c.detail), detail_phrase=c.detail, options=c.options,
                       choice=choices.get(c.id, c.options[0]))
        for c in proposal.conflicts
    ]  # fmt: skip
    groups = [
        ImportGroup(
            name=g.name,
            kind=g.kind,
            managed=g.managed,
            proposal=str(g.proposal),
            proposal_phrase=g.proposal,
            adoptable=adoptable_now(proposal, g),
            members=g.members,
        )
        for g in proposal.groups
    ]
    entries = [
        ImportEntry(
            provider=e.name,
            managed=e.managed,
            proposal=str(e.proposal),
            proposal_phrase=e.proposal,
            adoptable=adoptable_now(proposal, e),
            target=e.target,
        )
        for e in proposal.entries
    ]
    return ImportPreview(
        checksum=checksum, providers=providers, conflicts=conflicts, groups=groups, entries=entries,
        warnings=[str(w) for w in warnings], warning_phrases=warnings,
    )  # fmt: skip


def _checksum(pending: PendingImport) -> str:
    """What was read (keys as fingerprints) and what it was compared with. Built by hand: ``asdict`` would copy
    every candidate and key first (a tenth of a second at 3,000 groups)."""
    read = pending.read
    candidates = [
        (c.source, c.name, c.base_url, c.channel_type, sorted(map(key_fingerprint, c.keys)), c.test_model,
         [(m.original, m.client, m.is_active, m.is_manual) for m in c.models])
        for c in read.candidates
    ]  # fmt: skip
    findings = [vars(f) for f in (*read.groups, *read.entries)]
    unmappable = [(u.source, u.reason) for u in read.unmappable]
    secrets = sorted((k, key_fingerprint(v)) for k, v in read.manager_secrets.items())
    body = [candidates, findings, unmappable, secrets, pending.registry, pending.groups, pending.file, pending.warnings]
    return _digest(json.dumps(body, sort_keys=True, default=str))


def _registry_digest(registered: list[Registered]) -> str:
    rows = [
        (
            r.id,
            r.name,
            r.base_url,
            r.channel_type,
            sorted(key_fingerprint(k) for k in r.keys),
            sorted((o, n or "") for o, n in r.models.items()),
        )
        for r in registered
    ]
    return _digest(json.dumps(rows))


# Stamped by GPT-Load's key-validation cron every few minutes (core.actual): not an edit of the group.
_CRON_FIELDS = ("updated_at", "last_validated_at")


def _groups_digest(layout: GptLoadLayout | None) -> str | None:
    if layout is None:
        return None
    groups = [{k: v for k, v in g.items() if k not in _CRON_FIELDS} for g in layout.groups]
    return _digest(json.dumps(groups, sort_keys=True, default=str))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
