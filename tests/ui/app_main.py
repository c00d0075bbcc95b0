"""The composition root for UI tests: main.py's mount() on services whose outside world is fake."""

import os

import httpx
from nicegui import ui

from core.crypto import generate_key
from core.services import Services
from core.settings import Settings
from tests.conftest import GPTLOAD_ADMIN_KEY
from tests.fakes.gptload import FakeGptLoad
from tests.fakes.providers import FakeProviders
from tests.ui import world
from ui import mount

fake = FakeProviders()
gptload = FakeGptLoad(GPTLOAD_ADMIN_KEY, upstream_transport=httpx.ASGITransport(app=fake.app))
settings = Settings.from_env(
    {
        "ENCRYPTION_KEY": generate_key(),
        "DATA_DIR": os.environ["LPM_UI_TEST_DIR"],
        "ADMIN_PASSWORD": os.environ.get("LPM_UI_TEST_PASSWORD", ""),
        "GPTLOAD_URL": "http://gptload.test",
        "GPTLOAD_AUTH_KEY": GPTLOAD_ADMIN_KEY,
        "GPTLOAD_CACHE_WAIT": "2",
        "UPSTREAM_TIMEOUT": "1",
    }
)
services = Services.build(
    settings, transport=httpx.ASGITransport(app=fake.app), gptload_transport=httpx.ASGITransport(app=gptload.app)
)
world.current = world.World(fake, gptload, services)
mount(services)
ui.run(storage_secret="ui-test-secret")
