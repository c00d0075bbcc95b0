"""Group-name slugs and suggestions (pure, table-driven)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.naming import GROUP_NAME, fit, slug, suggest_name, unique_slugs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DeepSeek-V3.1", "deepseek-v3-1"),
        ("deepseek-ai/DeepSeek-V3.1 (preview)", "deepseek-ai-deepseek-v3-1-preview"),
        ("  Qwen  3 ", "qwen-3"),
        ("a__b", "a__b"),
        ("--x--", "x"),
        ("模型", "x"),
        ("", "x"),
    ],
)
def test_slug(text, expected):
    assert slug(text) == expected


def test_unique_slugs_give_colliding_inputs_a_stable_suffix_but_keep_clean_names():
    result = unique_slugs(["GPT-4o", "gpt-4o", "gpt.4o", "o3"])
    assert result["gpt-4o"] == "gpt-4o" and result["o3"] == "o3"
    assert result["GPT-4o"].startswith("gpt-4o-") and result["gpt.4o"].startswith("gpt-4o-")
    assert len(set(result.values())) == 4
    assert unique_slugs(["gpt.4o", "GPT-4o", "gpt-4o"]) == {k: result[k] for k in ("gpt.4o", "GPT-4o", "gpt-4o")}


def test_fit_cuts_long_names_with_a_hash_and_keeps_the_suffix():
    name = fit("x" * 120, suffix="-aggregate", identity="one")
    assert len(name) == 100 and name.endswith("-aggregate") and GROUP_NAME.match(name)
    assert fit("x" * 120, suffix="-aggregate", identity="two") != name
    assert fit("short", suffix="-aggregate") == "short-aggregate"


@given(st.text(max_size=300), st.text(max_size=30).map(lambda t: "-" + slug(t)))
def test_every_fitted_slug_is_a_valid_group_name(text, suffix):
    assert GROUP_NAME.match(fit(slug(text), suffix=suffix, identity=text))


@pytest.mark.parametrize(
    ("original", "suggestion"),
    [("deepseek-ai/DeepSeek-V3.1", "deepseek-v3.1"), ("gpt-4o", "gpt-4o"), ("models/Gemini-Pro", "gemini-pro")],
)
def test_suggest_name(original, suggestion):
    assert suggest_name(original) == suggestion
