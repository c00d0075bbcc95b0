"""The header's Inbox link with the number of models waiting for review (``core.inbox.inbox_count``).

Read at once, every 30 s, and whenever ``ui.events.status_changed`` fires: a page fetched or resolved something,
or a scheduled fetch ended (``main.py`` emits it after each run).
"""

from __future__ import annotations

from nicegui import ui

from core import inbox
from core.services import Services
from ui.events import status_changed
from ui.i18n import t

BADGE_INTERVAL = 30.0


def inbox_link(services: Services) -> None:
    link = ui.link("", "/inbox").classes("text-white no-underline hover:underline").mark("nav-inbox")
    link.tooltip(t("nav.inbox_tip"))
    with link, ui.row().classes("items-center gap-1 no-wrap"):
        ui.label(t("nav.inbox"))
        badge = ui.badge("", color="orange").props("rounded").mark("inbox-badge")
    badge.set_visibility(False)

    async def refresh() -> None:
        count = await inbox.inbox_count()
        badge.set_text(f"{count:,}")
        badge.set_visibility(count > 0)

    status_changed(services).subscribe(refresh)
    ui.timer(0.05, refresh, once=True)
    ui.timer(BADGE_INTERVAL, refresh)
