"""UI stories run the real pages in NiceGUI's simulated browser (the `user` fixture), on fake providers and
a fake GPT-Load. What a test's pages showed is checked for unmasked keys, through public APIs only: every
HTTP response the simulated browser received (each page's first render), every element of every open page
when the test ends (props, text, classes, styles: what NiceGUI sends to the browser) and every notification.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from nicegui import app, ui
from nicegui.testing import User

from tests.conftest import SECRET_MARKER
from tests.ui import world
from tests.ui.chinese import ZH_BROWSER


@pytest.fixture(autouse=True)
def ui_data_dir(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("LPM_UI_TEST_DIR", str(tmp_path))
    monkeypatch.delenv("LPM_UI_TEST_PASSWORD", raising=False)


@pytest.fixture
def w() -> world.World:
    assert world.current is not None
    return world.current


def element_texts(element: ui.element) -> Iterator[str]:
    """What NiceGUI renders of one element: its props (grid options, input values, ...), text and styling."""
    yield repr(dict(element.props))
    yield " ".join(element.classes)
    yield repr(dict(element.style))
    for name in ("text", "content"):  # labels, buttons, markdown, html, mermaid, ...
        value = getattr(element, name, None)
        if isinstance(value, str):
            yield value


class LeakGuard:
    """Collects what reached the simulated browser; ``leaks()`` names every piece holding an unmasked key."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.responses: list[str] = []
        self.typed: set[str] = set()

    def typed_by_user(self, *keys: str) -> None:
        """Keys the simulated user typed into an input: echoing those back is not a leak of a stored key."""
        self.typed.update(keys)

    async def record(self, response: httpx.Response) -> None:
        await response.aread()
        self.responses.append(response.text)

    def shown(self) -> Iterator[str]:
        yield from self.responses
        for client in app.clients():
            for element in client.layout.descendants(include_self=True):
                yield from element_texts(element)
        yield from self.user.notify.messages

    def leaks(self) -> list[str]:
        found = []
        for text in self.shown():
            for key in self.typed:
                text = text.replace(key, "<typed>")
            if SECRET_MARKER in text:
                at = text.index(SECRET_MARKER)
                found.append(text[max(0, at - 100) : at + 100])
        return found


@pytest.fixture
def recorder(user: User) -> Iterator[LeakGuard]:
    """The leak guard of a UI test: it fails the test when an unmasked key reached a page."""
    guard = LeakGuard(user)
    user.http_client.event_hooks["response"].append(guard.record)
    yield guard
    leaked = guard.leaks()
    assert not leaked, f"a stored API key reached the browser: {leaked[:2]}"


def page_html_has_no_secret(html: str) -> bool:
    return SECRET_MARKER not in html and not re.search(r"sk-[A-Za-z0-9]{20,}", html)


@pytest.fixture
def chinese_browser(user: User) -> User:
    """The simulated browser asking for Chinese first, as a zh-CN Chrome does."""
    user.http_client.headers["Accept-Language"] = ZH_BROWSER
    return user
