"""Chinese and English on the Models page and the normalization assistant (issue 14 §5): a browser asking for
zh-CN gets both pages in Chinese through their main states (the grid and its filters, the selection, the merge
and save dialogs, the notifications; the suggestion cards with their impact, the saved rules and their refusals,
accepting and saving), and no text on them shows English words apart from the data; the same check finds the
English on the English pages. The rules' names and explanations are translated by kind, and their English is
core's own (REST keeps core's words).
"""

from __future__ import annotations

import re

import pytest
from nicegui import ui
from nicegui.testing import User

from core.catalog import Changes, apply_changes
from core.models import Model
from core.normalization import KINDS, make_rule
from tests.ui.chinese import NOT_THE_PAGES_WORDS, english_on_page, header_texts, shown_texts
from tests.ui.test_models_page_ui import GRID, add, pick, rows
from ui.assistant_rules import EXPLANATIONS, KIND_LABELS, PARAM_LABELS, TITLES
from ui.i18n import text_in
from ui.locales import EN, ZH
from ui.models_page import AGGREGATE_VALUES, STATUS_VALUES

SOLO = [f"solo-model-{i:02d}" for i in range(55)]  # more names than a page holds: the grid pages them
# The data of these tests: provider and model names, the aggregates made of them, a class's channel type.
DATA = re.compile(
    r"(alpha-one|beta-two|deepseek-ai/|DeepSeek|deepseek|Qwen|qwen|gpt-4o|o3:free|:free|solo-model)[\w.:/-]*|openai"
)
WORKING = "正在计算重复名称和聚合分组…"  # a card's impact, until the timer has worked it out
# An example value for each parameter a rule kind takes, to fill its sentence.
EXAMPLE_PARAMS = {"prefix": "deepseek-ai/", "suffix": ":free"}


def the_text(user: User, marker: str) -> str:
    return user.find(marker=marker).elements.pop().text


# ----- the Models page


async def variants_registry(w) -> None:
    """Three spellings of one model across two providers, a name both serve, and many single names of which one
    is deleted."""
    alpha = await add(w, "alpha-one", ["DeepSeek-V3.1", "deepseek-v3.1", "gpt-4o", *SOLO])
    await add(w, "beta-two", ["deepseek-ai/DeepSeek-V3.1", "gpt-4o"])
    deleted = await Model.get(provider_id=alpha, original_name=SOLO[0])
    await apply_changes(w.services, Changes(deletions={deleted.id}, provider_id=alpha))


async def open_models(user: User) -> None:
    await user.open("/models")
    await user.should_see(marker="filter-variants")


async def test_a_chinese_browser_sees_the_models_page_and_its_dialogs_in_chinese(chinese_browser: User, w, recorder):
    user = chinese_browser
    await variants_registry(w)
    await open_models(user)
    await user.should_see("互为拼写变体")
    await user.should_see("仅由一个服务商提供")
    await user.should_see("名称：第 1–50 条，共 59 条")  # 55 + 3 spellings + gpt-4o
    grid = user.find(marker=GRID).elements.pop()
    headers = list(header_texts(grid.options["columnDefs"]))
    assert {"对外名称", "服务商数", "兼容类别", "聚合", "状态", "待保存"} <= set(headers)
    formatters = {c["field"]: c.get(":valueFormatter", "") for c in grid.options["columnDefs"]}
    assert '"yes": "是"' in formatters["aggregate"] and '"deleted": "已删除"' in formatters["status"]
    user.find("搜索名称、原始名称、服务商").type(SOLO[0])
    await user.should_see("名称：1 个（共 59 个）")
    deleted = rows(user)[SOLO[0]]
    assert deleted["served_by"] == f"alpha-one: {SOLO[0]}（已删除）"
    assert (deleted["status"], deleted["aggregate"]) == ("deleted", "no")  # the values stay, the grid shows words
    user.find("搜索名称、原始名称、服务商").clear()

    user.find(marker="rename-everywhere").click()
    await user.should_see("请选择一个名称以全局重命名。")
    user.find(marker="filter-variants").click()
    await user.should_see("名称：3 个（共 59 个）")
    pick(user, *rows(user))
    await user.should_see(marker="selected-names", content="已选 3 个：")
    user.find(marker="merge-names").click()
    await user.should_see("将 3 个名称合并为一个")
    await user.should_see("或输入其他拼写")
    assert english_on_page(user, data=DATA) == {}  # the page, its selection and the merge dialog

    user.find(kind=ui.radio).elements.pop().value = "deepseek-v3.1"
    user.find(marker="merge-ok").click()
    await user.should_see(marker="models-save", content="保存更改（2）")
    user.find(marker="models-save").click()
    await user.should_see(marker="models-save-title", content="重命名 2 个名称，涉及 2 个模型？")
    await user.should_see(marker="models-save-duplicates")  # alpha-one serves two of the spellings
    assert len(shown_texts(user, NOT_THE_PAGES_WORDS)) > 40  # the check below reads a whole page
    assert english_on_page(user, data=DATA) == {}  # with the save dialog and its impact

    user.find(marker="models-save-confirm").click()
    await user.should_see("已重命名 2 个模型。下一步：点击“同步配置”。")
    await user.should_see("没有匹配的名称")  # no variants are left
    assert english_on_page(user, data=DATA) == {}


async def test_the_models_page_check_would_see_english(user: User, w, recorder):
    await variants_registry(w)
    await open_models(user)
    user.find(marker="rename-everywhere").click()
    await user.should_see("Select one name to rename it everywhere.")
    user.find(marker="filter-variants").click()
    pick(user, *rows(user))
    user.find(marker="merge-names").click()
    await user.should_see("Merge 3 names into one")
    found = english_on_page(user, data=DATA)
    assert len(shown_texts(user, set())) > 30
    for text in ("Spelling variants of each other", "Merge 3 names into one", "Or type another spelling",
                 "Select one name to rename it everywhere.", "Exposed name", "Names: 3 (of 59)"):  # fmt: skip
        assert text in found, text


# ----- the assistant


async def assistant_registry(w) -> None:
    await add(w, "alpha-one", ["deepseek-ai/DeepSeek-V3.1", "Qwen/Qwen3-32B", "gpt-4o", "o3:free"])
    await add(w, "beta-two", ["DeepSeek-V3.1", "gpt-4o-2024-08-06"])


async def open_assistant(user: User, working: str) -> None:
    """The assistant with every card's impact worked out (a timer fills them in after the cards are drawn)."""
    await user.open("/assistant")
    await user.should_see(marker="suggestion-impact", retries=30)
    await user.should_not_see(working, retries=30)


def tick(user: User, heading: str) -> None:
    [box] = [b for b in user.find(marker="suggestion-tick").elements if b.text == heading]
    box.value = True


async def test_a_chinese_browser_sees_the_assistant_its_rules_and_refusals_in_chinese(
    chinese_browser: User, w, recorder
):
    user = chinese_browser
    await assistant_registry(w)
    await open_assistant(user, WORKING)
    await user.should_see("规范化助手")
    await user.should_see("去掉厂商前缀 `deepseek-ai/`：客户端直接用模型自己的名称调用它。")
    await user.should_see("将产生 1 个共用名称（其中 0 个在同一服务商内）和 1 个聚合分组：")
    await user.should_see(marker="suggestion-no-duplicates", content="不会产生重复名称。")
    await user.should_see("没有已保存的规则。已保存的规则会优先建议，并用于命名新获取的模型。")
    assert "去掉厂商前缀：deepseek-ai/" in [b.text for b in user.find(marker="suggestion-tick").elements]
    assert the_text(user, "suggestion-count").startswith("建议：第 1–")
    assert english_on_page(user, data=DATA) == {}

    # The rule select can be typed into: NiceGUI's filterable select keeps the options whose label holds the text.
    kind = user.find(marker="rule-kind").elements.pop()
    assert kind.props.get("use-input") is True
    assert [label for label in kind.options.values() if "后缀" in label] == ["去掉服务商后缀"]
    user.find(marker="rule-kind").click()  # the options open
    user.find("去掉服务商后缀").click()
    assert kind.value == "strip_suffix"
    assert user.find(marker="rule-param").elements.pop().props["label"] == "后缀"

    user.find(marker="rule-save").click()  # no suffix typed: the refusal says what the text must be
    await user.should_see("后缀：1 到 100 个字符，两端不能有空格，也不能包含控制字符。")
    user.find(marker="rule-param").type(":free")
    user.find(marker="rule-save").click()
    await user.should_see("已保存：去掉服务商后缀 `:free`。")
    await user.should_see(content="去掉服务商后缀 `:free`。", marker="saved-rule-explanation")
    await user.should_see(content="启用", marker="rule-enabled")
    await user.should_see(content="已保存的规则", marker="saved-badge")
    user.find(marker="rule-save").click()  # the same rule again
    await user.should_see("此规则已保存。")

    user.find(marker="accept-selected").click()
    await user.should_see("请先勾选要接受的建议。")
    tick(user, "去掉厂商前缀：deepseek-ai/")
    tick(user, "转为小写")
    user.find(marker="accept-selected").click()
    await user.should_see("3 项重命名待保存：点击保存以应用。")
    await user.should_see(content="待保存的重命名：3", marker="pending-count")
    await user.should_see(content="保存重命名（3）", marker="assistant-save")
    await user.should_not_see(WORKING, retries=30)  # the cards drawn again have their impacts
    assert len(shown_texts(user, NOT_THE_PAGES_WORDS)) > 40  # the check below reads a whole page
    assert english_on_page(user, data=DATA) == {}

    user.find(marker="assistant-save").click()
    await user.should_see(marker="save-confirm")
    assert english_on_page(user, data=DATA) == {}  # the workbench's save dialog, with the touched providers
    user.find(marker="save-confirm").click()
    await user.should_see("已保存 3 项重命名。下一步：点击“同步配置”。")
    await user.should_not_see(WORKING, retries=30)  # the cards drawn again have their impacts
    assert english_on_page(user, data=DATA) == {}


async def test_the_assistant_check_would_see_english(user: User, w, recorder):
    await assistant_registry(w)
    await open_assistant(user, "Working out the duplicates and aggregates…")
    user.find(marker="rule-save").click()
    await user.should_see("Prefix: 1 to 100 characters, without blanks at either end or control characters.")
    found = english_on_page(user, data=DATA)
    assert len(shown_texts(user, set())) > 40
    for text in ("Select all", "Saved rules", "Creates no duplicate name.",
                 "Drop the vendor prefix `deepseek-ai/`: clients call the model by its own name.",
                 "Prefix: 1 to 100 characters, without blanks at either end or control characters."):  # fmt: skip
        assert text in found, text


# ----- the rules' words, by kind


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_rule_kind_has_words_and_its_english_is_cores(kind):
    """A new kind in core needs its name and explanation here; the English page says exactly what core (and REST)
    says, the Chinese one fills in the same parameters."""
    params = {name: EXAMPLE_PARAMS[name] for name in KINDS[kind].params}
    rule = make_rule(kind, params)
    assert text_in("en", KIND_LABELS[kind]) == KINDS[kind].label
    assert text_in("en", EXPLANATIONS[kind], **params) == rule.explanation
    for value in params.values():
        assert value in text_in("zh", EXPLANATIONS[kind], **params)
    if params:
        assert text_in("en", TITLES[kind], **params) == f"{KINDS[kind].label}: {', '.join(params.values())}"
        assert all(PARAM_LABELS[name] in EN and PARAM_LABELS[name] in ZH for name in params)
    else:
        assert kind not in TITLES


def test_the_models_grid_words_exist_for_every_value_it_shows():
    assert {*AGGREGATE_VALUES.values(), *STATUS_VALUES.values()} <= set(EN) & set(ZH)
