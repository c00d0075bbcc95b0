"""Pausing Python's cyclic garbage collector while a pure computation builds many objects (pure, no I/O).

CPython starts a collection every 700 container allocations, whether or not the objects could ever form a
cycle, and every so often a full one that walks every object the process holds. In the running app (NiceGUI,
FastAPI, Tortoise, the registry just read) a full collection takes about 0.1 s, and grouping or judging 30,000
models allocates enough for several of them: at 30,000 models ``group_exposed`` took 0.7-0.8 s with the
collector running and 0.35 s paused, the assistant's first page of suggestions 1.9-2.2 s and 1.0 s (in a
process holding the app's modules, on a loaded 2-core machine). Reference counting still frees everything the
computation drops at once; only reference cycles wait for the next collection after the pause. Mercurial's
``util.nogc`` does the same around its big containers.

Only for synchronous code: an ``await`` inside the pause would let other tasks run with the collector off.
"""

from __future__ import annotations

import gc
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


@contextmanager
def gc_paused() -> Iterator[None]:
    """The collector off inside, back on after (also after an exception); a pause inside a pause, or a collector
    someone else switched off, is left as it is."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def without_gc(function: Callable[P, T]) -> Callable[P, T]:
    """``function`` (synchronous) run inside ``gc_paused``."""
    if inspect.iscoroutinefunction(function):
        raise TypeError(f"{function.__qualname__} is a coroutine function: other tasks would run during the pause")

    @wraps(function)
    def paused(*args: P.args, **kwargs: P.kwargs) -> T:
        with gc_paused():
            return function(*args, **kwargs)

    return paused
