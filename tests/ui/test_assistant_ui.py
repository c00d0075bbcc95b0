"""Operator stories on the normalization assistant (issue 14 §3): suggestions with their explanation, models and
impact; accept two, save through the workbench's confirmation, find the registry renamed; save a rule, see it
listed and suggested first; reject and bring back; disable a rule and see it go."""

from __future__ import annotations

from nicegui import ui
from nicegui.testing import User

from core import providers
from core.models import Model, NormalizationRule
from core.providers import ProviderCreate
from tests.conftest import fake_key


async def add(w, name: str, models: list[str]) -> int:
    account = w.fake.add("openai", f"{name}.test", [fake_key(name)], models)
    data = ProviderCreate(name=name, base_url=account.base_url, channel_type="openai", api_keys=account.keys)
    return (await providers.create_provider(w.services, data)).id


async def exposed_names() -> dict[str, str]:
    rows = await Model.all().values_list("original_name", "normalized_name")
    return {original: normalized or original for original, normalized in rows}


def tick(user: User, heading: str) -> None:
    """Tick the suggestion card whose heading is exactly ``heading``."""
    [box] = [b for b in user.find(marker="suggestion-tick").elements if b.text == heading]
    box.value = True


async def open_assistant(user: User) -> None:
    await user.open("/assistant")
    await user.should_see(marker="rules-panel")


async def test_two_accepted_suggestions_are_saved_in_one_confirmed_batch(user: User, w, recorder):
    await add(w, "acme", ["deepseek-ai/DeepSeek-V3.1", "Qwen/Qwen3-32B", "gpt-4o"])
    await add(w, "beta", ["DeepSeek-V3.1", "gpt-4o-2024-08-06"])
    await open_assistant(user)

    await user.should_see("Drop the vendor prefix `deepseek-ai/`: clients call the model by its own name.")
    await user.should_see("Lowercase every letter, so names that differ only in case become one.")
    await user.should_see(content="acme: deepseek-ai/DeepSeek-V3.1 → DeepSeek-V3.1", marker="suggestion-change")
    await user.should_see(content="beta: DeepSeek-V3.1 → deepseek-v3.1", marker="suggestion-change")
    # Impacts are worked out once the cards are drawn (a timer): give them a moment.
    await user.should_see("Creates 1 shared name (0 inside one provider) and 1 aggregate:", retries=30)
    await user.should_see(content="deepseek-v3-1-aggregate", marker="suggestion-split")  # the prefix card's aggregate
    await user.should_see(content="beta: gpt-4o-2024-08-06 → gpt-4o", marker="suggestion-change")  # acme has gpt-4o

    tick(user, "Drop a vendor prefix: deepseek-ai/")
    tick(user, "Lowercase")
    user.find(marker="accept-selected").click()
    await user.should_see(content="Pending renames: 3", marker="pending-count", retries=30)
    await user.should_see("acme: deepseek-ai/DeepSeek-V3.1 → deepseek-v3.1")  # both rules, in their order
    await user.should_not_see("Drop the vendor prefix `deepseek-ai/`: clients call the model by its own name.")
    assert (await exposed_names())["DeepSeek-V3.1"] == "DeepSeek-V3.1"  # nothing written before Save

    user.find(marker="assistant-save").click()
    await user.should_see("Save 3 changes to acme, beta?", retries=30)
    await user.should_see(
        content="deepseek-v3.1 ← acme: deepseek-ai/DeepSeek-V3.1, beta: DeepSeek-V3.1", marker="save-shared"
    )
    user.find(marker="save-confirm").click()
    await user.should_see("Saved 3 renames. Next: click Sync Configuration.", retries=30)

    assert await exposed_names() == {
        "deepseek-ai/DeepSeek-V3.1": "deepseek-v3.1",
        "Qwen/Qwen3-32B": "qwen/qwen3-32b",
        "gpt-4o": "gpt-4o",
        "DeepSeek-V3.1": "deepseek-v3.1",
        "gpt-4o-2024-08-06": "gpt-4o-2024-08-06",
    }
    await user.should_not_see(marker="pending-renames")
    await user.should_see("Drop a vendor prefix: qwen/", retries=30)  # what is left, on the names as saved


async def test_a_saved_rule_is_listed_and_used_for_the_next_suggestions(user: User, w, recorder):
    await add(w, "acme", ["llama-3.3-70b-instruct", "qwen3-32b-instruct", "gpt-4o"])
    await open_assistant(user)
    await user.should_see("No saved rules.")
    await user.should_not_see("Drop the provider suffix `-instruct`.")

    user.find(marker="rule-kind").elements.pop().value = "strip_suffix"
    user.find(marker="rule-param").type("-instruct")
    user.find(marker="rule-save").click()

    await user.should_see("Saved: Drop the provider suffix `-instruct`.")
    await user.should_see(content="Drop the provider suffix `-instruct`.", marker="saved-rule-explanation")
    await user.should_see(content="Drop the provider suffix `-instruct`.", marker="suggestion-explanation")
    await user.should_see(content="acme: llama-3.3-70b-instruct → llama-3.3-70b", marker="suggestion-change")
    assert await NormalizationRule.all().values_list("kind", "params") == [("strip_suffix", {"suffix": "-instruct"})]

    user.find(marker="rule-enabled").click()  # off: no longer suggested
    await user.should_not_see(content="Drop the provider suffix `-instruct`.", marker="suggestion-explanation")
    await user.should_see("No suggestions: every name follows the rules.")


async def test_a_rejected_suggestion_is_hidden_until_shown_again(user: User, w, recorder):
    await add(w, "acme", ["GPT-4o", "o3:free"])
    await open_assistant(user)
    await user.should_see("Drop the provider suffix `:free`.")

    tick(user, "Drop a provider suffix: :free")
    user.find(marker="reject-selected").click()
    await user.should_not_see("Drop the provider suffix `:free`.")
    await user.should_see("Suggestions 1–1 of 1")

    user.find(kind=ui.button, content="Show rejected again").click()
    await user.should_see("Drop the provider suffix `:free`.")


async def test_a_suggestion_saved_as_a_rule_is_marked_saved(user: User, w, recorder):
    await add(w, "acme", ["deepseek-ai/DeepSeek-R1"])
    await open_assistant(user)
    user.find(marker="save-as-rule").click()  # the first card: the prefix
    await user.should_see(
        content="Drop the vendor prefix `deepseek-ai/`: clients call the model by its own name.",
        marker="saved-rule-explanation",
    )
    await user.should_see(marker="saved-badge")
    assert await NormalizationRule.all().values_list("kind", flat=True) == ["strip_prefix"]
