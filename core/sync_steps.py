"""Where a sync run is, or where it stopped: its steps, each a code with its stage and target, and the words the
records keep.

A run plans, then for each stage with changes records a checkpoint ("stage members"), waits where it must
(GPT-Load loading new groups, uni-api loading api.yaml) and applies changes ("add_keys g1"). Progress, the
record's ``failed_step`` and REST name a step by its ``text``, in English; a page reads the ``Step`` (``code``,
``stage``, ``kind``, ``target``) and says it in its own words, never taking the text apart. A record keeps only
the text: ``recorded_step`` finds the step again among the ones that run could name, by the whole text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from core.changes import STAGES, Change, step_name

PLAN, STAGE, CHANGE = "plan", "stage", "change"
WAITING_GPTLOAD, WAITING_UNIAPI = "waiting_gptload", "waiting_uniapi"


@dataclass(frozen=True)
class Step:
    code: str  # PLAN, STAGE, CHANGE, WAITING_GPTLOAD or WAITING_UNIAPI
    text: str  # as progress, the records and REST name it
    stage: str | None = None  # the stage it belongs to (core.changes.STAGES); none for the plan
    kind: str | None = None  # a change's kind
    target: str | None = None  # a change's target


PLANNING = Step(PLAN, "plan")
# The waits of the api.yaml stage: first for GPT-Load to serve the new groups, later for uni-api to route by the file.
WAITING_FOR_GPTLOAD = Step(WAITING_GPTLOAD, "waiting for GPT-Load to load new groups", stage="uniapi")
WAITING_FOR_UNIAPI = Step(WAITING_UNIAPI, "waiting for uni-api to load api.yaml", stage="uniapi")


def stage_step(stage: str) -> Step:
    """The checkpoint at a stage's start."""
    return Step(STAGE, f"stage {stage}", stage=stage)


def change_step(change: Change) -> Step:
    return Step(CHANGE, change.step, stage=change.stage, kind=change.kind, target=change.target)


FIXED = {step.text: step for step in (PLANNING, WAITING_FOR_GPTLOAD, WAITING_FOR_UNIAPI, *map(stage_step, STAGES))}


def recorded_step(text: str | None, changes: Iterable[Mapping[str, Any]] = ()) -> Step | None:
    """The step a record names (its ``failed_step``): one of every run's, or a change of its plan (``changes``:
    ``Change.public()`` dicts). None for no step, or a text no step of this run has (a record of an older version)."""
    if not text:
        return None
    if text in FIXED:
        return FIXED[text]
    for change in changes:
        if step_name(change["kind"], change["target"]) == text:
            stage, kind, target = change["stage"], change["kind"], change["target"]
            return Step(CHANGE, text, stage=stage, kind=kind, target=target)
    return None
