"""The provider workbench in Chinese (issue 14 §5): a browser asking for zh-CN gets the toolbar, the grid's headers,
row buttons and status words, the status line, the split preview, the bulk and save dialogs, Find/Replace, adding a
model by hand and every notification in Chinese, with no English word left apart from the data (provider and model
names, URLs); the Status column's data stays English, and the quick search reads the words the grid shows.
"""

from __future__ import annotations

import re

from nicegui import ui
from nicegui.testing import User

from core import catalog
from core.catalog import Changes
from tests.ui.chinese import NOT_THE_PAGES_WORDS, english_on_page, header_texts, shown_texts
from tests.ui.test_workbench_operator_ui import add, answer, click, emit, eventually, grid, rows, select

# This module's data: provider and model names, and the group names the split preview builds from them.
DATA = re.compile(r"(alpha-one|beta-two|shared-chat|solo-model|Mixed-Case)[\w.-]*|openai", re.IGNORECASE)


async def providers(w) -> int:
    """alpha-one (the page's provider) shares shared-chat with beta-two: the split preview has an aggregate."""
    await add(w, "beta-two", ["shared-chat"])
    return await add(w, "alpha-one", ["shared-chat", "solo-model", "Mixed-Case"])


async def open_workbench(user: User, provider_id: int) -> None:
    await user.open(f"/providers/{provider_id}")
    await user.should_see(marker="legend")


def rename(user: User, original: str, name: str) -> None:
    row = {**rows(user)[original], "normalized_name": name}
    user.find(ui.aggrid).trigger("cellValueChanged", {"data": row, "colId": "normalized_name", "newValue": name})


def english(user: User) -> dict[str, list[str]]:
    return english_on_page(user, data=DATA)


def page_size(user: User) -> int:
    return len(shown_texts(user, NOT_THE_PAGES_WORDS))


async def test_the_workbench_its_grid_and_its_dialogs_are_chinese(chinese_browser: User, w, recorder):
    user = chinese_browser
    provider_id = await providers(w)
    await open_workbench(user, provider_id)
    await user.should_see("拆分预览")
    await user.should_see(content="3 个模型 · 3 个可用 · 0 个已删除 · 0 个待保存", marker="workbench-counts")
    await user.should_see("获取模型")
    await user.should_see("同类其他服务商也提供的名称")
    headers = list(header_texts(grid(user).options["columnDefs"]))
    assert {"原始名称", "规范化名称", "对外名称", "状态"} <= set(headers)
    columns = {c.get("field", c.get("colId")): c for c in grid(user).options["columnDefs"]}
    assert '"to delete": "待删除"' in columns["status"][":valueFormatter"]  # the cell shows Chinese words ...
    assert {r["status"] for r in rows(user).values()} == {"active"}  # ... for English data
    assert '"delete": ["删除", "删除此模型（保存时）"]' in columns["actions"][":cellRenderer"]
    labels = [o["label"] for o in user.find(marker="status-filter").elements.pop().props["options"]]
    assert labels == ["全部", "可用", "已删除", "待保存"]
    assert page_size(user) > 40  # the check reads a whole page
    assert english(user) == {}

    click(user, "转为小写")  # nothing selected
    await user.should_see("请先选择行：“转为小写”会更改筛选显示的所选行。")
    user.find(marker="find").type("-")
    await user.should_see(content="请先选择行", marker="replace-preview")
    select(user, "shared-chat", "solo-model", "Mixed-Case")
    await user.should_see(content="将更改 3 行", marker="replace-preview")
    click(user, "转为小写")  # two are lowercase already
    await user.should_see(content="所选行中有 2 行保持不变。", marker="bulk-note")
    assert english(user) == {}
    await answer(user, "将 1 个所选模型的名称转为小写？")
    await user.should_see("保存更改（1）")
    await user.should_see(content="1 个待保存", marker="workbench-counts")

    rename(user, "solo-model", "solo")
    emit(user, "model_action", rows(user)["shared-chat"]["id"])  # the row's Delete
    await user.should_see("保存更改（3）")
    user.find(marker="save-changes").click()
    await user.should_see("将 3 处更改保存到 alpha-one？")
    await user.should_see(content="重命名：2", marker="save-renames")
    await user.should_see(content="删除：1", marker="save-deletions")
    assert english(user) == {}
    user.find(marker="save-confirm").click()
    await user.should_see("已保存 2 项重命名和 1 项删除。下一步：点击“同步配置”。")
    await user.should_see(content="3 个模型 · 2 个可用 · 1 个已删除 · 0 个待保存", marker="workbench-counts")
    assert rows(user)["shared-chat"]["status"] == "deleted"

    emit(user, "model_test", rows(user)["solo-model"]["id"])
    await eventually(lambda: user.notify.contains("solo-model：正常，"))
    click(user, "获取模型")
    await user.should_see("新增 0 个，上游消失 0 个（共列出 3 个）")
    click(user, "手动添加模型")
    await user.should_see(content="添加 alpha-one 提供但未列出的模型：", marker="manual-add")
    await user.should_see("模型名称")
    assert english(user) == {}
    assert len(user.notify.messages) >= 4  # the notifications were read too


async def test_a_save_that_empties_the_provider_and_was_overtaken_is_explained_in_chinese(
    chinese_browser: User, w, recorder
):
    user = chinese_browser
    provider_id = await add(w, "alpha-one", ["solo-model", "solo-model-2"])
    await open_workbench(user, provider_id)
    first, second = (rows(user)[n]["id"] for n in ("solo-model", "solo-model-2"))
    emit(user, "model_action", first)
    await user.should_see("保存更改（1）")
    await catalog.apply_changes(w.services, Changes(deletions={second}, provider_id=provider_id))  # someone else
    user.find(marker="save-changes").click()
    await user.should_see("将 1 处更改保存到 alpha-one？")
    user.find(marker="save-confirm").click()
    await user.should_see(content="警告：这将删除该服务商的所有模型。", marker="save-delete-all")
    await user.should_see(content="自本页面加载以来，模型已发生变化。", marker="save-changed")
    assert english(user) == {}
    user.find(marker="save-confirm").click()
    await user.should_see("已保存 1 项删除。下一步：点击“同步配置”。")


async def test_the_quick_search_finds_the_status_words_the_grid_shows(chinese_browser: User, w, recorder):
    """A Chinese operator searches for 待删除 (what the Status column shows): the bulk actions count the rows the
    search shows, as the browser filters them, though the rows hold English data."""
    user = chinese_browser
    provider_id = await add(w, "alpha-one", ["solo-model", "solo-model-2", "solo-model-3"])
    await open_workbench(user, provider_id)
    emit(user, "model_action", rows(user)["solo-model"]["id"])
    await user.should_see("保存更改（1）")
    columns = {c.get("field"): c for c in grid(user).options["columnDefs"]}
    assert columns["status"][":getQuickFilterText"] == columns["status"][":valueFormatter"]
    user.find(marker="quick-search").type("待删除")
    select(user, "solo-model", "solo-model-2", "solo-model-3")  # selected before the search
    click(user, "撤销所选")
    await user.should_see(content="被筛选隐藏的 2 个所选行不受影响。", marker="bulk-note")
    await answer(user, "撤销 1 个所选模型的待保存更改？")
    await user.should_not_see(marker="save-changes")


async def test_the_check_would_see_english_on_the_english_workbench(user: User, w, recorder):
    """The checks above cannot pass on an empty page or an English one: here they find the English words."""
    provider_id = await providers(w)
    await open_workbench(user, provider_id)
    select(user, "shared-chat", "solo-model", "Mixed-Case")
    click(user, "Lowercase")
    await user.should_see(content="2 of the selected rows stay as they are.", marker="bulk-note")
    found = english(user)
    assert page_size(user) > 40
    for text in ("Split preview", "Fetch models", "Original name", "Status", "Lowercase the names of 1 selected model?",
                 "3 models · 3 active · 0 deleted · 0 pending", "Confirm"):  # fmt: skip
        assert text in found, text
