"""The typed changes of a sync plan (octoDNS's Create / Update / Delete, for GPT-Load groups and api.yaml).

Each change knows its kind, the stage it runs in and how to carry itself out through an apply context
(``core.sync_apply.ApplyContext``: the GPT-Load client, names -> ids, the desired specs, the managed-group
records, the api.yaml writer). Its ``data`` is public and secret-free: it is what the plan preview, the
REST plan and the checksum see; ``payload`` carries what only applying needs (plaintext keys) and is
never serialized. This module does no I/O of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from core.errors import LpmError
    from core.sync_apply import ApplyContext

# The order stages run in (issue 12 §5, two phases): first GPT-Load serves the old and the new layout side by
# side, then api.yaml points at the new one, and once uni-api has loaded it, what only the old one used goes.
STAGES = ("standard", "keys", "aggregates", "members", "uniapi", "removals")
# Changes of a stage run in parallel up to GPTLOAD_CONCURRENCY, these up to their own limit. Measured on the real
# GPT-Load v1.4.9 on SQLite with live traffic (docs/benchmarks.md): deleting 174 groups collided (500
# DATABASE_ERROR, rolled back, retried) 0 times one at a time, 1-5 times at 2, 14-16 at 4, 33-35 at 8; creates and
# key additions never did. Deletes cascade over keys and links and membership writes lock the same tables, so
# both go one at a time: nothing collides, and after uni-api's reload speed no longer decides a request's fate.
STAGE_LIMITS = {"members": 1, "removals": 1}


@dataclass(frozen=True)
class Change:
    kind: ClassVar[str] = ""
    target: str
    stage: str
    data: dict[str, Any] = field(default_factory=dict, hash=False)
    # What apply needs but nobody may see (plaintext keys); never serialized, never in the checksum.
    payload: Any = field(default=None, hash=False, compare=False, repr=False)

    def public(self) -> dict[str, Any]:
        return {"kind": self.kind, "stage": self.stage, "target": self.target, **self.data}

    @property
    def step(self) -> str:
        """How progress and history name this change (``core.sync_steps``)."""
        return step_name(self.kind, self.target)

    async def apply(self, ctx: ApplyContext) -> None:
        raise NotImplementedError

    async def settle(self, ctx: ApplyContext, error: LpmError) -> bool:
        """Whether ``error`` means the change is in effect already (an earlier attempt went through)."""
        return False

    async def before_retry(self, ctx: ApplyContext) -> None:
        """Prepare another attempt; only changes GPT-Load does not take twice need to look first."""


def step_name(kind: str, target: str) -> str:
    """A change as a run's step names it: "add_keys g1"."""
    return f"{kind} {target}"


def group_stage(group_type: str) -> str:
    return "standard" if group_type == "standard" else "aggregates"


@dataclass(frozen=True)
class CreateGroup(Change):
    kind: ClassVar[str] = "create_group"

    async def apply(self, ctx: ApplyContext) -> None:
        await ctx.create(self.target)

    async def settle(self, ctx: ApplyContext, error: LpmError) -> bool:
        # 409: the name exists. Ours (an attempt whose answer got lost): done, once its fields are ours too.
        return _status(error) == 409 and await ctx.adopt_if_ours(self.target)


@dataclass(frozen=True)
class ReplaceGroup(Change):
    """A group whose channel type or validation endpoint must change: GPT-Load refuses that in place."""

    kind: ClassVar[str] = "replace_group"

    async def apply(self, ctx: ApplyContext) -> None:
        await ctx.delete(self.data["id"], missing_ok=True)
        await ctx.create(self.target)

    async def settle(self, ctx: ApplyContext, error: LpmError) -> bool:
        return _status(error) == 409 and await ctx.adopt_if_ours(self.target)


@dataclass(frozen=True)
class UpdateGroup(Change):
    """Owned fields changed. Redirect names it drops (``keep_redirects``: name -> original) are kept until
    uni-api has loaded the new api.yaml; ``TrimRedirects`` removes them then."""

    kind: ClassVar[str] = "update_group"

    async def apply(self, ctx: ApplyContext) -> None:
        await ctx.update(self.target, list(self.data["fields"]), keep_redirects=self.data.get("keep_redirects"))


@dataclass(frozen=True)
class TrimRedirects(Change):
    """The second phase of a rename: the old names leave the group's redirect rules."""

    kind: ClassVar[str] = "trim_redirects"
    stage: str = "removals"

    async def apply(self, ctx: ApplyContext) -> None:
        await ctx.update(self.target, ["model_redirect_rules"])


@dataclass(frozen=True)
class DeleteGroup(Change):
    kind: ClassVar[str] = "delete_group"

    async def apply(self, ctx: ApplyContext) -> None:
        await ctx.delete(self.data["id"], missing_ok=True)
        await ctx.forget(self.target)


@dataclass(frozen=True)
class AddKeys(Change):
    kind: ClassVar[str] = "add_keys"
    stage: str = "keys"

    async def apply(self, ctx: ApplyContext) -> None:
        await ctx.gptload.add_keys(ctx.ids[self.target], self.payload)


@dataclass(frozen=True)
class RemoveKeys(Change):
    kind: ClassVar[str] = "remove_keys"
    stage: str = "keys"

    async def apply(self, ctx: ApplyContext) -> None:
        await ctx.gptload.delete_keys(ctx.ids[self.target], self.payload)


@dataclass(frozen=True)
class AddMembers(Change):
    kind: ClassVar[str] = "add_members"
    stage: str = "members"

    async def apply(self, ctx: ApplyContext) -> None:
        present = ctx.present_members.get(self.target, set())
        members = {ctx.ids[name]: weight for name, weight in self.data["members"].items()}
        missing = {gid: weight for gid, weight in members.items() if gid not in present}
        if missing:
            await ctx.gptload.add_sub_groups(ctx.ids[self.target], missing)

    async def before_retry(self, ctx: ApplyContext) -> None:
        # Not idempotent in GPT-Load: one member already there refuses the whole request. Look first.
        ctx.present_members[self.target] = set(await ctx.gptload.list_sub_groups(ctx.ids[self.target]))


@dataclass(frozen=True)
class SetWeight(Change):
    kind: ClassVar[str] = "set_weight"
    stage: str = "members"

    async def apply(self, ctx: ApplyContext) -> None:
        member = ctx.ids[self.data["member"]]
        await ctx.gptload.set_sub_group_weight(ctx.ids[self.target], member, self.data["after"])


@dataclass(frozen=True)
class RemoveMember(Change):
    """Runs with the removals: until uni-api has loaded the new api.yaml, the old member still serves."""

    kind: ClassVar[str] = "remove_member"
    stage: str = "removals"

    async def apply(self, ctx: ApplyContext) -> None:
        await ctx.gptload.remove_sub_group(ctx.ids[self.target], ctx.ids[self.data["member"]])

    async def settle(self, ctx: ApplyContext, error: LpmError) -> bool:
        return _status(error) == 404  # gone already


@dataclass(frozen=True)
class WriteUniapi(Change):
    kind: ClassVar[str] = "write_uniapi"
    stage: str = "uniapi"

    async def apply(self, ctx: ApplyContext) -> None:
        await ctx.write_uniapi()


def _status(error: LpmError) -> int | None:
    return getattr(error, "status", None)


def sort_changes(changes: list[Change]) -> list[Change]:
    # (stage, kind, target, member) identifies a change: only membership changes repeat a target within a kind.
    return sorted(changes, key=lambda c: (STAGES.index(c.stage), c.kind, c.target, str(c.data.get("member", ""))))
