"""Every exposed name in one place: the spelling-variant rule, the listing and its filters, renaming everywhere."""

from __future__ import annotations

import pytest

from core import exposed_models, providers
from core.catalog import Changes, apply_changes
from core.errors import ConfirmationRequired, InvalidInput, NotFound
from core.exposed_models import (
    ExposedQuery,
    filter_exposed,
    group_exposed,
    rename_impact,
    renames_for,
    variant_key,
    with_rename,
)
from core.impact import ModelRow, ProviderRow, Registry, load_registry
from core.models import Model
from core.providers import ProviderCreate
from tests.conftest import fake_key


@pytest.mark.parametrize(
    ("a", "b", "variants"),
    [
        ("deepseek-v3.1", "DeepSeek-V3.1", True),  # case
        ("deepseek-ai/DeepSeek-V3.1", "deepseek-v3.1", True),  # org/ prefix
        ("qwen2.5", "qwen-2.5", True),  # separators
        ("qwen_2.5", "qwen-2-5", True),
        ("glm:4", "glm4", True),
        ("a/b/Model", "model", True),  # the last path segment is the name
        ("Straße", "STRASSE", True),  # case folding, not only lowercasing
        ("gpt-4o", "gpt-4", False),  # a version number stays apart
        ("gpt-4o", "gpt-4o-mini", False),
        ("llama-3:free", "llama-3", False),  # a suffix is another name, not a spelling
        ("claude 3", "claude-3", False),  # a blank is not a separator
        ("--", "__", False),  # nothing left: only a variant of itself
        ("--", "--", True),
        ("org/", "org", True),  # a trailing slash is a separator
    ],
)
def test_spelling_variants_differ_only_in_case_separators_and_an_org_prefix(a, b, variants):
    assert (variant_key(a) == variant_key(b)) is variants


PROVIDERS = {
    1: ProviderRow(1, "alpha", "openai", "https://a.test/v1"),
    2: ProviderRow(2, "beta", "openai", "https://b.test/v1"),
    3: ProviderRow(3, "gemma", "gemini", "https://g.test/v1beta"),
}


def registry(*models: tuple[int, int, str, str | None, bool]) -> Registry:
    return Registry(PROVIDERS, {m[0]: ModelRow(*m) for m in models})


REGISTRY = registry(
    (1, 1, "deepseek-ai/DeepSeek-V3.1", "deepseek-v3.1", True),
    (2, 2, "deepseek-v3.1", None, True),  # the same name at another provider of the class: an aggregate
    (3, 1, "DeepSeek-V3.1", None, True),  # a spelling variant
    (4, 3, "gemini-pro", None, True),
    (5, 1, "gemini-pro", None, True),  # same name, other class: no aggregate
    (6, 2, "old", None, False),  # only a deleted model: a deleted name
    (7, 2, "Old", None, True),
    (8, 2, "gone", "gemini-pro", False),  # a deleted model behind an active name
)


def test_the_listing_groups_every_model_under_its_exposed_name():
    found = {
        i.name: (
            [(s.provider_name, s.original_name, s.active) for s in i.providers],
            i.classes,
            i.aggregate,
            i.active,
            i.provider_count,
        )
        for i in group_exposed(REGISTRY)
    }
    assert found == {
        "deepseek-v3.1": (
            [("alpha", "deepseek-ai/DeepSeek-V3.1", True), ("beta", "deepseek-v3.1", True)],
            ["openai /v1/chat/completions"],
            True,
            True,
            2,
        ),
        "DeepSeek-V3.1": ([("alpha", "DeepSeek-V3.1", True)], ["openai /v1/chat/completions"], False, True, 1),
        "gemini-pro": (
            [("alpha", "gemini-pro", True), ("beta", "gone", False), ("gemma", "gemini-pro", True)],
            ["gemini", "openai /v1/chat/completions"],
            False,
            True,
            2,
        ),
        "old": ([("beta", "old", False)], ["openai /v1/chat/completions"], False, False, 1),
        "Old": ([("beta", "Old", True)], ["openai /v1/chat/completions"], False, True, 1),
    }
    assert [i.name for i in group_exposed(REGISTRY)] == ["DeepSeek-V3.1", "deepseek-v3.1", "gemini-pro", "Old", "old"]


def test_two_models_of_one_provider_under_one_name_are_an_aggregate_too():
    (item,) = group_exposed(registry((1, 1, "a", "x", True), (2, 1, "b", "x", True)))
    assert (item.aggregate, item.provider_count) == (True, 1)


def test_deleted_models_never_make_an_aggregate():
    (item,) = group_exposed(registry((1, 1, "x", None, True), (2, 2, "x", None, False)))
    assert (item.aggregate, item.provider_count) == (False, 1)


@pytest.mark.parametrize(
    ("query", "names"),
    [
        (ExposedQuery(), ["DeepSeek-V3.1", "deepseek-v3.1", "gemini-pro", "Old", "old"]),
        (ExposedQuery(only_single_provider=True), ["DeepSeek-V3.1", "Old", "old"]),
        (ExposedQuery(variants_of="deepseek-ai/deepseek_v3.1"), ["DeepSeek-V3.1", "deepseek-v3.1"]),
        (ExposedQuery(variants_of="nothing-like-it"), []),
        (ExposedQuery(only_variants=True), ["DeepSeek-V3.1", "deepseek-v3.1", "Old", "old"]),
        # variants are found among all names: the one-provider filter keeps a name whose variant it hides
        (ExposedQuery(only_variants=True, only_single_provider=True), ["DeepSeek-V3.1", "Old", "old"]),
        (ExposedQuery(search="DEEPSEEK-AI"), ["deepseek-v3.1"]),  # an original name, ignoring case
        (ExposedQuery(search="gemma"), ["gemini-pro"]),  # a provider name
        (ExposedQuery(search="  old "), ["Old", "old"]),
        (ExposedQuery(search="old", only_single_provider=True, variants_of="OLD"), ["Old", "old"]),
    ],
)
def test_filters(query, names):
    assert [i.name for i in filter_exposed(group_exposed(REGISTRY), query)] == names


def test_variants_come_next_to_each_other():
    reg = registry(
        (1, 1, "b-model", None, True),
        (2, 1, "a_model", None, True),
        (3, 2, "B.Model", None, True),
        (4, 2, "ab", None, True),
        (5, 2, "A-Model", None, True),
    )
    names = [i.name for i in filter_exposed(group_exposed(reg), ExposedQuery(only_variants=True))]
    assert names == ["A-Model", "a_model", "b-model", "B.Model"]


@pytest.mark.parametrize(
    ("pending", "names", "to", "after"),
    [
        ({}, ["A"], "B", {"A": "B"}),
        ({}, ["A", "B"], "B", {"A": "B"}),  # merging into one of the names: that one stays as it is
        ({"A": "B"}, ["A"], "C", {"A": "C"}),  # a second rename of a name replaces the first
        ({"A": "B"}, ["A"], "A", {}),  # renamed back: nothing pending
        ({"A": "B"}, ["C", "D"], "E", {"A": "B", "C": "E", "D": "E"}),
    ],
)
def test_pending_renames_by_name(pending, names, to, after):
    assert with_rename(pending, names, to) == after


def test_renames_for_touches_every_model_under_the_names_deleted_ones_too():
    assert renames_for(REGISTRY, {"gemini-pro": "gemini-1.0-pro", "old": "Old"}) == {
        4: "gemini-1.0-pro",
        5: "gemini-1.0-pro",
        6: "Old",
        8: "gemini-1.0-pro",
    }


def test_rename_impact_names_the_duplicate_inside_a_provider_a_merge_makes():
    impact = rename_impact(REGISTRY, {"DeepSeek-V3.1": "deepseek-v3.1"})
    assert impact.within_provider == {"deepseek-v3.1": ["DeepSeek-V3.1", "deepseek-ai/DeepSeek-V3.1", "deepseek-v3.1"]}
    assert [s.aggregate for s in impact.split] == ["deepseek-v3-1-aggregate"]


# ----- against the stored registry


async def add(services, fake, name: str, models: list[str]) -> int:
    account = fake.add("openai", f"{name}.test", [fake_key(name)], models)
    data = ProviderCreate(name=name, base_url=account.base_url, channel_type="openai", api_keys=account.keys)
    return (await providers.create_provider(services, data)).id


async def exposed() -> dict[int, str]:
    rows = await Model.all().values_list("id", "original_name", "normalized_name")
    return {i: normalized or original for i, original, normalized in rows}


async def test_rename_everywhere_renames_every_model_under_the_name(services, fake):
    await add(services, fake, "alpha", ["deepseek-ai/DeepSeek-V3.1", "other"])
    await add(services, fake, "beta", ["deepseek-ai/DeepSeek-V3.1"])
    result = await exposed_models.rename_exposed(services, {"deepseek-ai/DeepSeek-V3.1": "deepseek-v3.1"})
    assert result.renamed == 2
    assert sorted((await exposed()).values()) == ["deepseek-v3.1", "deepseek-v3.1", "other"]
    (item,) = filter_exposed(group_exposed(await load_registry()), ExposedQuery(search="deepseek"))
    assert (item.name, item.aggregate, item.provider_count) == ("deepseek-v3.1", True, 2)


async def test_merging_names_of_one_provider_asks_first_then_saves_when_confirmed(services, fake):
    await add(services, fake, "alpha", ["DeepSeek-V3.1", "deepseek-v3.1"])
    await add(services, fake, "beta", ["deepseek-ai/DeepSeek-V3.1"])
    before = await exposed()
    merge = dict.fromkeys(["DeepSeek-V3.1", "deepseek-ai/DeepSeek-V3.1"], "deepseek-v3.1")

    with pytest.raises(ConfirmationRequired) as refused:
        await exposed_models.rename_exposed(services, merge)
    assert refused.value.code == "confirm_duplicates"
    # the duplicate inside alpha, with every model of the class that would serve the name
    originals = ["DeepSeek-V3.1", "deepseek-v3.1", "deepseek-ai/DeepSeek-V3.1"]
    assert refused.value.extra["duplicates"] == {"deepseek-v3.1": originals}
    assert refused.value.extra["impact"]["split"][0]["aggregate"] == "deepseek-v3-1-aggregate"
    assert await exposed() == before  # nothing written

    result = await exposed_models.rename_exposed(services, merge, confirm_duplicates=True)
    assert result.renamed == 2  # the model already called deepseek-v3.1 is left as it is
    assert set((await exposed()).values()) == {"deepseek-v3.1"}


async def test_renaming_a_name_back_to_a_models_original_clears_its_normalized_name(services, fake):
    provider_id = await add(services, fake, "alpha", ["gpt-4o"])
    (model_id,) = await Model.filter(provider_id=provider_id).values_list("id", flat=True)
    await apply_changes(services, Changes(renames={model_id: "GPT 4o"}))
    await exposed_models.rename_exposed(services, {"GPT 4o": "gpt-4o"})
    assert await Model.filter(id=model_id).values_list("normalized_name", flat=True) == [None]


@pytest.mark.parametrize(
    ("mapping", "error", "code"),
    [
        ({}, InvalidInput, "invalid_input"),
        ({"gpt-4o": "  "}, InvalidInput, "invalid_name"),
        ({"gpt-4o": "a\nb"}, InvalidInput, "invalid_name"),
        ({"gpt-4o": "x", "no-such-name": "x"}, NotFound, "not_found"),
    ],
)
async def test_a_bad_rename_changes_nothing(services, fake, mapping, error, code):
    await add(services, fake, "alpha", ["gpt-4o"])
    before = await exposed()
    with pytest.raises(error) as refused:
        await exposed_models.rename_exposed(services, mapping)
    assert refused.value.code == code
    assert await exposed() == before
