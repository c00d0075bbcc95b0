"""What the UI test app was built with, for the tests to reach (modules under tests/ survive NiceGUI's resets)."""

from __future__ import annotations

from dataclasses import dataclass

from core.services import Services
from tests.fakes.gptload import FakeGptLoad
from tests.fakes.providers import FakeProviders


@dataclass
class World:
    fake: FakeProviders
    gptload: FakeGptLoad
    services: Services


current: World | None = None
