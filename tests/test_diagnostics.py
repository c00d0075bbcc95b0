"""Start-up diagnostics: each problem gives one line with its cause and its fix; the manager still starts."""

from __future__ import annotations

import logging

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse

from core.clients.gptload import GptLoadClient
from core.diagnostics import gptload_first_contact, uniapi_directory
from core.settings import PROJECT_ROOT
from tests.conftest import GPTLOAD_ADMIN_KEY, SECRET_MARKER, make_settings
from tests.fakes.gptload import FakeGptLoad
from tests.fakes.server import free_port

README = (PROJECT_ROOT / "README.md").read_text()
TROUBLESHOOTING = README[README.index("## Troubleshooting") : README.index("## Architecture")]


def not_gptload() -> Starlette:
    """Something else on GPTLOAD_URL, e.g. a web page or uni-api: HTML for every path."""
    app = Starlette()
    app.add_route("/{path:path}", lambda request: HTMLResponse("<h1>hello</h1>", status_code=404))
    return app


async def first_contact(settings, app=None):
    transport = httpx.ASGITransport(app=app) if app is not None else None
    client = GptLoadClient(settings.gptload_url, settings.gptload_auth_key, timeout=2, transport=transport)
    try:
        return await gptload_first_contact(settings, client)
    finally:
        await client.aclose()


@pytest.mark.parametrize(
    ("case", "level", "words"),
    [
        ("connected", logging.INFO, ["connected, 0 groups"]),
        ("wrong key", logging.WARNING, ["rejected GPTLOAD_AUTH_KEY", "Fix: set GPTLOAD_AUTH_KEY"]),
        ("no key", logging.WARNING, ["GPTLOAD_AUTH_KEY is not set", "Fix: set it to the AUTH_KEY"]),
        ("not gptload", logging.WARNING, ["does not answer like GPT-Load", "Fix: point GPTLOAD_URL"]),
        ("down", logging.WARNING, ["unreachable at first contact", "Fix: start GPT-Load", "GPTLOAD_URL"]),
    ],
)
async def test_first_contact_with_gptload_names_the_cause_and_the_fix(tmp_path, case, level, words):
    key = {"wrong key": "wrong-SECRET-key", "no key": ""}.get(case, GPTLOAD_ADMIN_KEY)
    url = f"http://127.0.0.1:{free_port()}" if case == "down" else "http://gptload.test"
    settings = make_settings(tmp_path, GPTLOAD_URL=url, GPTLOAD_AUTH_KEY=key)
    app = {"down": None, "not gptload": not_gptload()}.get(case, FakeGptLoad(GPTLOAD_ADMIN_KEY).app)

    finding = await first_contact(settings, app)

    assert finding.level == level
    assert all(word in finding.message for word in words), finding.message
    assert "\n" not in finding.message and SECRET_MARKER not in finding.message
    if level == logging.WARNING:  # the README's troubleshooting table has a row for each warning
        assert words[0] in TROUBLESHOOTING, words[0]


def test_writable_uniapi_directory_gives_no_warning(tmp_path):
    assert uniapi_directory(make_settings(tmp_path, UNIAPI_CONFIG_PATH=str(tmp_path / "new" / "api.yaml"))) is None


@pytest.mark.parametrize(
    ("layout", "words"),
    [
        ("path is a directory", "is not a file"),
        ("parent is a file", "is not a directory"),
    ],
)
def test_unusable_uniapi_path_is_a_warning_with_the_fix(tmp_path, layout, words):
    if layout == "path is a directory":
        target = tmp_path / "api.yaml"
        target.mkdir()
    else:
        (tmp_path / "blocker").write_text("a file")
        target = tmp_path / "blocker" / "uni-api" / "api.yaml"

    finding = uniapi_directory(make_settings(tmp_path, UNIAPI_CONFIG_PATH=str(target)))

    assert finding is not None and finding.level == logging.WARNING
    assert words in finding.message and "UNIAPI_CONFIG_PATH" in finding.message
    assert finding.message.startswith("uni-api config ") and "| `uni-api config … is not writable` |" in TROUBLESHOOTING
