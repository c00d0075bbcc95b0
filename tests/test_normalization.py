"""The normalization rules (core.normalization): one table row per rule and case, the guards, properties of applying
every suggestion, and the assistant's impact (core.normalization_suggestions) against the whole registry's."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import catalog
from core.errors import InvalidInput
from core.impact import Edits, ModelRow, ProviderRow, Registry, edit_impact
from core.normalization import (
    KINDS,
    MAX_NAME,
    Names,
    compose,
    found_rules,
    make_rule,
    propose,
    rule_order,
    separator_key,
    suggest,
    suggest_names,
    version,
)
from core.normalization_suggestions import build_review

PREFIX = make_rule("strip_prefix", {"prefix": "deepseek-ai/"})
ORG = make_rule("strip_org")
LOWER = make_rule("lowercase")
FREE = make_rule("strip_suffix", {"suffix": ":free"})
LATEST = make_rule("strip_suffix", {"suffix": "-latest"})
DATE = make_rule("strip_date")
SEPARATORS = make_rule("separators")

# (rule, name, the other names, what the rule proposes: None = no change)
CASES = [
    pytest.param(PREFIX, "deepseek-ai/DeepSeek-V3.1", [], "DeepSeek-V3.1", id="prefix-stripped"),
    pytest.param(PREFIX, "DeepSeek-V3.1", [], None, id="prefix-absent"),
    pytest.param(PREFIX, "deepseek-ai/", [], None, id="prefix-only-would-be-empty"),
    pytest.param(make_rule("strip_prefix", {"prefix": "Qwen/"}), "qwen/qwen3", [], None, id="prefix-is-exact"),
    pytest.param(
        make_rule("strip_prefix", {"prefix": "models/"}),
        "models/gemini-2.5-pro",
        [],
        "gemini-2.5-pro",
        id="prefix-models",
    ),
    pytest.param(ORG, "accounts/fireworks/models/llama-v3p1", [], "llama-v3p1", id="org-up-to-last-slash"),
    pytest.param(ORG, "gpt-4o", [], None, id="org-absent"),
    pytest.param(ORG, "vendor/ gpt-4o", [], "gpt-4o", id="org-outer-blank-trimmed"),
    pytest.param(LOWER, "DeepSeek-V3.1", [], "deepseek-v3.1", id="lowercase"),
    pytest.param(LOWER, "deepseek-v3.1", [], None, id="lowercase-already"),
    pytest.param(LOWER, "ᴀ" * MAX_NAME, [], None, id="lowercase-same-when-no-case"),
    pytest.param(LOWER, "İ" * MAX_NAME, [], None, id="lowercase-refused-when-it-grows-past-the-limit"),
    pytest.param(
        FREE, "meta-llama/llama-3.3-70b-instruct:free", [], "meta-llama/llama-3.3-70b-instruct", id="suffix-free"
    ),
    pytest.param(FREE, ":free", [], None, id="suffix-only-would-be-empty"),
    pytest.param(LATEST, "chatgpt-4o-latest", [], "chatgpt-4o", id="suffix-latest"),
    pytest.param(make_rule("strip_suffix", {"suffix": "o"}), "gpt-4o", [], None, id="suffix-refused-changes-version"),
    pytest.param(DATE, "gpt-4o-2024-08-06", ["gpt-4o"], "gpt-4o", id="date-iso"),
    pytest.param(DATE, "claude-3-5-sonnet-20240620", ["claude-3-5-sonnet"], "claude-3-5-sonnet", id="date-compact"),
    pytest.param(DATE, "gpt-4-0613", ["gpt-4"], "gpt-4", id="date-mmdd"),
    pytest.param(DATE, "claude-3-5-sonnet@20240620", ["claude-3-5-sonnet"], "claude-3-5-sonnet", id="date-at"),
    pytest.param(DATE, "gpt-4o-2024-08-06", [], None, id="date-kept-without-dateless-name"),
    pytest.param(DATE, "gpt-4o-2024-08-06", ["gpt-4"], None, id="date-kept-when-only-another-version-exists"),
    pytest.param(DATE, "model-0613", ["model"], None, id="date-mmdd-needs-a-version-before-it"),
    pytest.param(DATE, "qwen3-235b-a22b-2507", ["qwen3-235b-a22b"], None, id="date-yymm-is-no-date"),
    pytest.param(DATE, "mistral-large-2411", ["mistral-large"], None, id="date-invalid-month"),
    pytest.param(DATE, "gpt-4-1106-preview", ["gpt-4-preview"], None, id="date-only-trailing"),
    pytest.param(SEPARATORS, "qwen-2.5", ["qwen2.5", "qwen2.5"], "qwen2.5", id="separators-most-common"),
    pytest.param(SEPARATORS, "qwen-2.5", ["qwen2.5"], "qwen2.5", id="separators-tie-then-shortest"),
    pytest.param(SEPARATORS, "qwen_2.5", ["qwen-2.5"], "qwen-2.5", id="separators-tie-then-alphabetical"),
    pytest.param(SEPARATORS, "qwen-2.5", ["qwen_2.5"], None, id="separators-the-chosen-spelling-stays"),
    pytest.param(SEPARATORS, "qwen 2.5", ["qwen2.5"], "qwen2.5", id="separators-blank"),
    pytest.param(SEPARATORS, "llama_3_1_70b", ["llama-3-1-70b"], "llama-3-1-70b", id="separators-underscores"),
    pytest.param(SEPARATORS, "qwen2.5", ["qwen2"], None, id="separators-never-another-version"),
    pytest.param(SEPARATORS, "qwen2-5", ["qwen2.5"], None, id="separators-dot-is-no-separator"),
    pytest.param(SEPARATORS, "gpt-4o", ["gpt-4-o", "gpt-4-o"], None, id="separators-after-a-number-untouched"),
    pytest.param(SEPARATORS, "qwen-2.5", [], None, id="separators-alone"),
]


@pytest.mark.parametrize(("rule", "name", "others", "expected"), CASES)
def test_each_rule_proposes_exactly_this(rule, name, others, expected):
    assert propose(name, rule, Names([name, *others])) == expected


VERSIONS = [
    ("gpt-4o", ("4o",)),
    ("gpt-4", ("4",)),
    ("qwen2.5", ("2", "5")),
    ("Qwen/Qwen2.5-72B-Instruct", ("2", "5", "72b")),
    ("claude-3-5-sonnet", ("3", "5")),
    ("claude-3-sonnet", ("3",)),
    ("01-ai/Yi-34B", ("34b",)),
    ("gpt-4o-2024-08-06:free", ("4o",)),
    ("gpt-4-0613", ("4",)),
    ("model-0613", ("0613",)),
]


@pytest.mark.parametrize(("name", "expected"), VERSIONS, ids=[v[0] for v in VERSIONS])
def test_version_is_the_numbers_without_org_prefix_and_dates(name, expected):
    assert version(name) == expected


@pytest.mark.parametrize(
    ("before", "after"),
    [("gpt-4o", "gpt-4"), ("qwen2.5", "qwen2"), ("claude-3-5-sonnet", "claude-3-sonnet"), ("o3", "o1")],
)
def test_versions_that_differ_are_told_apart(before, after):
    assert version(before) != version(after)


def test_separator_variants_share_a_key():
    assert separator_key("qwen2.5") == separator_key("qwen-2.5") == separator_key("qwen_2.5") == "qwen2.5"


def test_canonical_spelling_is_most_common_then_shortest_then_alphabetical():
    assert Names(["qwen-2.5", "qwen-2.5", "qwen2.5"]).canonical("qwen2.5") == "qwen-2.5"
    assert Names(["qwen-2.5", "qwen2.5"]).canonical("qwen-2.5") == "qwen2.5"
    assert Names(["qwen_2.5", "qwen-2.5"]).canonical("qwen_2.5") == "qwen-2.5"


@pytest.mark.parametrize(
    ("kind", "params", "error"),
    [
        ("nope", {}, "Unknown rule kind"),
        ("strip_prefix", {}, "takes prefix"),
        ("lowercase", {"x": "y"}, "takes no parameters"),
        ("strip_suffix", {"suffix": ""}, "not empty"),
        ("strip_suffix", {"suffix": " :free"}, "outer blanks"),
        ("strip_prefix", {"prefix": "a\x00/"}, "control characters"),
        ("strip_prefix", {"prefix": "x" * 101}, "at most 100"),
        ("strip_prefix", {"prefix": 3}, "must be text"),
    ],
)
def test_make_rule_refuses_what_no_rule_can_be(kind, params, error):
    with pytest.raises(ValueError, match=error):
        make_rule(kind, params)


def test_every_kind_explains_itself_in_a_sentence():
    for kind, spec in KINDS.items():
        rule = make_rule(kind, dict.fromkeys(spec.params, "x/"))
        assert rule.explanation.endswith(".") and len(rule.explanation) > 20, kind


def test_found_rules_name_each_prefix_and_suffix_most_used_first():
    names = ["Qwen/Qwen3", "Qwen/Qwen2.5", "deepseek-ai/DeepSeek-V3", "llama:free", "x-latest", "llama3:8b"]
    assert [r.data for r in found_rules(names)] == [
        {"kind": "strip_prefix", "params": {"prefix": "Qwen/"}},
        {"kind": "strip_prefix", "params": {"prefix": "deepseek-ai/"}},
        {"kind": "lowercase", "params": {}},
        {"kind": "strip_suffix", "params": {"suffix": "-latest"}},
        {"kind": "strip_suffix", "params": {"suffix": ":free"}},
        {"kind": "strip_date", "params": {}},
        {"kind": "separators", "params": {}},
    ]


def test_rule_order_puts_saved_rules_first_and_never_a_disabled_one():
    saved = [make_rule("strip_suffix", {"suffix": "-instruct"}, rule_id=4)]
    order = rule_order(saved, [PREFIX, LOWER, DATE], disabled=[LOWER])
    assert order == [saved[0], PREFIX, DATE] and order[0].id == 4


def test_suggest_lists_per_rule_the_models_it_changes_within_scope():
    names = {
        1: "deepseek-ai/DeepSeek-V3.1",
        2: "DeepSeek-V3.1",
        3: "deepseek-v3.1",
        4: "gpt-4o-2024-08-06",
        5: "gpt-4o",
    }
    found = suggest(names, [PREFIX, LOWER, DATE], scope=[1, 2, 3, 4])
    changes = {s.rule.kind: [(c.model_id, c.before, c.after) for c in s.changes] for s in found}
    assert changes == {
        "strip_prefix": [(1, "deepseek-ai/DeepSeek-V3.1", "DeepSeek-V3.1")],
        "lowercase": [
            (1, "deepseek-ai/DeepSeek-V3.1", "deepseek-ai/deepseek-v3.1"),
            (2, "DeepSeek-V3.1", "deepseek-v3.1"),
        ],
        "strip_date": [(4, "gpt-4o-2024-08-06", "gpt-4o")],
    }


def test_compose_applies_accepted_rules_in_order_on_what_the_one_before_left():
    names = {1: "deepseek-ai/DeepSeek-V3.1", 2: "DeepSeek-V3.1", 3: "GPT-4o", 4: "gpt-4o-2024-08-06"}
    found = suggest(names, [PREFIX, LOWER, DATE])
    assert compose(names, found) == {1: "deepseek-v3.1", 2: "deepseek-v3.1", 3: "gpt-4o"}  # no dateless 4 yet
    assert compose(names, [s for s in found if s.rule != PREFIX]) == {
        1: "deepseek-ai/deepseek-v3.1", 2: "deepseek-v3.1", 3: "gpt-4o"
    }  # fmt: skip


def test_suggest_names_follows_the_spellings_the_registry_already_has():
    rules = [ORG, LOWER, DATE, SEPARATORS]
    suggested = suggest_names(["Qwen/Qwen-2.5-72B", "gpt-4o-2024-11-20", "o3"], rules, known=["qwen2.5-72b", "gpt-4o"])
    assert suggested == {"Qwen/Qwen-2.5-72B": "qwen2.5-72b", "gpt-4o-2024-11-20": "gpt-4o", "o3": "o3"}


def test_suggest_names_without_rules_keeps_every_name():
    assert suggest_names(["A/B", "C"], []) == {"A/B": "A/B", "C": "C"}


def test_the_name_limit_is_the_catalogs():
    assert MAX_NAME == catalog.MAX_NAME


# ----- properties: applying every suggestion


def often_empty(*texts: str) -> st.SearchStrategy[str]:
    return st.just("") | st.sampled_from(texts)  # half the time: names collide more, so merges get tried


VENDORS = often_empty("deepseek-ai/", "Qwen/", "models/", "meta-llama/", "01-ai/", "a/b/")
MODELS = st.sampled_from(["gpt", "GPT", "qwen", "Qwen", "claude", "DeepSeek-V", "Model", "o"])
SEPARATOR = st.sampled_from(["", "-", "_", " "])
DATES = often_empty("-2024-08-06", "-20240806", "-0613", "@20240620", "-1231")
SUFFIXES = often_empty(":free", "-latest", ":beta", ":Free")
TAILS = often_empty("-mini", "-Instruct", "-pro", "-o", "-b")
VERSION = st.tuples(st.integers(1, 4), st.none() | st.integers(0, 2), often_empty("o", "b"))


@st.composite
def generated_name(draw, models: st.SearchStrategy[str] = MODELS) -> tuple[str, tuple]:
    """``vendor/Model-X.Y-date:suffix`` and its version (X, Y, letter): the ground truth of the property."""
    major, minor, letter = draw(VERSION)
    number = f"{major}" if minor is None else f"{major}.{minor}"
    tail = draw(TAILS)
    name = f"{draw(VENDORS)}{draw(models)}{draw(SEPARATOR)}{number}{letter}{tail}{draw(DATES)}{draw(SUFFIXES)}"
    return name, (major, minor, letter)


REGISTRIES = st.lists(generated_name(), min_size=1, max_size=40)
# Saved rules as an operator may write them, some of which would change a version without the guard.
EXTRA_RULES = st.lists(
    st.sampled_from(
        [
            ORG,
            FREE,
            LATEST,
            make_rule("strip_prefix", {"prefix": "gpt"}),
            *(make_rule("strip_suffix", {"suffix": s}) for s in ("-mini", "o", "0", ".1", "1")),
        ]
    ),
    max_size=3,
)


def apply_everything(names: dict[int, str], saved) -> dict[int, str]:
    rules = rule_order(saved, found_rules(names.values()))
    return {**names, **compose(names, suggest(names, rules))}


@settings(max_examples=300, deadline=None)
@given(REGISTRIES, EXTRA_RULES)
def test_applying_all_suggestions_never_merges_names_that_differ_in_a_version(generated, saved):
    names = {i: name for i, (name, _) in enumerate(generated, start=1)}
    truth = {i: v for i, (_, v) in enumerate(generated, start=1)}
    final = apply_everything(names, saved)
    by_name: dict[str, set] = {}
    for model_id, name in final.items():
        by_name.setdefault(name, set()).add(truth[model_id])
    merged = {name: versions for name, versions in by_name.items() if len(versions) > 1}
    assert not merged, merged


# How a second version differs from the first: gpt-4o / gpt-4, qwen2.5 / qwen2, claude-3-5 / claude-3, 4 / 5.
VERSION_EDITS = {
    "drop the letter": lambda major, minor, letter: (major, minor, "" if letter else "o"),
    "drop the minor": lambda major, minor, letter: (major, None if minor is not None else 1, letter),
    "another major": lambda major, minor, letter: (major + 1, minor, letter),
}


@settings(max_examples=500, deadline=None)
@given(st.tuples(VENDORS, MODELS, SEPARATOR), VERSION, st.tuples(TAILS, DATES, SUFFIXES),
       st.sampled_from(sorted(VERSION_EDITS)), EXTRA_RULES)  # fmt: skip
def test_two_names_that_differ_only_in_their_version_stay_apart(head, first, rest, edit, saved):
    """The pointed case: ``gpt-4o`` / ``gpt-4``, ``qwen2.5`` / ``qwen2``, ``claude-3-5`` / ``claude-3``, each
    with the same prefix, separator, date stamp and suffix; applying every suggestion keeps them apart."""
    second = VERSION_EDITS[edit](*first)
    spelled = ["".join(head) + f"{major}{'' if minor is None else f'.{minor}'}{letter}" + "".join(rest)
               for major, minor, letter in (first, second)]  # fmt: skip
    final = apply_everything(dict(enumerate(spelled, start=1)), saved)
    assert final[1] != final[2], (spelled, final)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=40) | generated_name().map(lambda g: g[0]), min_size=1, max_size=30))
def test_applying_all_suggestions_never_produces_a_name_the_registry_refuses(texts):
    names = dict(enumerate(texts, start=1))  # whatever a provider lists, control characters included
    for model_id, name in apply_everything(names, [ORG, FREE]).items():
        if name != names[model_id]:
            assert stored_as_is(name), name


def stored_as_is(name: str) -> bool:
    try:
        return catalog.clean_model_name(name) == name
    except InvalidInput:
        return False


@settings(max_examples=200, deadline=None)
@given(REGISTRIES)
def test_suggested_changes_keep_each_models_version(generated):
    names = {i: name for i, (name, _) in enumerate(generated, start=1)}
    for suggestion in suggest(names, found_rules(names.values())):
        for change in suggestion.changes:
            assert version(change.before) == version(change.after)


# ----- the assistant's impact: asked of part of the registry, the whole registry's answer


def registry_of(names_per_provider: list[list[str]]) -> Registry:
    providers = {i: ProviderRow(i, f"p{i}", "openai", f"https://p{i}.test/v1") for i in range(1, 4)}
    models, next_id = {}, 1
    for provider_id, names in enumerate(names_per_provider, start=1):
        for name in dict.fromkeys(names):
            models[next_id] = ModelRow(next_id, provider_id, name, None, True)
            next_id += 1
    return Registry(providers, models)


NESTED = st.sampled_from(["a/a/m", "a/m", "m", "A/m", "M"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(generated_name().map(lambda g: g[0]) | NESTED, max_size=8), min_size=1, max_size=3))
def test_each_suggestions_impact_has_the_whole_registrys_duplicates(names_per_provider):
    registry = registry_of(names_per_provider)
    review = build_review(registry, [make_rule("strip_prefix", {"prefix": "a/"})])
    for suggestion in review.suggestions:
        renames = {c.model_id: c.after for c in suggestion.changes}
        part, whole = review.impact(renames), edit_impact(registry, Edits(renames=renames))
        assert part.duplicates == whole.duplicates
        assert {s.exposed_name for s in part.split} == {s.exposed_name for s in whole.split}


def test_a_model_renamed_away_from_a_name_does_not_count_as_serving_it():
    registry = registry_of([["a/a/m", "a/m"]])  # strip a/: a/a/m takes a/m, which itself becomes m
    strip_a = make_rule("strip_prefix", {"prefix": "a/"})
    review = build_review(registry, [strip_a])
    [suggestion] = [s for s in review.suggestions if s.rule == strip_a]
    assert review.impact({c.model_id: c.after for c in suggestion.changes}).duplicates == []
