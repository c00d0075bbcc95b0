"""Chinese and English (issue 14 §5): a browser asking for zh-CN gets the header, the dashboard with its
providers table and the sync page (plan, apply, history with a run's details, topology) in Chinese; the header's
"English / 中文" switch changes the language and it is remembered; and on those pages no label, button, link,
tooltip, grid header or notification shows English words, apart from the data (provider and model names, URLs)
and the products' own names. tests/ui/test_i18n_sync.py reads the sync page's grid cells, history table and
diagram too, and its failed and interrupted runs.
"""

from __future__ import annotations

import re

from nicegui.testing import User

from core import providers
from core.providers import ProviderCreate
from tests.conftest import fake_key
from tests.ui.chinese import NOT_THE_PAGES_WORDS, english_on_page, header_texts, shown_texts
from tests.ui.test_workbench_operator_ui import eventually


async def registry(w) -> None:
    for name, models in (("alpha-one", ["shared-chat", "solo-model"]), ("beta-two", ["shared-chat"])):
        account = w.fake.add("openai", f"{name}.test", [fake_key(name)], models)
        data = ProviderCreate(name=name, base_url=account.base_url, channel_type="openai", api_keys=account.keys)
        await providers.create_provider(w.services, data)


async def open_dashboard(user: User) -> None:
    await user.open("/")
    await user.should_see(marker="strip-changes", retries=30)
    await eventually(lambda: user.find(marker="strip-providers").elements.pop().text)


async def test_a_chinese_browser_sees_the_header_and_dashboard_in_chinese(chinese_browser: User, w, recorder):
    user = chinese_browser
    await registry(w)
    await open_dashboard(user)
    await user.should_see("服务商")  # the page title
    await user.should_see("同步配置")
    await user.should_see("添加服务商")
    await user.should_see("2 个服务商")
    assert user.find(marker="nav-models").elements.pop().text == "模型"
    headers = list(header_texts(user.find(marker="providers-grid").elements.pop().options["columnDefs"]))
    assert "名称" in headers and "上次测试" in headers
    user.find("全部测试").click()
    await user.should_see("已测试 2 个服务商：2 个通过，0 个失败", retries=60)
    assert len(shown_texts(user, NOT_THE_PAGES_WORDS)) > 40  # the check below reads a whole page
    assert english_on_page(user) == {}


async def test_the_dashboard_check_would_see_english(user: User, w, recorder):
    """The check above cannot pass on an empty page or an English one: here it finds the English words."""
    await registry(w)
    await open_dashboard(user)
    user.find("Test all").click()
    await user.should_see("Tested 2 providers: 2 passed, 0 failed", retries=60)
    found = english_on_page(user)
    assert len(shown_texts(user, set())) > 40
    for text in ("Add provider", "Sync Configuration", "Tested 2 providers: 2 passed, 0 failed", "Last test"):
        assert text in found


async def applied_with_history_and_topology_open(user: User) -> dict[str, list[str]]:
    """The sync page through its states: the plan with its changes and the confirmation (checked here, as the
    plan is empty once applied), then apply, the result, the run's details opened and a name drawn."""
    await user.open("/sync")
    await user.should_see(marker="plan-changes", retries=30)
    user.find(marker="apply").click()
    await user.should_see(marker="confirm-question")
    before = english_on_page(user)
    user.find(marker="confirm-apply").click()
    await user.should_see(marker="sync-success", retries=100)
    await user.should_see(marker="plan-empty", retries=100)
    await user.should_see(marker="details-1", retries=30)
    user.find(marker="details-1").elements.pop().value = True  # the operator opens the run's details
    await user.should_see(marker="details-count", retries=30)
    user.find(marker="topology-table").trigger("names_picked", {"page": ["shared-chat"], "picked": ["shared-chat"]})
    await user.should_see(marker="topology-diagram")
    return before


async def test_the_whole_sync_page_is_chinese(chinese_browser: User, w, recorder):
    user = chinese_browser
    await registry(w)
    await user.open("/sync")
    await user.should_see("计划预览", retries=30)
    await user.should_see("未核验", retries=30)
    await user.should_see("标准分组：3 项")
    user.find(marker="apply").click()
    await user.should_see(marker="confirm-question")
    assert user.find(marker="confirm-question").elements.pop().text.startswith("应用 ")
    assert len(shown_texts(user, NOT_THE_PAGES_WORDS)) > 40
    user.find(marker="confirm-cancel").click()

    assert await applied_with_history_and_topology_open(user) == {}  # the plan, its changes and the confirmation
    await user.should_see(content="同步 1 已成功", marker="sync-success")
    await user.should_see("同步 1 的详情（成功）")
    await user.should_see(content="计划的 9 处更改中已执行 9 处", marker="details-count")
    await user.should_see("拓扑")
    await user.should_see(content="已选择 1 个名称", marker="diagram-count")
    assert len(shown_texts(user, NOT_THE_PAGES_WORDS)) > 60  # the check below reads a whole page
    assert english_on_page(user) == {}


async def test_the_sync_page_check_would_see_english(user: User, w, recorder):
    await registry(w)
    before = await applied_with_history_and_topology_open(user)
    assert "Plan preview" in before and "Verify" in before and "Stage" in before
    found = english_on_page(user)
    for text in ("History", "Topology", "Details of sync 1 (succeeded)", "9 of 9 planned changes carried out",
                 "Clear selection", "Search names", "Original name"):  # fmt: skip
        assert text in found, text


async def test_switching_language_is_remembered(chinese_browser: User, w, recorder):
    user = chinese_browser
    await open_dashboard(user)
    await user.should_see("添加服务商")
    user.find(marker="lang-en").click()
    await user.should_see("Add provider", retries=30)
    await user.open("/sync")  # the browser still asks for Chinese: the choice wins
    await user.should_see("Sync Configuration", retries=30)
    await user.should_see("History")
    user.find(marker="lang-zh").click()
    await user.should_see("历史", retries=30)
    await open_dashboard(user)
    await user.should_see("添加服务商")


async def test_an_english_browser_sees_english_and_is_offered_chinese(user: User, w, recorder):
    user.http_client.headers["Accept-Language"] = "en-GB,en;q=0.9"
    await open_dashboard(user)
    await user.should_see("Add provider")
    await user.should_see(content="中文", marker="lang-zh")
    await user.should_see(content="English", marker="lang-en")


async def test_an_error_sentence_is_chinese_on_a_chinese_page(chinese_browser: User, w, recorder):
    user = chinese_browser
    w.gptload.down = True
    await user.open("/sync")
    await user.should_see(content="GPT-Load", marker="plan-error", retries=30)
    text = user.find(marker="plan-error").elements.pop().text
    assert re.search(r"[\u4e00-\u9fff]", text), text
