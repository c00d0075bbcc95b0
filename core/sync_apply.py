"""Carrying out one planned change against GPT-Load or api.yaml, and waiting out GPT-Load's cache lag."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from core import uniapi
from core.clients.gptload import GptLoadClient
from core.errors import UpstreamError
from core.models import ManagedGroup
from core.plan import Change, GroupSpec
from core.settings import Settings

if TYPE_CHECKING:
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
        self.touched: set[str] = set()

    async def create(self, spec: GroupSpec) -> None:
        body = {"name": spec.name, "group_type": spec.group_type, "channel_type": spec.channel_type, **spec.fields}
        created = await self.gptload.create_group(body)
        self.ids[spec.name] = created["id"]
        self.touched.add(spec.name)
        await _remember(spec, created["id"])

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


async def execute(change: Change, ctx: ApplyContext) -> None:
    """Carry out one change; raises an ``LpmError`` (from the client or the writer) when it fails."""
    client, target = ctx.gptload, change.target
    kind = change.kind
    if kind == "create_group":
        await ctx.create(ctx.specs[target])
    elif kind == "replace_group":
        await client.delete_group(change.data["id"])
        await ctx.create(ctx.specs[target])
    elif kind == "update_group":
        spec = ctx.specs[target]
        body: dict[str, Any] = {name: spec.fields[name] for name in change.data["fields"]}
        await client.update_group(ctx.ids[target], body)
        ctx.touched.add(target)
        await _remember(spec, ctx.ids[target])
    elif kind == "add_keys":
        await client.add_keys(ctx.ids[target], change.payload)
    elif kind == "remove_keys":
        await client.delete_keys(ctx.ids[target], change.payload)
    elif kind == "add_members":
        members = {ctx.ids[name]: weight for name, weight in change.data["members"].items()}
        await client.add_sub_groups(ctx.ids[target], members)
    elif kind == "set_weight":
        await client.set_sub_group_weight(ctx.ids[target], ctx.ids[change.data["member"]], change.data["after"])
    elif kind == "remove_member":
        await client.remove_sub_group(ctx.ids[target], ctx.ids[change.data["member"]])
    elif kind == "delete_group":
        await client.delete_group(change.data["id"])
        ctx.ids.pop(target, None)
        await ManagedGroup.filter(name=target).delete()
    elif kind == "write_uniapi":
        mode = ctx.settings.uniapi_write_mode
        in_place = None if mode == "auto" else mode == "in-place"
        await asyncio.to_thread(
            uniapi.write_config, ctx.settings.uniapi_config_path, ctx.uniapi_text, in_place=in_place
        )
    else:
        raise AssertionError(f"unknown change kind {kind}")


async def _remember(spec: GroupSpec, gptload_id: int) -> None:
    public = {k: v for k, v in spec.fields.items() if k != "proxy_keys"}
    await ManagedGroup.update_or_create(
        name=spec.name, defaults={"gptload_id": gptload_id, "group_type": spec.group_type, "spec": public}
    )
