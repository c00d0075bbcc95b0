"""Stories on the dashboard and the add/edit dialog."""

from __future__ import annotations

from nicegui import ui
from nicegui.testing import User

from core import providers
from core.providers import ProviderCreate
from tests.conftest import fake_key
from tests.ui.conftest import page_html_has_no_secret
from tests.ui.test_dashboard_operator_ui import open_cards


async def test_add_provider_with_a_failing_then_a_passing_test(user: User, w, recorder):
    account = w.fake.add("openai", "acme.test", [fake_key("good")], ["m-1", "m-2"])
    recorder.typed_by_user(fake_key("good"), fake_key("wrong"))
    await open_cards(user)
    await user.should_see("No providers yet")
    user.find("Add provider").click()
    user.find("Name").type("acme")
    user.find("Base URL").type(account.base_url)
    user.find("API keys").type(fake_key("wrong"))
    user.find(kind=ui.button, content="Test connection").click()
    await user.should_see(content="failed", marker="dialog-result")
    user.find(marker="dialog-save").click()
    await user.should_see(content="The API key was rejected", marker="dialog-result")
    assert user.find("Name").elements.pop().value == "acme"  # input kept
    assert await providers.list_providers(w.services) == []

    user.find("API keys").clear().type(fake_key("good"))
    user.find(kind=ui.button, content="Test connection").click()
    await user.should_see(content="OK in", marker="dialog-result")
    user.find(marker="dialog-save").click()
    await user.should_see("Added acme with 2 models")
    await user.should_see("Models: 2 active / 2 total")
    assert [p.name for p in await providers.list_providers(w.services)] == ["acme"]


async def test_dashboard_shows_masked_keys_only(user: User, w, recorder):
    account = w.fake.add("gemini", "g.test", [fake_key("gem")], ["gemini-pro"])
    data = ProviderCreate(name="g", base_url=account.base_url, channel_type="gemini", api_keys=account.keys)
    await providers.create_provider(w.services, data)
    await open_cards(user)
    await user.should_see("Keys: sk-…cdef")
    html = (await user.http_client.get("/")).text
    assert page_html_has_no_secret(html)


async def test_delete_asks_naming_what_is_deleted(user: User, w, recorder):
    account = w.fake.add("openai", "d.test", [fake_key("d")], ["a", "b", "c"])
    data = ProviderCreate(name="doomed", base_url=account.base_url, channel_type="openai", api_keys=account.keys)
    await providers.create_provider(w.services, data)
    await open_cards(user)
    await user.should_see("Models: 3 active / 3 total")
    user.find(kind=ui.button, content="Delete").click()
    await user.should_see("Delete doomed and its 3 models?")
    user.find(kind=ui.button, content="Delete doomed").click()
    await user.should_see("Deleted doomed")
    assert await providers.list_providers(w.services) == []


async def test_test_all_shows_each_result(user: User, w, recorder):
    for name in ("one", "two"):
        account = w.fake.add("openai", f"{name}.test", [fake_key(name)], ["m"])
        data = ProviderCreate(name=name, base_url=account.base_url, channel_type="openai", api_keys=account.keys)
        await providers.create_provider(w.services, data)
    w.fake.accounts[1].failure = "500"
    await open_cards(user)
    await user.should_see("two")
    user.find("Test all").click()
    await user.should_see("Tested 2 providers")
    await user.should_see("Test OK")
    await user.should_see("Test failed")


async def test_status_indicator_for_both_gptload_states(user: User, w, recorder):
    await user.open("/")
    await user.should_see("http://gptload.test connected")
    await user.should_see("never synced")
    w.gptload.down = True
    await user.open("/")
    await user.should_see("http://gptload.test disconnected")
    dot = user.find(marker="gptload-dot").elements.pop()
    assert "text-negative" in dot.classes


async def test_sync_button_explains_itself(user: User, w, recorder):
    await user.open("/")
    button = user.find(marker="sync-button").elements.pop()
    tooltips = [t for t in user.find(kind=ui.tooltip).elements if t.props.get("target") == f"#{button.html_id}"]
    assert "normalized models to GPT-Load as groups" in tooltips[0].text
    assert "api.yaml" in tooltips[0].text


async def test_fetch_reports_added_and_disappeared_and_offers_manual_entry_when_empty(user: User, w, recorder):
    account = w.fake.add("openai", "f.test", [fake_key("f")], ["old", "kept"])
    data = ProviderCreate(name="f", base_url=account.base_url, channel_type="openai", api_keys=account.keys)
    await providers.create_provider(w.services, data)
    account.models[:] = ["kept", "new"]
    await open_cards(user)
    await user.should_see("Models: 2 active / 2 total")
    user.find(kind=ui.button, content="Fetch models").click()
    await user.should_see("f: 1 added, 1 disappeared upstream (old)")
    account.models.clear()
    user.find(kind=ui.button, content="Fetch models").click()
    await user.should_see("listed no models. Add one by hand:")
    user.find("Model name").type("hand-made")
    user.find(kind=ui.button, content="Add model").click()
    await user.should_see("Models: 4 active / 4 total")
