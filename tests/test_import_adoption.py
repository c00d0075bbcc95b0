"""Import a hand-made setup, adopt it, sync: every name that routed before routes after, to the same provider and
original name, through uni-api (the fake Rust runtime) and GPT-Load's proxy (the fake). Comments and the operator's
own entry and group stay as they were."""

from __future__ import annotations

import httpx
import pytest

from core.models import ManagedGroup, Provider
from tests.fakes.uniapi import FakeUniApi
from tests.import_layout import CLIENT_KEY, OPS_PROXY_KEY, Layout, layout  # noqa: F401 (fixture)
from tests.test_sync import snapshot, sync

KEPT_ALONE = {"ops-tools", "ops"}  # the operator's group and the entry that routes through it


class ByHost(httpx.AsyncBaseTransport):
    """uni-api reaches GPT-Load at gptload.test and direct providers at their own hosts."""

    def __init__(self, gptload, fake) -> None:
        self._gptload = httpx.ASGITransport(app=gptload.app)
        self._providers = httpx.ASGITransport(app=fake.app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        target = self._gptload if request.url.host == "gptload.test" else self._providers
        return await target.handle_async_request(request)


@pytest.fixture
def uniapi(settings, gptload, fake) -> FakeUniApi:
    return FakeUniApi(settings.uniapi_config_path, interval=3600, upstream_transport=ByHost(gptload, fake))


async def where_it_goes(uniapi: FakeUniApi, fake, layout: Layout, name: str) -> tuple[str, str] | None:  # noqa: F811
    """(account label, model the provider received) of one chat request for ``name``; None when it fails."""
    before = len(fake.calls)
    transport = httpx.ASGITransport(app=uniapi.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://uni-api") as client:
        body = {"model": name, "messages": [{"role": "user", "content": "ping"}]}
        response = await client.post(
            "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {CLIENT_KEY}"}
        )
    if response.status_code != 200:
        return None
    (call,) = [
        c for c in fake.calls[before:] if "chat" in c.path or "generateContent" in c.path or "messages" in c.path
    ]
    label = next(label for label, account in layout.accounts.items() if call.key in account.keys)
    model = (call.body or {}).get("model") or call.path.split("/models/")[-1].split(":")[0]
    return label, model


async def routes_of(uniapi, fake, layout) -> dict[str, tuple[str, str] | None]:  # noqa: F811
    await uniapi.reload()
    return {name: await where_it_goes(uniapi, fake, layout, name) for name in layout.routes}


async def import_everything(api, settings, *, leave: set[str], skip: tuple[str, ...] = ("ops-tools",)) -> dict:
    """Preview GPT-Load and the configured api.yaml; adopt every adoptable group and entry but ``leave``; do not
    import the providers named in ``skip``."""
    preview = await api.post(
        "/api/import/preview", json={"gptload": True, "uniapi": {"path": str(settings.uniapi_config_path)}}
    )
    assert preview.status_code == 200, preview.text
    body = preview.json()
    adopt = [f["name"] for f in body["groups"] if f["adoptable"] and f["name"] not in leave]
    adopt += [e["provider"] for e in body["entries"] if e["adoptable"] and e["provider"] not in leave]
    applied = await api.post(
        "/api/import/apply", json={"checksum": body["checksum"], "adopt": adopt, "skip_providers": list(skip)}
    )
    assert applied.status_code == 200, applied.text
    return applied.json()


async def test_every_name_routes_to_the_same_provider_and_original_after_import_adopt_and_sync(
    api,
    services,
    settings,
    layout,  # noqa: F811
    uniapi,
    fake,
    gptload,
):
    before = await routes_of(uniapi, fake, layout)
    assert before == {name: route for name, route in layout.routes.items()}, "the hand-made setup routes as designed"
    ops_group = snapshot(gptload)["ops-tools"]

    counts = await import_everything(api, settings, leave=KEPT_ALONE)
    assert counts["groups_adopted"] == 4 and counts["entries_adopted"] == 5
    record = await sync(services, (await services.sync.build_plan()).plan.checksum(), force=True)
    assert record.status == "succeeded", record.error

    after = await routes_of(uniapi, fake, layout)
    assert after == before
    text = settings.uniapi_config_path.read_text()
    assert "# Hand-written by the operator. Keep these comments." in text
    assert "# The operator's own tools: never touched" in text
    assert OPS_PROXY_KEY in text, "the operator's entry keeps its own proxy key"
    assert snapshot(gptload)["ops-tools"] == ops_group
    assert "openai-main" in gptload.groups_by_name(), "an adopted provider group keeps its name"
    assert (await services.sync.build_plan()).plan.changes == [], "the first sync converged"


async def test_the_aggregated_name_still_reaches_one_of_its_upstreams_after_adoption(
    api,
    services,
    settings,
    layout,  # noqa: F811
    uniapi,
    fake,
):
    await import_everything(api, settings, leave=KEPT_ALONE)
    record = await sync(services, (await services.sync.build_plan()).plan.checksum(), force=True)
    assert record.status == "succeeded", record.error
    await uniapi.reload()
    seen = {await where_it_goes(uniapi, fake, layout, "gpt4o") for _ in range(4)}
    assert seen == {("openai", "gpt-4o"), ("mirror", "gpt-4o-2024")}


async def test_groups_left_alone_are_never_recorded_as_the_managers(api, services, settings, layout):  # noqa: F811
    await import_everything(api, settings, leave=KEPT_ALONE | {"gemini-main", "gemini-via-gptload"})
    owned = set(await ManagedGroup.all().values_list("name", flat=True))
    assert owned == {"openai-main", "mirror-main", "gpt4o-pool"}
    assert await Provider.filter(name="gemini-main").exists(), "leaving a group alone still imports its provider"
    assert not await Provider.filter(name="ops-tools").exists(), "a provider in skip_providers is not imported"
