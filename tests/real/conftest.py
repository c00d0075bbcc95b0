"""Tests against the real GPT-Load and uni-api binaries (``make test-real``); not collected by ``make test``.

They run only with ``LPM_REAL=1`` and need ``GPTLOAD_BIN`` (GPT-Load v1.4.9) and ``UNIAPI_BIN`` (uni-api's
Rust runtime ``uni-api-front``); tests/real/servers.py says what they are and how each is started.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.real import servers

if os.environ.get("LPM_REAL") != "1":
    collect_ignore_glob = ["test_*.py"]


def _binary(variable: str) -> Path:
    path = servers.binary(variable)
    if path is None:
        pytest.skip(servers.missing_message())
    return path


@pytest.fixture(scope="session")
def gptload_bin() -> Path:
    return _binary(servers.GPTLOAD_BIN)


@pytest.fixture(scope="session")
def uniapi_bin() -> Path:
    return _binary(servers.UNIAPI_BIN)


@pytest.fixture(scope="session")
def real_gptload(gptload_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.RealServer]:
    """One GPT-Load for the session, on SQLite in an empty directory; its admin key is GPTLOAD_ADMIN_KEY."""
    from tests.conftest import GPTLOAD_ADMIN_KEY

    with servers.gptload(gptload_bin, GPTLOAD_ADMIN_KEY, workdir=tmp_path_factory.mktemp("gptload")) as server:
        yield server
