"""The composition root for UI tests: main.py's compose() on services whose outside world is fake.

NiceGUI's `user` fixture executes this file for every test, inside the test's event loop, so the lifespan
prepares the database (main.py does it before the server instead): once per test.
"""

import os

import httpx
from nicegui import ui

from core.crypto import generate_key
from core.services import Services
from core.settings import Settings
from main import compose
from tests.conftest import GPTLOAD_ADMIN_KEY
from tests.fakes.gptload import FakeGptLoad
from tests.fakes.providers import FakeProviders
from tests.ui import world

fake = FakeProviders()
gptload = FakeGptLoad(GPTLOAD_ADMIN_KEY, upstream_transport=httpx.ASGITransport(app=fake.app))
settings = Settings.from_env(
    {
        "ENCRYPTION_KEY": generate_key(),
        "DATA_DIR": os.environ["LPM_UI_TEST_DIR"],
        "ADMIN_PASSWORD": os.environ.get("LPM_UI_TEST_PASSWORD", ""),
        "ALLOWED_HOSTS": "test",  # the Host of NiceGUI's simulated browser (http://test)
        "GPTLOAD_URL": "http://gptload.test",
        "GPTLOAD_AUTH_KEY": GPTLOAD_ADMIN_KEY,
        "GPTLOAD_CACHE_WAIT": "2",
        "UNIAPI_RELOAD_WAIT": "0.05",  # no uni-api reads the file here
        "UPSTREAM_TIMEOUT": "1",
    }
)
services = Services.build(
    settings, transport=httpx.ASGITransport(app=fake.app), gptload_transport=httpx.ASGITransport(app=gptload.app)
)
world.current = world.World(fake, gptload, services)
compose(services, prepare_database_in_lifespan=True)
ui.run(storage_secret="ui-test-secret")
