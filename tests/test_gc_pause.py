"""Pausing the cyclic garbage collector around a pure computation, and never leaving it off."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from core.gc_pause import gc_paused, without_gc


@pytest.fixture(autouse=True)
def collector_back_on() -> Iterator[None]:
    """Whatever a test does, the collector is on for the next one."""
    yield
    gc.enable()


def test_the_collector_is_off_inside_and_on_after():
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_pause_inside_a_pause_ends_with_the_outer_one():
    with gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_exception_still_turns_the_collector_back_on():
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off():
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_a_decorated_function_runs_paused_and_returns_its_answer():
    @without_gc
    def work(a: int, *, b: int) -> tuple[int, bool]:
        return a + b, gc.isenabled()

    assert work(1, b=2) == (3, False)
    assert gc.isenabled()


def test_a_coroutine_function_is_refused():
    async def work() -> None:
        return None

    with pytest.raises(TypeError, match="coroutine"):
        without_gc(work)
