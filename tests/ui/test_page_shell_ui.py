"""The two heavy pages answer a request with their shell before reading their rows, which then follow over the
websocket: the header's status timer (``ui.layout.status_bar``) awaits the browser's connection, and NiceGUI answers a
page as soon as anything awaits that (nicegui/page.py), with the elements made so far. So the browser loads the
page's JavaScript while the server reads and groups the models (bench/ui.py part 6).

These stories fail when a page answers only after its reads: the HTML of a plain GET would then hold the rows.
"""

from __future__ import annotations

from nicegui.testing import User

from tests.ui.test_import_ui import rows as grid_rows
from tests.ui.test_models_page_ui import add

MODELS = [f"shell-model-{i:02d}" for i in range(12)]


async def shell_of(user: User, path: str) -> str:
    """The page's HTML as a plain GET gets it (no browser connects to that client)."""
    answer = await user.http_client.get(path)
    assert answer.status_code == 200
    assert "LLM Provider Manager" in answer.text  # the header: the frame is drawn before the reads
    return answer.text


async def test_the_workbench_html_holds_no_rows_and_they_follow_after_connect(user: User, w):
    provider_id = await add(w, "acme", MODELS)
    shell = await shell_of(user, f"/providers/{provider_id}")
    assert [name for name in MODELS if name in shell] == []

    await user.open(f"/providers/{provider_id}")
    await user.should_see(marker="workbench-counts", content="12 models")
    assert sorted(row["original_name"] for row in grid_rows(user, "models-grid")) == MODELS


async def test_the_models_page_html_holds_no_names_and_they_follow_after_connect(user: User, w):
    await add(w, "acme", MODELS)
    shell = await shell_of(user, "/models")
    assert [name for name in MODELS if name in shell] == []

    await user.open("/models")
    await user.should_see("Names: 12")
    assert sorted(row["exposed"] for row in grid_rows(user, "exposed-grid")) == MODELS
