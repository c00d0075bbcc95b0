"""The provider dialog in Chinese (issue 14 §5), opened from the dashboard by a browser asking for zh-CN: adding
with the validation errors (their sentences from ui/messages.py), a failed key check, the URL the provider
answers at and the save; editing with the key list, GPT-Load's test model (a select that can be typed into)
and the question before discarding. What core or the provider said stands apart (``dialog-detail``, their own
words); everything else the page shows holds no English word. The same check finds English on the English page.
"""

from __future__ import annotations

import re

from nicegui import ui
from nicegui.testing import User

from core import providers
from core.providers import ProviderCreate
from tests.conftest import fake_key
from tests.ui.chinese import NOT_THE_PAGES_WORDS, english_on_page, shown_texts
from tests.ui.test_dashboard_operator_ui import open_cards

# This test's data: the provider, its host, its models and the channel types (the select's options); and OpenAI,
# a product's name (the hint says which base URLs are "OpenAI-compatible").
DATA = re.compile(r"acme-cloud|[\w.-]*acme\.test[\w./-]*|chat-a|chat-b|text-embedding-3-small|openai|gemini|anthropic"
                  r"|OpenAI")  # fmt: skip
THEIR_WORDS = {"dialog-detail"}  # core's detail of an error, a provider's answer: not the page's words


def field(user: User, label: str):
    return user.find(kind=ui.input, content=label)


async def open_add_dialog(user: User, button: str) -> None:
    await user.open("/")
    await user.should_see(marker="view-toggle")
    user.find(kind=ui.button, content=button).click()
    await user.should_see(marker="dialog-save")


def chinese_throughout(user: User) -> None:
    assert english_on_page(user, THEIR_WORDS, DATA) == {}
    assert len(shown_texts(user, NOT_THE_PAGES_WORDS | THEIR_WORDS)) > 30  # the dashboard behind the dialog too


async def test_adding_a_provider_speaks_chinese_through_errors_check_and_save(chinese_browser: User, w, recorder):
    user = chinese_browser
    account = w.fake.add("openai", "acme.test", [fake_key("good")], ["chat-a", "chat-b"], prefix="/api")
    recorder.typed_by_user(fake_key("good"), fake_key("wrong"))
    await open_add_dialog(user, "添加服务商")
    await user.should_see(content="添加服务商", kind=ui.label)  # the dialog's title
    base_url = field(user, "基础 URL").elements.pop()
    assert base_url.props["hint"].startswith("其 /models 能列出模型的地址")
    channel = user.find(kind=ui.select, content="渠道类型").elements.pop()
    assert channel.options == ["openai", "gemini", "anthropic"]  # the channel table's names: data

    user.find(marker="dialog-save").click()  # nothing typed: the name is refused first
    await user.should_see(content="名称无效。", marker="dialog-result")
    await user.should_see(content="Provider name must be", marker="dialog-detail")  # core's words, apart
    chinese_throughout(user)

    field(user, "名称").type("acme-cloud")
    field(user, "基础 URL").type("ftp://acme.test")
    user.find(marker="dialog-save").click()
    await user.should_see(content="基础 URL 无效。", marker="dialog-result")

    field(user, "基础 URL").clear().type(account.base_url)
    field(user, "API 密钥").type(fake_key("wrong"))
    user.find(kind=ui.button, content="测试连接").click()
    await user.should_see(content="：失败，", marker="dialog-result")
    await user.should_see(marker="dialog-detail")  # the provider's answer
    await user.should_see(content="不检查直接保存", kind=ui.button)  # offered after a failed check
    chinese_throughout(user)

    field(user, "API 密钥").clear().type(fake_key("good"))
    field(user, "基础 URL").clear().type(account.base_url.removesuffix("/v1"))  # its /models answers 404
    user.find(kind=ui.button, content="测试连接").click()
    await user.should_see(content=f"该服务商在 {account.base_url} 响应", marker="suggested-url")
    user.find(marker="use-suggested-url").click()
    await user.should_see(content=f"基础 URL 已设为 {account.base_url}：请再次测试或保存。", marker="dialog-result")
    chinese_throughout(user)

    user.find(marker="dialog-save").click()
    await user.should_see("已添加 acme-cloud，共 2 个模型")
    assert [p.name for p in await providers.list_providers(w.services)] == ["acme-cloud"]
    chinese_throughout(user)


async def test_editing_a_provider_speaks_chinese_and_its_test_model_can_be_typed(chinese_browser: User, w, recorder):
    user = chinese_browser
    account = w.fake.add("openai", "acme.test", [fake_key("one"), fake_key("two")], ["text-embedding-3-small",
                                                                                   "chat-a", "chat-b"])  # fmt: skip
    data = ProviderCreate(name="acme-cloud", base_url=account.base_url, channel_type="openai", api_keys=account.keys)
    await providers.create_provider(w.services, data)
    await open_cards(user)
    await user.should_see("GPT-Load 测试模型：chat-a（自动）", retries=30)
    user.find(kind=ui.button, content="编辑").click()
    await user.should_see(content="编辑服务商", kind=ui.label)
    test_model = user.find(marker="test-model").elements.pop()
    assert test_model.props.get("use-input") is True  # typed into: its options are the provider's models
    assert test_model.options[""] == "自动（按其模型名称和测试结果选择）"
    assert test_model.props["hint"] == "当前：chat-a；输入以搜索其可用模型"
    user.find(marker="remove-key-0").click()
    await user.should_see("保存时移除")
    chinese_throughout(user)

    user.find(marker="dialog-cancel").click()  # something changed: asks first
    await user.should_see(content="放弃已输入的内容？不会保存任何内容。", marker="discard-question")
    await user.should_see(content="继续编辑", marker="keep-editing")
    chinese_throughout(user)
    user.find(marker="keep-editing").click()
    user.find(marker="dialog-save").click()
    await user.should_see("已保存 acme-cloud；GPT-Load 测试模型：chat-a")
    [stored] = await providers.list_providers(w.services)
    assert len(stored.api_keys_masked) == 1
    chinese_throughout(user)


async def test_the_dialog_check_would_see_english(user: User, w, recorder):
    await open_add_dialog(user, "Add provider")
    user.find(marker="dialog-save").click()
    await user.should_see(content="The name is not valid.", marker="dialog-result")
    found = english_on_page(user, THEIR_WORDS, DATA)
    assert len(shown_texts(user, set())) > 30
    for text in ("Base URL", "Channel type", "Test connection", "The name is not valid."):
        assert text in found
