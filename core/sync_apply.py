"""What the changes of one run apply through (GPT-Load, the managed-group records, api.yaml), with retries."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core import uniapi
from core.clients.gptload import GptLoadClient
from core.clients.uniapi import UniapiClient
from core.errors import LpmError, UpstreamAuthError, UpstreamError
from core.models import ManagedGroup
from core.naming import carries_marker
from core.phrases import Phrase
from core.plan import GroupSpec
from core.retry import RetryBudget, is_transient
from core.settings import Settings

if TYPE_CHECKING:
    from core.changes import Change
    from core.sync import PlanBundle

log = logging.getLogger(__name__)


class ApplyContext:
    """What the changes of one run share: the client, names -> GPT-Load ids, the desired specs."""

    def __init__(self, gptload: GptLoadClient, bundle: PlanBundle, settings: Settings) -> None:
        self.gptload = gptload
        self.settings = settings
        self.ids = {g.name: g.id for g in bundle.actual}
        self.specs = {s.name: s for s in bundle.desired.specs}
        self.routes = {e.provider for e in bundle.desired.entries}
        self.proxy_key = bundle.desired.proxy_key
        self.uniapi_text = bundle.uniapi_text
        self.uniapi_spliced = bundle.uniapi_spliced
        self.entries = {e.provider: (e.base_url, e.models) for e in bundle.desired.entries}
        self.client_key = bundle.desired.client_key
        self.touched: set[str] = set()
        # Groups as GPT-Load answered this run's creates and updates: their new updated_at (core.actual).
        self.answers: dict[str, dict[str, Any]] = {}
        # Members an aggregate already holds, read before a retry of add_members (not idempotent in GPT-Load).
        self.present_members: dict[str, set[int]] = {}

    async def create(self, name: str) -> None:
        spec = self.specs[name]
        body = {"name": spec.name, "group_type": spec.group_type, "channel_type": spec.channel_type, **spec.fields}
        created = await self.gptload.create_group(body)
        self.ids[name] = created["id"]
        self.answers[name] = created
        self.touched.add(name)
        await _remember(spec, created["id"])

    async def update(self, name: str, field_names: list[str], *, keep_redirects: dict[str, str] | None = None) -> None:
        """Send only the owned fields the plan found different (GPT-Load updates partially).

        ``keep_redirects``: old names the group goes on serving (first phase of a rename) besides its rules.
        """
        spec = self.specs[name]
        body = {field: spec.fields[field] for field in field_names}
        if keep_redirects and "model_redirect_rules" in body:
            body["model_redirect_rules"] = {**keep_redirects, **body["model_redirect_rules"]}
        self.answers[name] = await self.gptload.update_group(self.ids[name], body)
        self.touched.add(name)
        await _remember(spec, self.ids[name])

    async def delete(self, group_id: int, *, missing_ok: bool) -> None:
        try:
            await self.gptload.delete_group(group_id)
        except UpstreamError as exc:
            if not (missing_ok and exc.status == 404):  # gone already: an earlier attempt went through
                raise

    async def adopt_if_ours(self, name: str) -> bool:
        """A create refused with 409: when the group carries our marker, take it and give it our fields."""
        group = next((g for g in await self.gptload.list_groups() if g["name"] == name), None)
        if group is None or not carries_marker(group.get("description")):
            return False
        spec = self.specs[name]
        self.ids[name] = group["id"]
        self.answers[name] = await self.gptload.update_group(group["id"], dict(spec.fields))
        self.touched.add(name)
        await _remember(spec, group["id"])
        return True

    async def forget(self, name: str) -> None:
        """A deleted group is no longer the manager's."""
        self.ids.pop(name, None)
        await ManagedGroup.filter(name=name).delete()

    async def write_uniapi(self) -> None:
        mode = self.settings.uniapi_write_mode
        in_place = None if mode == "auto" else mode == "in-place"
        path = self.settings.uniapi_config_path
        group = self.settings.uniapi_config_group or None  # UNIAPI_CONFIG_GROUP: uni-api's group may read it
        validated = self.uniapi_spliced  # a splice of the settled file needs no second parse to be known valid
        await asyncio.to_thread(
            uniapi.write_config, path, self.uniapi_text, in_place=in_place, group=group, validated=validated
        )

    async def wait_until_uniapi_loaded(self, client: UniapiClient | None) -> Phrase:
        """Before the removals: uni-api must route by the new api.yaml, or requests meet deleted groups.

        Observed through ``GET /v1/api_config`` when UNIAPI_URL is set, else a grace period (uni-api
        re-reads about every 2 s). Returns how the wait ended, for the run's record.
        """
        grace = self.settings.uniapi_reload_wait
        if client is None:
            # The file may have been written by an earlier run that stopped before its removals: count from then.
            left = grace - _age(self.settings.uniapi_config_path)
            if left <= 0:
                return Phrase("uniapi_read_long_ago")
            await asyncio.sleep(left)
            return Phrase("uniapi_waited_unwatched", {"seconds": f"{left:.1f}"})
        deadline = time.monotonic() + grace
        delay, last = 0.1, "no answer yet"
        while True:
            try:
                if _serves(await client.served_entries(self.client_key), self.entries):
                    return Phrase("uniapi_serves_new")
            except UpstreamAuthError:
                log.warning("sync: uni-api refused the admin key; waiting %g s instead of watching it load", grace)
                await asyncio.sleep(grace)
                return Phrase("uniapi_waited_key_refused", {"seconds": f"{grace:g}"})
            except LpmError as exc:
                last = exc.detail
            else:
                last = "it still serves the previous configuration"
            if time.monotonic() + delay > deadline:
                raise UpstreamError(
                    f"uni-api at {client.display_url} has not loaded the new api.yaml within {grace:g} s ({last}); "
                    "nothing was removed "
                    "from GPT-Load yet. Check uni-api's log for a rejected config, then retry the sync.",
                    code="uniapi_not_loaded",
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

    async def remember_identities(self) -> None:
        """Record what every managed group serves, untouched ones too, so each keeps its name in later plans."""
        rows = await ManagedGroup.filter(group_type__in=("standard", "aggregate")).values_list("id", "name", "identity")
        stale = {id_: self.specs[name].identity for id_, name, identity in rows
                 if name in self.specs and identity != self.specs[name].identity}  # fmt: skip
        # Only the stale rows become objects: at 12,000 groups a no-op sync has none to load.
        changed = await ManagedGroup.filter(id__in=list(stale))
        for row in changed:
            row.identity = stale[row.id]
        if changed:
            await ManagedGroup.bulk_update(changed, fields=["identity"], batch_size=500)

    async def wait_until_visible(self) -> None:
        """GPT-Load's proxy loads writes asynchronously; uni-api must not meet a group it cannot see yet."""
        pending = sorted(self.touched & self.routes)
        deadline = time.monotonic() + self.settings.gptload_cache_wait
        delay = 0.05
        while pending:
            seen = await asyncio.gather(*(self.gptload.group_visible(n, self.proxy_key) for n in pending))
            pending = [name for name, ok in zip(pending, seen, strict=True) if not ok]
            if not pending:
                return
            if time.monotonic() + delay > deadline:
                raise UpstreamError(
                    f"GPT-Load has not loaded {len(pending)} new group(s) after {self.settings.gptload_cache_wait:g} s "
                    f"({', '.join(pending[:5])}); api.yaml was not written. Retry the sync.",
                    code="gptload_not_ready",
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)


def _serves(
    served: dict[str, tuple[str, tuple[str, ...]]], wanted: dict[str, tuple[str, tuple[str, ...] | None]]
) -> bool:
    """Whether uni-api serves the manager's entries as written: same names and URLs, and the same model lists
    where api.yaml lists them (where it says `model: []`, uni-api shows what it discovered instead)."""
    if served.keys() != wanted.keys():
        return False
    return all(
        served[name][0] == url and (not models or list(served[name][1]) == list(models))
        for name, (url, models) in wanted.items()
    )


def _age(path: Path) -> float:
    """Seconds since ``path`` was last written (infinite when it does not exist: nothing to wait for)."""
    try:
        return max(0.0, time.time() - path.stat().st_mtime)
    except OSError:
        return float("inf")


async def _remember(spec: GroupSpec, gptload_id: int) -> None:
    public = {k: v for k, v in spec.fields.items() if k != "proxy_keys"}
    defaults = {"gptload_id": gptload_id, "group_type": spec.group_type, "spec": public, "identity": spec.identity}
    await ManagedGroup.update_or_create(name=spec.name, defaults=defaults)


async def apply_with_retries(change: Change, ctx: ApplyContext, budget: RetryBudget) -> tuple[int, LpmError | None]:
    """Apply one change, again after transient failures while the run's budget lasts; (attempts, final error)."""
    attempt = 0
    while True:
        attempt += 1
        try:
            if attempt > 1:
                await change.before_retry(ctx)
            await change.apply(ctx)
            return attempt, None
        except LpmError as exc:
            if await _settled(change, ctx, exc):
                return attempt, None
            if not is_transient(exc) or not await budget.wait(attempt):
                more = f" (after {attempt} attempts)" if attempt > 1 else ""
                return attempt, exc.reworded(f"{exc.detail}{more}")
            log.info("sync: %s failed transiently (%s), attempt %d", change.step, exc.code, attempt)


async def _settled(change: Change, ctx: ApplyContext, error: LpmError) -> bool:
    try:
        return await change.settle(ctx, error)
    except LpmError:  # looking did not work either: the original error stands
        return False
