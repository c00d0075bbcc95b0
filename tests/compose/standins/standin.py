"""Stand-ins for GPT-Load and uni-api in `make test-compose`: the project's fakes (tests/fakes) as servers in
containers, where no registry can deliver the real images. ``standin.py gptload`` or ``standin.py uniapi``.

They keep the contract the compose file relies on: GPT-Load answers /health, its admin API and its proxy on
PORT with AUTH_KEY, and keeps what it was told on its /app/data volume across restarts (as GPT-Load's SQLite
does); uni-api reads UNI_API_CONFIG_PATH, re-reads it every second, and answers /healthz 503 until a config
is loaded, 200 after.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import sys
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route

# What GPT-Load would have in its database: the fake's groups, keys and links (not its fault switches or logs).
GPTLOAD_STATE = (
    "_groups",
    "_links",
    "_keys",
    "_next_group_id",
    "_next_key_id",
    "_active",
    "_snapshots",
    "_recorded",
)


def gptload() -> None:
    from tests.fakes.gptload import FakeGptLoad

    fake = FakeGptLoad(os.environ["AUTH_KEY"])
    fake.app_url = ""
    state_file = Path(os.environ.get("DATA_DIR", "/app/data")) / "standin-state.pickle"
    if state_file.is_file():
        vars(fake).update(pickle.loads(state_file.read_bytes()))

    async def app(scope, receive, send) -> None:
        await fake.app(scope, receive, send)
        if scope["type"] == "http" and scope["method"] != "GET" and scope["path"].startswith("/api/"):
            partial = state_file.with_suffix(".partial")
            partial.write_bytes(pickle.dumps({name: getattr(fake, name) for name in GPTLOAD_STATE}))
            partial.replace(state_file)

    uvicorn.run(app, host="0.0.0.0", port=int(os.environ.get("PORT", "3001")), log_level="info")


def uniapi() -> None:
    from tests.fakes.uniapi import FakeUniApi

    fake = FakeUniApi(os.environ.get("UNI_API_CONFIG_PATH", "/config/api.yaml"), interval=1.0)

    async def healthz(request: Request) -> Response:
        if fake.snapshot is None:
            return PlainTextResponse("no configuration loaded", status_code=503)
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route("/healthz", healthz), Mount("/", app=fake.app)])

    async def serve() -> None:
        async with fake.running():
            config = uvicorn.Config(app, host="0.0.0.0", port=int(os.environ.get("PORT", "8000")), log_level="info")
            await uvicorn.Server(config).serve()

    asyncio.run(serve())


if __name__ == "__main__":
    {"gptload": gptload, "uniapi": uniapi}[sys.argv[1]]()
