"""The UI tests' own plumbing: main.compose prepares the database once per app run, the leak guard works."""

from __future__ import annotations

import pytest
from nicegui import ui
from nicegui.testing import User

import core.db
from tests.conftest import fake_key


@pytest.fixture
def migrations(monkeypatch) -> list[str]:
    """Every ``prepare_database`` runs the migrations exactly once: count those runs (before ``user`` starts)."""
    runs: list[str] = []
    migrate = core.db.migrate

    async def counting(*args, **kwargs):
        runs.append("migrate")
        return await migrate(*args, **kwargs)

    monkeypatch.setattr(core.db, "migrate", counting)
    return runs


async def test_the_database_is_prepared_once_per_app_run(migrations, user: User, recorder):
    await user.open("/")
    await user.should_see("never synced")
    response = await user.http_client.get("/api/health")
    assert response.status_code == 200
    assert migrations == ["migrate"]


async def test_the_leak_guard_catches_a_key_on_a_page(user: User, w, recorder):
    await user.open("/")
    await user.should_see("never synced")
    assert recorder.leaks() == []
    with user:
        planted = ui.label(f"key: {fake_key('planted')}")
    assert any("key: sk-SECRET-planted" in leak for leak in recorder.leaks())
    planted.delete()
    with user:
        grid = ui.aggrid({"columnDefs": [{"field": "key"}], "rowData": [{"key": fake_key("in-a-grid")}]})
    assert any("sk-SECRET-in-a-grid" in leak for leak in recorder.leaks())
    grid.delete()
    recorder.typed_by_user(fake_key("typed"))
    with user:
        typed = ui.input("API key", value=fake_key("typed"))  # what the user typed may be echoed back
        ui.notify(f"stored {fake_key('notified')}")
    assert [leak for leak in recorder.leaks() if "typed" not in leak] != []
    assert all("sk-SECRET-notified" in leak for leak in recorder.leaks())
    typed.delete()
    user.notify.messages.clear()
    assert recorder.leaks() == []
