"""Events between the pages and the header: fired after work that changes what the header shows."""

from __future__ import annotations

import weakref

from nicegui import Event

from core.services import Services

_status_events: dict[int, Event[[]]] = {}


def status_changed(services: Services) -> Event[[]]:
    """A sync ended, or providers or models changed: every open header re-reads GPT-Load's status now, not on
    its next 30 s tick. Pages emit it; ``ui.layout.status_bar`` subscribes.

    One event per services bundle (one per app run), not per module: a module-level event would outlive the
    app it was built for and call the pages of an earlier run (NiceGUI's test runner keeps ``ui.events``).
    """
    key = id(services)
    if key not in _status_events:
        _status_events[key] = Event()
        weakref.finalize(services, _status_events.pop, key, None)
    return _status_events[key]
