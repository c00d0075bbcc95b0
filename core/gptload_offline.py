"""What a plan reads when GPT-Load cannot be asked (issue 14 §6): an empty GPT-Load, as a preview only.

A newcomer should see what a first sync would create before GPT-Load runs. So when GPT-Load is *not
connected*, the plan is computed against a GPT-Load that holds no group: every group is a create, and the
api.yaml change is the file it would write. Not connected means one of two things:

- **not configured**: ``GPTLOAD_AUTH_KEY`` is empty (GPT-Load always wants its admin key), so nothing is asked;
- **unreachable**: the admin API gave no answer at all (``UpstreamUnreachable``: refused, DNS, TLS, timeout).

Any other failure stays an error of the plan: something answered (a 401 for a key that is set, a 503 from a
proxy, a body of the wrong shape), and the operator has to fix that; a preview would hide it.

Such a plan is never applied: its checksum differs from that of any plan read from GPT-Load
(``core.plan.Plan.checksum``), and ``refuse_preview`` stops every apply of it with ``gptload_unreachable``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.actual import read_actual
from core.clients.gptload import GptLoadClient
from core.errors import GptLoadUnavailable, UpstreamUnreachable
from core.phrases import Phrase
from core.plan import ActualGroup, Drift, GroupSpec, Plan
from core.settings import Settings

CONNECT = Phrase("connect_gptload")  # how to connect GPT-Load: the header and the preview say it
CONNECT_HINT = str(CONNECT)  # in English, as REST (GptLoadStatus.hint) and the refusal say it


@dataclass
class GptLoadReading:
    """What the plan compares with: GPT-Load's groups, or none with ``unreachable`` saying why."""

    actual: list[ActualGroup] = field(default_factory=list)
    drift: list[Drift] = field(default_factory=list)
    unreachable: str | None = None  # why GPT-Load was not read
    unconfigured: Phrase | None = None  # the same, when it is core's own reason: GPT-Load is not configured

    @property
    def reachable(self) -> bool:
        return self.unreachable is None


def not_configured(settings: Settings) -> Phrase | None:
    """Why GPT-Load cannot be asked at all (no admin key), or None."""
    if settings.gptload_auth_key:
        return None
    return Phrase("gptload_not_configured", {"url": settings.gptload_display_url})


async def read_or_empty(
    gptload: GptLoadClient, settings: Settings, specs: list[GroupSpec], *, verify: bool
) -> GptLoadReading:
    """GPT-Load's groups as ``core.actual`` reads them; an empty GPT-Load when it is not connected."""
    unconfigured = not_configured(settings)
    if unconfigured is not None:
        return GptLoadReading(unreachable=str(unconfigured), unconfigured=unconfigured)
    try:
        actual, drift = await read_actual(gptload, specs, verify=verify)
    except UpstreamUnreachable as exc:
        return GptLoadReading(unreachable=exc.detail)
    return GptLoadReading(actual, drift)


def refuse_preview(plan: Plan) -> None:
    """A plan made without GPT-Load shows what a sync would do; it is never applied."""
    if not plan.gptload_reachable:
        why = plan.gptload_error or "GPT-Load is not connected."
        raise GptLoadUnavailable(f"Nothing was applied: this plan is only a preview. {why} {CONNECT_HINT}")
