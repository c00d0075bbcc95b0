"""A provider lists names that cannot be stored or that GPT-Load would store differently (issue 11, points 10-11)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.catalog import Changes, apply_changes
from core.models import Model, Provider
from core.providers import ProviderCreate, create_provider, delete_provider
from tests.conftest import fake_key, provider_body

LONG = "x" * 600


async def test_a_listing_with_overlong_or_control_character_names_stores_the_rest(api, fake):
    account = fake.add("openai", "hostile.test", [fake_key("h")], ["good", LONG, "bad\x00name", "tab\tname", "ok-2"])
    created = await api.post("/api/providers", json=provider_body(account, "hostile"))
    assert created.status_code == 201, created.text
    (warning,) = created.json()["warnings"]
    assert warning.startswith("Skipped 3 listed model name(s)") and "600 characters" in warning
    assert "bad\\x00name (control characters)" in warning and LONG not in warning
    models = (await api.get(f"/api/providers/{created.json()['id']}/models")).json()
    assert [m["original_name"] for m in models] == ["good", "ok-2"]

    account.models.append("new\x07bell")
    fetched = await api.post(f"/api/providers/{created.json()['id']}/fetch-models")
    assert fetched.status_code == 200
    assert fetched.json()["added"] == [] and len(fetched.json()["skipped"]) == 4


async def test_names_with_outer_blanks_are_stored_as_gptload_stores_them(api, fake):
    account = fake.add("openai", "blank.test", [fake_key("b")], [" lead-space", "trail-space ", "\u3000ideo\u3000"])
    created = (await api.post("/api/providers", json=provider_body(account, "blank"))).json()
    models = (await api.get(f"/api/providers/{created['id']}/models")).json()
    assert [m["original_name"] for m in models] == ["lead-space", "trail-space", "ideo"]


NAME = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=20
).filter(lambda n: n.strip())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(originals=st.lists(NAME, min_size=1, max_size=4, unique=True), renamed=st.lists(NAME, max_size=4))
async def test_apply_then_plan_is_empty_for_any_names(services, fake, gptload, originals, renamed):
    """Whitespace, Unicode and control characters included: what GPT-Load stores is what the next plan expects."""
    fake.accounts.clear()
    account = fake.add("openai", "prop.test", [fake_key("p")], originals)
    for provider_id in await Provider.all().values_list("id", flat=True):  # the previous example's
        await delete_provider(services, provider_id)
    data = ProviderCreate(name="prop", base_url=account.base_url, channel_type="openai", api_keys=account.keys)
    provider = await create_provider(services, data)
    models = await Model.filter(provider_id=provider.id).order_by("id")
    renames = {m.id: name for m, name in zip(models, renamed, strict=False)}
    try:
        await apply_changes(services, Changes(renames=renames, confirm_duplicates=True))
    except Exception as exc:  # a name the manual-name rule refuses is refused before anything is stored
        assert getattr(exc, "code", None) == "invalid_name", exc
    await services.sync.start(force=True)  # the previous example's groups go: a delete-everything plan
    await services.sync.wait()
    plan = (await services.sync.build_plan()).plan
    assert plan.is_empty, [c.public() for c in plan.changes][:3]


pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
