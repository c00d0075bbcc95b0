"""Operator stories on the dashboard and the add/edit dialog (issue 10: points 4, 5, 8 and 10)."""

from __future__ import annotations

from nicegui import ui
from nicegui.testing import User

from core import providers
from core.crypto import key_fingerprint
from core.providers import ProviderCreate
from tests.conftest import fake_key


async def add_provider(w, name: str, models: list[str], *, keys: int = 1, **account_options) -> object:
    account = w.fake.add(
        "openai", f"{name}.test", [fake_key(f"{name}{i}") for i in range(keys)], models, **account_options
    )
    data = ProviderCreate(name=name, base_url=account.base_url, channel_type="openai", api_keys=account.keys)
    await providers.create_provider(w.services, data)
    return account


def dialog_of(user: User) -> ui.dialog:
    return next(iter(user.find(kind=ui.dialog).elements))


async def open_cards(user: User) -> None:
    """The dashboard as cards: the table is its default view since issue 14 (the choice is remembered)."""
    await user.open("/")
    user.find(marker="view-toggle").elements.pop().value = "cards"


async def test_test_all_keeps_one_card_per_provider_and_sums_up(user: User, w, recorder):
    for i in range(14):  # answers arrive in a different order than the requests left
        await add_provider(w, f"p{i:02d}", ["m"], latency=(i % 4) * 0.01)
    for account in w.fake.accounts[:2]:
        account.failure = "500"
    await open_cards(user)
    await user.should_see("p13", retries=30)
    user.find("Test all").click()
    await user.should_see(content="14 providers: 12 passed, 2 failed", marker="test-all-summary", retries=50)
    await user.should_see("Tested 14 providers: 12 passed, 2 failed")
    assert len(user.find(marker="provider-card").elements) == 14


async def test_card_shows_gptload_test_model_and_the_edit_dialog_picks_it(user: User, w, recorder):
    await add_provider(w, "acme", ["text-embedding-3-small", "chat-a", "chat-b"])
    await open_cards(user)
    await user.should_see("GPT-Load test model: chat-a (automatic)", retries=30)  # never the embedding model
    user.find(kind=ui.button, content="Edit").click()
    await user.should_see(marker="test-model")
    select = user.find(marker="test-model").elements.pop()
    assert set(select.options) == {"", "text-embedding-3-small", "chat-a", "chat-b"}  # automatic + active models
    user.find(marker="test-model").trigger("update:modelValue", "typo-model")  # typed as a new value
    assert select.value == "typo-model"  # not an active model: refused with the reason, the dialog stays open
    user.find(marker="dialog-save").click()
    await user.should_see(content="Pick one of the provider's active models", marker="dialog-result")
    user.find(marker="test-model").click()  # open it, then pick an option
    user.find("chat-b").click()
    assert select.value == "chat-b"
    user.find(marker="dialog-save").click()
    await user.should_see("GPT-Load test model: chat-b (your pick)")
    [stored] = await providers.list_providers(w.services)
    assert (stored.test_model, stored.gptload_test_model) == ("chat-b", "chat-b")

    user.find(kind=ui.button, content="Edit").click()
    await user.should_see(marker="test-model")
    user.find(marker="test-model").elements.pop().value = ""  # back to automatic
    user.find(marker="dialog-save").click()
    await user.should_see("GPT-Load test model: chat-a (automatic)")
    [stored] = await providers.list_providers(w.services)
    assert stored.test_model is None


async def test_add_offers_the_url_that_answers_and_uses_it_in_one_click(user: User, w, recorder):
    account = w.fake.add("openai", "reseller.test", [fake_key("r")], ["m-1"], prefix="/api")
    typed = account.base_url.removesuffix("/v1")  # https://reseller.test/api: its /models answers 404
    recorder.typed_by_user(fake_key("r"))
    await user.open("/")
    user.find("Add provider").click()
    user.find("Name").type("reseller")
    user.find("Base URL").type(typed)
    user.find("API keys").type(fake_key("r"))
    user.find(kind=ui.button, content="Test connection").click()
    await user.should_see(content=f"The provider answers at {account.base_url}", marker="suggested-url")
    user.find(marker="use-suggested-url").click()
    assert user.find(kind=ui.input, content="Base URL").elements.pop().value == account.base_url
    await user.should_see(content="test or save again", marker="dialog-result")

    user.find(kind=ui.input, content="Base URL").clear().type(typed)  # Save checks the same way and offers the same fix
    user.find(marker="dialog-save").click()
    await user.should_see(content=f"The provider answers at {account.base_url}", marker="suggested-url")
    user.find(marker="use-suggested-url").click()
    user.find(marker="dialog-save").click()
    await user.should_see("Added reseller with 1 model")
    [stored] = await providers.list_providers(w.services)
    assert stored.base_url == account.base_url


async def test_a_provider_that_is_down_can_be_saved_without_checking(user: User, w, recorder):
    account = w.fake.add("openai", "down.test", [fake_key("down")], ["m-1"], failure="500")
    recorder.typed_by_user(fake_key("down"))
    await open_cards(user)
    user.find("Add provider").click()
    user.find("Name").type("down")
    user.find("Base URL").type(account.base_url)
    user.find("API keys").type(fake_key("down"))
    user.find(marker="dialog-save").click()
    await user.should_see(content="The server answered with an error", marker="dialog-result")
    assert await providers.list_providers(w.services) == []
    user.find("Models (one per line)").type("m-1\nm-2\n")
    user.find(marker="save-unchecked").click()
    await user.should_see("Added down with 2 models (Saved without checking")
    await user.should_see(marker="untested")  # the card says so until it is tested or fetched
    [stored] = await providers.list_providers(w.services)
    assert (stored.model_count, stored.last_fetched_at, stored.last_test_ok) == (2, None, None)


async def test_escape_and_cancel_ask_before_discarding_typed_input(user: User, w, recorder):
    recorder.typed_by_user(fake_key("pasted"))
    await user.open("/")
    user.find("Add provider").click()
    dialog = dialog_of(user)
    assert dialog.props.get("persistent") is True  # Escape and clicks outside no longer close it by themselves
    user.find(kind=ui.dialog).trigger("shake")  # what Quasar emits for Escape on a persistent dialog
    await user.should_not_see(kind=ui.dialog)  # nothing typed: closed at once
    assert dialog.is_deleted

    user.find("Add provider").click()
    user.find("API keys").type(fake_key("pasted"))
    user.find(kind=ui.dialog).trigger("shake")
    await user.should_see(marker="discard-question")
    user.find(marker="keep-editing").click()
    await user.should_not_see(marker="discard-question")
    assert user.find("API keys").elements.pop().value == fake_key("pasted")

    user.find(marker="dialog-cancel").click()
    await user.should_see(marker="discard-question")
    user.find(marker="discard").click()
    await user.should_not_see("API keys")
    assert await providers.list_providers(w.services) == []


async def test_enter_in_a_field_saves(user: User, w, recorder):
    account = w.fake.add("openai", "enter.test", [fake_key("e")], ["m-1"])
    recorder.typed_by_user(fake_key("e"))
    await user.open("/")
    user.find("Add provider").click()
    user.find("API keys").type(fake_key("e"))
    user.find("Name").type("enter")
    user.find("Base URL").type(account.base_url).trigger("keydown.enter")
    await user.should_see("Added enter with 1 model")


async def test_edit_adds_and_removes_single_keys(user: User, w, recorder):
    account = await add_provider(w, "keys", ["m-1"], keys=3)
    _, second, third = account.keys
    await providers.update_provider(w.services, 1, providers.ProviderUpdate(remove_api_keys=[key_fingerprint(third)]))
    recorder.typed_by_user(third)
    await open_cards(user)
    await user.should_see("Keys: sk-…cdef, sk-…cdef", retries=30)
    user.find(kind=ui.button, content="Edit").click()
    await user.should_see(marker="remove-key-1")
    user.find(marker="remove-key-0").click()
    await user.should_see("removed on save")
    user.find("Add keys").type(third)
    user.find(marker="dialog-save").click()
    await user.should_see("Saved keys")
    [stored] = await providers.list_providers(w.services)
    assert stored.api_key_fingerprints == [key_fingerprint(second), key_fingerprint(third)]


async def test_fetch_warns_and_offers_manual_entry_only_when_nothing_is_listed(user: User, w, recorder):
    account = await add_provider(w, "f", ["kept"])
    account.models[:] = ["kept", "new", "bad\x07name"]
    await open_cards(user)
    await user.should_see("Models: 1 active / 1 total", retries=30)
    user.find(kind=ui.button, content="Fetch models").click()
    await user.should_see("f: 1 added, 0 disappeared upstream. Skipped 1 listed model name(s)")
    await user.should_not_see("Add one by hand")  # models were listed: no manual entry
    account.models.clear()
    user.find(kind=ui.button, content="Fetch models").click()
    await user.should_see("listed no models. Add one by hand:")


async def test_header_refreshes_after_a_dashboard_action_not_only_on_its_timer(user: User, w, recorder):
    await add_provider(w, "h", ["m"])
    await user.open("/")
    await user.should_see("http://gptload.test connected", retries=30)
    w.gptload.down = True
    user.find("Test all").click()
    await user.should_see(content="1 passed", marker="test-all-summary")
    await user.should_see("http://gptload.test disconnected", retries=20)  # the 30 s timer is far away


async def test_too_many_keys_for_one_check_are_refused_with_a_sentence_not_a_stuck_dialog(user: User, w, recorder):
    await user.open("/")
    user.find("Add provider").click()
    user.find("Name").type("bulk")
    user.find("Base URL").type("https://bulk.test/v1")
    user.find("API keys").type("\n".join(f"sk-bulk-{i:04d}-0123456789abcdef" for i in range(150)))
    user.find(kind=ui.button, content="Test connection").click()
    await user.should_see(content="Some input is not valid.", marker="dialog-result")
    await user.should_see(content="api_keys: at most 100 items, not 150.", marker="dialog-result")  # which, how
    assert w.fake.calls == []  # refused before any request to the provider
