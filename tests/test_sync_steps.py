"""A run's steps (core/sync_steps.py): progress, the records and REST keep the words ("stage members", "add_keys g1",
a wait); a page gets the step itself (code, stage, kind, target), found again by the whole recorded text."""

from __future__ import annotations

import pytest

from core.changes import STAGES, AddKeys, WriteUniapi
from core.models import SyncRecord
from core.sync import Progress, public
from core.sync_steps import (
    CHANGE,
    PLANNING,
    STAGE,
    WAITING_FOR_GPTLOAD,
    WAITING_FOR_UNIAPI,
    Step,
    change_step,
    recorded_step,
    stage_step,
)
from tests.test_sync import registry, sync  # noqa: F401 (registry is a fixture)

PATH = "/data/my configs/api.yaml"  # a target with blanks: the text is never split
PLAN_CHANGES = [AddKeys("g1", data={"count": 1}).public(), WriteUniapi(PATH).public()]


@pytest.mark.parametrize(
    ("text", "step"),
    [
        ("plan", PLANNING),
        ("waiting for GPT-Load to load new groups", WAITING_FOR_GPTLOAD),
        ("waiting for uni-api to load api.yaml", WAITING_FOR_UNIAPI),
        *((f"stage {stage}", Step(STAGE, f"stage {stage}", stage=stage)) for stage in STAGES),
        ("add_keys g1", Step(CHANGE, "add_keys g1", stage="keys", kind="add_keys", target="g1")),
        (
            f"write_uniapi {PATH}",
            Step(CHANGE, f"write_uniapi {PATH}", stage="uniapi", kind="write_uniapi", target=PATH),
        ),
        ("add_keys g2", None),  # a change this run did not plan
        ("stage nowhere", None),
        ("waiting for GPT-Load", None),  # the start of a step's words is not the step
        ("", None),
        (None, None),
    ],
)
def test_a_recorded_step_is_found_again_by_its_whole_text(text, step):
    assert recorded_step(text, PLAN_CHANGES) == step


def test_every_step_is_recorded_in_the_words_rest_always_showed():
    change = AddKeys("g1", data={"count": 1})
    assert (change_step(change).text, change.step) == ("add_keys g1", "add_keys g1")
    assert stage_step("members").text == "stage members"
    assert Progress(at=WAITING_FOR_GPTLOAD).step == "waiting for GPT-Load to load new groups"
    assert Progress().step is None
    # The waits belong to the api.yaml stage, as the engine's progress says while it waits.
    assert WAITING_FOR_GPTLOAD.stage == WAITING_FOR_UNIAPI.stage == "uniapi"


async def test_a_failed_run_names_the_change_it_stopped_at_as_a_step(services, registry, gptload):  # noqa: F811
    gptload.fail_request(4, status=400)
    failed = public(await sync(services), detailed=True)
    assert failed.status == "failed" and failed.failed_at is not None
    assert failed.failed_at.code == CHANGE and failed.failed_at.text == failed.failed_step
    assert f"{failed.failed_at.kind} {failed.failed_at.target}" == failed.failed_step
    assert failed.failed_at.stage == "standard"


async def test_an_interrupted_run_names_its_checkpoint_and_a_plan_failure_names_the_plan(services):
    interrupted = await SyncRecord.create(status="running", failed_step="stage members")
    unplanned = await SyncRecord.create(status="failed", failed_step="plan", error="GPT-Load is down")
    older = await SyncRecord.create(status="failed", failed_step="something an older version wrote")
    await services.sync.recover_interrupted()
    history = {r.id: r for r in await services.sync.history()}
    assert history[interrupted.id].failed_at == stage_step("members")
    assert history[unplanned.id].failed_at == PLANNING
    assert history[older.id].failed_at is None and history[older.id].failed_step == "something an older version wrote"


async def test_a_run_that_gptload_never_catches_up_with_stops_at_its_wait(services, registry, gptload):  # noqa: F811
    gptload.cache_lag = 3600
    failed = public(await sync(services))
    assert (failed.failed_step, failed.failed_at) == (WAITING_FOR_GPTLOAD.text, WAITING_FOR_GPTLOAD)
