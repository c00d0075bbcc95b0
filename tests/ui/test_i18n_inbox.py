"""The churn inbox in Chinese (issue 14 §5): a browser asking for zh-CN gets /inbox with its filters, grid
headers, row buttons, kinds of change, bulk question, the duplicate confirmation and the notifications in
Chinese, while the kinds stay the data values code and REST use (new / vanished / reappeared); and the same
check finds the English words on the English page, so it cannot pass on a page it does not read.
"""

from __future__ import annotations

import re

from nicegui import ui
from nicegui.testing import User

from tests.ui.chinese import NOT_THE_PAGES_WORDS, english_on_page, header_texts, shown_texts
from tests.ui.test_inbox_ui import add, emit, grid_rows, scheduled
from tests.ui.test_workbench_operator_ui import eventually

# This test's data: the provider and the model names fetches found (and names made of them).
DATA = re.compile(r"acme-cloud|[\w./:-]*(?:gpt|GPT|DeepSeek|deepseek|old-model)[\w./:-]*")


async def churn(w) -> int:
    """acme-cloud lists two models, then one more spelling of gpt-4o and DeepSeek, and no longer old-model."""
    account, provider_id = await add(w, "acme-cloud", ["gpt-4o", "old-model"])
    account.models = ["gpt-4o", "openai/GPT-4o", "deepseek-ai/DeepSeek-V3.1"]
    await scheduled(w).run_once()
    return provider_id


async def open_inbox(user: User) -> dict[str, dict]:
    await user.open("/inbox")
    await eventually(lambda: len(grid_rows(user)) == 3)  # the page reads the inbox after it is out
    return grid_rows(user)


async def test_a_chinese_browser_reviews_the_inbox_in_chinese(chinese_browser: User, w, recorder):
    user = chinese_browser
    provider_id = await churn(w)
    rows = await open_inbox(user)
    await user.should_see("收件箱")  # the page title and the header's link
    await user.should_see("自你上次查看以来")
    grid = user.find(marker="inbox-grid").elements.pop()
    assert {"服务商", "原始名称", "变化", "接受后的名称（点击编辑）"} <= set(header_texts(grid.options["columnDefs"]))
    buttons = next(c for c in grid.options["columnDefs"] if c.get("colId") == "actions")[":cellRenderer"]
    assert all(word in buttons for word in ("接受", "忽略", "删除")) and "Accept" not in buttons
    # The kinds: shown in Chinese, kept as data
    assert {name: (row["kind"], row["kind_label"]) for name, row in rows.items()} == {
        "openai/GPT-4o": ("new", "新增"),
        "deepseek-ai/DeepSeek-V3.1": ("new", "新增"),
        "old-model": ("vanished", "上游已消失"),
    }
    kinds = user.find(marker="inbox-kind").elements.pop()
    assert kinds.options == {"": "全部变化", "new": "新增", "vanished": "上游已消失", "reappeared": "重新出现"}
    user.find(marker="inbox-kind").click()  # open it, pick by the Chinese label: it filters on the data value
    user.find("上游已消失").click()
    await eventually(lambda: set(grid_rows(user)) == {"old-model"})
    kinds.value = ""
    providers = user.find(marker="inbox-provider").elements.pop()
    assert providers.props.get("use-input") is True  # typed into: its options are the providers (data)
    assert providers.options == {0: "全部服务商", provider_id: "acme-cloud"}

    user.find(marker="inbox-accept-selected").click()  # nothing selected yet
    await user.should_see("请先选择模型。")
    emit(user, "inbox_selection", [rows["old-model"]["model_id"], rows["deepseek-ai/DeepSeek-V3.1"]["model_id"]])
    await user.should_see(content="已选 2 个", marker="inbox-selection")
    user.find(marker="inbox-delete-selected").click()
    await user.should_see(marker="inbox-question")
    question = user.find(marker="inbox-question").elements.pop().text
    assert question.startswith("删除所选的 1 个模型？它们将被删除") and "所选模型中有 1 个并未消失" in question
    assert english_on_page(user, data=DATA) == {}  # with the question open
    user.find(marker="inbox-confirm").click()
    await user.should_see("已删除 1 个；收件箱中还剩 2 个。")

    emit(user, "inbox_action", {"id": rows["openai/GPT-4o"]["model_id"], "action": "accept"})  # gpt-4o is taken
    await user.should_see(content="该服务商将有多个模型以同一名称对外公开：gpt-4o。", marker="inbox-confirmation")
    await user.should_see(kind=ui.button, content="继续")
    assert english_on_page(user, data=DATA) == {}  # with the confirmation open
    user.find(marker="inbox-go-on").click()
    await user.should_see("已接受 1 个；收件箱中还剩 1 个。")
    await eventually(lambda: set(grid_rows(user)) == {"deepseek-ai/DeepSeek-V3.1"})
    assert len(shown_texts(user, NOT_THE_PAGES_WORDS)) > 25  # the check reads a whole page
    assert english_on_page(user, data=DATA) == {}


async def test_the_inbox_check_would_see_english(user: User, w, recorder):
    await churn(w)
    rows = await open_inbox(user)
    assert {row["kind_label"] for row in rows.values()} == {"new", "vanished upstream"}
    emit(user, "inbox_selection", [rows["old-model"]["model_id"]])
    user.find(marker="inbox-delete-selected").click()
    await user.should_see(content="Delete 1 selected model? They are deleted", marker="inbox-question")
    found = english_on_page(user, data=DATA)
    assert len(shown_texts(user, set())) > 25
    for text in ("Accept selected", "Original name", "Search provider or name", "Cancel"):
        assert text in found
