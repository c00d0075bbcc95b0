"""UI stories run the real pages in NiceGUI's simulated browser (the `user` fixture), on fake providers and
a fake GPT-Load. Every websocket message a test receives is recorded and checked for unmasked keys."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from nicegui.testing import User

from tests.conftest import SECRET_MARKER
from tests.ui import world


@pytest.fixture(autouse=True)
def ui_data_dir(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("LPM_UI_TEST_DIR", str(tmp_path))
    monkeypatch.delenv("LPM_UI_TEST_PASSWORD", raising=False)


@pytest.fixture
def w() -> world.World:
    assert world.current is not None
    return world.current


class Recorder:
    """Wraps a client's outbox: every message to the browser, and every JavaScript the page ran."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.javascript: list[str] = []
        self.typed: set[str] = set()

    def typed_by_user(self, *keys: str) -> None:
        """Keys the simulated user typed into an input: echoing those back is not a leak of a stored key."""
        self.typed.update(keys)

    def leaks(self) -> list[str]:
        found = []
        for message in self.messages:
            for key in self.typed:
                message = message.replace(key, "<typed>")
            if SECRET_MARKER in message:
                found.append(message[:200])
        return found

    def attach(self, user: User) -> None:
        emit = user.client.outbox._emit

        async def recording(message) -> None:
            self.messages.append(repr(message))
            if message[1] == "run_javascript":
                self.javascript.append(message[2]["code"])
            await emit(message)

        user.client.outbox._emit = recording


@pytest.fixture
def recorder(user: User) -> Iterator[Recorder]:
    recorder = Recorder()
    original_open = user.open

    async def open_and_record(path: str, **kwargs):
        client = await original_open(path, **kwargs)
        recorder.attach(user)
        return client

    user.open = open_and_record
    yield recorder
    leaked = recorder.leaks()
    assert not leaked, f"a stored API key reached the browser: {leaked[:2]}"


def page_html_has_no_secret(html: str) -> bool:
    return SECRET_MARKER not in html and not re.search(r"sk-[A-Za-z0-9]{20,}", html)
