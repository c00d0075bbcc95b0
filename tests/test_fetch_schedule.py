"""Scheduled fetches (FETCH_INTERVAL): the loop fetches every provider each interval, never two runs at once,
logs failures without secrets, survives a broken run and stops cleanly, also from main.py's lifespan.

The loop runs with intervals of a few hundredths of a second; every wait is for an observable event (a run ended,
a request arrived) and has a deadline.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from fastapi import FastAPI

from core import inbox, providers
from core.errors import StartupError
from core.fetch_schedule import FetchSchedule
from core.inbox import InboxQuery
from core.models import Model, Provider
from core.providers import ProviderCreate
from core.services import Services
from main import database_lifespan
from tests.conftest import fake_key, make_settings

DEADLINE = 5.0
TICK = 0.02  # seconds between runs in these tests


async def eventually(condition: Callable[[], bool], what: str) -> None:
    """Wait until ``condition()`` holds (checked every 5 ms), for DEADLINE seconds at most."""
    loop = asyncio.get_running_loop()
    end = loop.time() + DEADLINE
    while loop.time() < end:
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"not within {DEADLINE} s: {what}")


async def add_provider(services, fake, name: str, models: list[str], **options):
    account = fake.add("openai", f"{name}.test", [fake_key(name)], models)
    data = ProviderCreate(name=name, base_url=account.base_url, channel_type="openai", api_keys=account.keys)
    provider_id = (await providers.create_provider(services, data)).id
    for option, value in options.items():
        setattr(account, option, value)
    return account, provider_id


@pytest.fixture
async def schedule(services) -> AsyncIterator[FetchSchedule]:
    schedule = FetchSchedule(services, TICK)
    yield schedule
    await asyncio.wait_for(schedule.stop(), DEADLINE)


async def test_each_run_fetches_every_provider_and_fills_the_inbox(services, fake, schedule):
    alpha, _ = await add_provider(services, fake, "alpha", ["a-1"])
    bravo, _ = await add_provider(services, fake, "bravo", ["b-1"])
    alpha.models, bravo.models = ["a-1", "Org/A-2"], ["b-2"]
    told: list[int] = []
    schedule.on_run = lambda: told.append(schedule.runs)
    schedule.start()
    await eventually(lambda: schedule.runs >= 2, "two scheduled runs")
    assert told[:2] == [1, 2]  # the composition root hears of every run (the header's badge)
    kinds = {i.original_name: (i.kind, i.suggested_name) for i in await inbox.inbox_items(InboxQuery())}
    assert kinds == {"Org/A-2": ("new", "a-2"), "b-2": ("new", "b-2"), "b-1": ("vanished", "b-1")}


async def test_runs_never_overlap_even_when_a_fetch_outlasts_the_interval(services, fake, schedule):
    account, _ = await add_provider(services, fake, "slow", ["m"])
    account.latency = 0.15  # many intervals long
    fake.max_in_flight = 0
    schedule.start()
    await eventually(lambda: schedule.runs >= 3, "three scheduled runs")
    assert fake.max_in_flight == 1  # one provider with one key: any overlap would list twice at once


async def test_a_run_asked_for_while_one_goes_on_is_skipped(services, fake, schedule):
    account, _ = await add_provider(services, fake, "slow", ["m"])
    account.latency = 0.2
    first = asyncio.create_task(schedule.run_once())
    await eventually(lambda: fake.in_flight == 1, "the first run's listing request")
    assert await schedule.run_once() is None
    outcomes = await asyncio.wait_for(first, DEADLINE)
    assert outcomes is not None and [o.ok for o in outcomes] == [True] and schedule.runs == 1


async def test_a_failing_provider_is_logged_without_its_key_and_the_others_are_fetched(
    services, fake, schedule, caplog
):
    _, leaky_id = await add_provider(services, fake, "leaky", ["l-1"], failure="echo_key_long")
    fine, _ = await add_provider(services, fake, "fine", ["f-1"])
    fine.models = ["f-1", "f-2"]
    schedule.start()
    await eventually(lambda: schedule.runs >= 1, "one scheduled run")
    failures = [r.getMessage() for r in caplog.records if r.name == "core.fetch_schedule" and r.levelname == "WARNING"]
    assert failures and failures[0].startswith(f"scheduled fetch: provider {leaky_id} failed: bad_response")
    # the autouse guard (tests/conftest.py) fails this test if the echoed key reached any log record
    assert [i.original_name for i in await inbox.inbox_items(InboxQuery())] == ["f-2"]


async def test_a_run_that_breaks_is_logged_and_the_next_one_runs(services, fake, schedule, caplog):
    _, broken_id = await add_provider(services, fake, "broken", ["m"])
    await Provider.filter(id=broken_id).update(api_keys_token="not a token")  # a run cannot even read the keys
    schedule.start()
    await eventually(lambda: any("the run failed (InvalidToken)" in r.getMessage() for r in caplog.records),
                     "the broken run's log line")  # fmt: skip
    assert schedule.runs == 0 and schedule.started
    await Model.filter(provider_id=broken_id).delete()
    await Provider.filter(id=broken_id).delete()
    await eventually(lambda: schedule.runs >= 1, "a run after the broken one")


async def test_stop_ends_a_run_in_progress_without_writing_it(services, fake, schedule):
    account, provider_id = await add_provider(services, fake, "slow", ["m"], latency=30.0)
    account.models = ["m", "never-stored"]
    schedule.start()
    await eventually(lambda: schedule.running and fake.in_flight == 1, "a run waiting on the provider")
    await asyncio.wait_for(schedule.stop(), DEADLINE)
    assert not schedule.started and not schedule.running and schedule.runs == 0
    assert await Model.filter(provider_id=provider_id).values_list("original_name", flat=True) == ["m"]


async def test_an_interval_of_zero_starts_nothing(services):
    schedule = FetchSchedule(services, 0)
    schedule.start()
    assert not schedule.enabled and not schedule.started
    await schedule.stop()


def test_fetch_interval_is_read_in_minutes_and_checked(tmp_path):
    assert make_settings(tmp_path).fetch_interval == 0
    assert make_settings(tmp_path, FETCH_INTERVAL="15").fetch_interval == 15
    with pytest.raises(StartupError, match="FETCH_INTERVAL must be a whole number from 0 to 10080"):
        make_settings(tmp_path, FETCH_INTERVAL="-1")


async def test_the_app_lifespan_starts_the_schedule_with_the_database_and_stops_it_before_closing(tmp_path):
    services = Services.build(make_settings(tmp_path, FETCH_INTERVAL="1"))
    schedule = FetchSchedule(services, services.settings.fetch_interval * 60)

    @asynccontextmanager
    async def inner(app: FastAPI) -> AsyncIterator[None]:
        yield None

    lifespan = database_lifespan(services, inner, prepare=True, schedule=schedule)
    async with lifespan(FastAPI()):
        assert schedule.started and schedule.interval == 60
    assert not schedule.started
