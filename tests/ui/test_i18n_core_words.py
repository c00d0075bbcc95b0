"""Core's own sentences on Chinese pages (issue 14 §5): what core says in words of its own (core/phrases.py: the
plan's safety verdict, a conflict, a provider that looks broken, how to connect GPT-Load and why it is not, what a
fetch warns of, how a sync's wait ended) and a run's steps (core/sync_steps.py) reach a page as codes and values,
and the page says them in its language; input a request shape refuses is said by pydantic's error type; lists and
sentences are joined the Chinese way. What stays as it is: GPT-Load's own error text (marker ``gptload-error``) and
a provider's own answer (a value of the sentence: this test's data).
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import partial

import pytest
from nicegui import ui
from nicegui.testing import User
from pydantic import ValidationError

from core import providers
from core.gptload_offline import CONNECT
from core.models import Provider, SyncRecord
from core.phrases import ENGLISH, Phrase
from core.probes import ConnectionCheckRequest
from core.sync_steps import WAITING_FOR_GPTLOAD
from tests.ui.chinese import DATA, NOT_THE_PAGES_WORDS, english_on_page, english_words, shown_texts
from tests.ui.test_i18n_providers import DATA as DIALOG_DATA
from tests.ui.test_i18n_ui import open_dashboard, registry
from tests.ui.test_sync_offline_ui import unreachable  # noqa: F401 (a fixture)
from tests.ui.test_workbench_operator_ui import add, emit, eventually
from ui.i18n import text_in
from ui.locales import EN, ZH
from ui.messages import INVALID, describe_invalid, joined, said

# What a sentence names that is no page's word: settings and commands (how to connect GPT-Load), a provider's own
# answer to its last test, and the request field a refused input names.
SETTINGS = r"GPTLOAD_\w*|UNI(?= _)|AUTH_KEY|README|\.env\b|python3 -m core\.envfile --compose|docker compose[\w -]*"
TEST_ERROR = "invalid_api_key"  # after "HTTP 401", a name the checks take out first
WORDS_OF_OTHERS = re.compile(rf"{DATA.pattern}|{SETTINGS}|{TEST_ERROR}|compose|api_keys")


def chinese(user: User) -> dict[str, list[str]]:
    return english_on_page(user, data=WORDS_OF_OTHERS)


def label_texts(user: User, marker: str) -> list[str]:
    return [e.text for e in user.find(marker=marker).elements]


def listed_none(url: str) -> str:
    return f"{url} 未列出任何模型。请手动添加模型，或检查基础 URL 和渠道类型。"


# ----- the tables


def test_every_sentence_of_core_has_chinese_words_and_its_english_is_cores_own():
    """One table of English (core's, which REST and the records say too); the pages add only the Chinese."""
    assert {f"said.{code}" for code in ENGLISH} <= set(ZH)
    assert all(EN[f"said.{code}"] == text for code, text in ENGLISH.items())
    assert text_in("zh", "said.invalid_keys", count=2) == "GPT-Load 将它的 2 个密钥标记为无效。"
    assert said(Phrase("invalid_keys", {"count": 2})) == str(Phrase("invalid_keys", {"count": 2}))  # English
    with pytest.raises(ValueError, match="no phrase"):
        Phrase("made_up")


def test_every_input_problem_said_in_words_names_the_field_and_its_limits():
    for kind, names in INVALID.items():
        assert {f"invalid.{kind}"} <= set(EN) & set(ZH)
        assert all(f"{{{name}}}" in EN[f"invalid.{kind}"] for name in ("field", *names))


def refused(**body) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        ConnectionCheckRequest(**body)
    return caught.value


def test_refused_input_is_said_by_its_type_with_the_field_in_either_language():
    too_many = refused(base_url="https://acme.test/v1", channel_type="openai", api_keys=["k"] * 101)
    assert describe_invalid(too_many, "zh") == "部分输入无效。api_keys：最多 100 项，而不是 101 项。"
    assert describe_invalid(too_many, "en") == "Some input is not valid. api_keys: at most 100 items, not 101."
    missing = refused(channel_type="openai", api_keys=["k"])
    assert describe_invalid(missing, "zh") == "部分输入无效。base_url：必填。"
    unknown = refused(base_url="https://acme.test/v1", channel_type="openai", api_keys=["k"], colour="red")
    assert describe_invalid(unknown, "zh") == "部分输入无效。colour：此请求没有这个字段。"


def test_a_type_the_table_does_not_know_keeps_pydantics_message():
    from pydantic import BaseModel, field_validator

    class Shape(BaseModel):
        name: str

        @field_validator("name")
        @classmethod
        def odd(cls, value: str) -> str:
            raise ValueError("names must be odd")

    with pytest.raises(ValidationError) as caught:
        Shape(name="x")
    assert describe_invalid(caught.value, "zh") == "部分输入无效。name: Value error, names must be odd"


def test_lists_and_sentences_are_joined_as_each_language_joins_them():
    assert joined(["a 1", "b 2"], lang="en") == "a 1, b 2"
    assert joined(["甲 1 项", "乙 2 项"], lang="zh") == "甲 1 项、乙 2 项"
    assert joined(["One.", "Two."], "sentence", "en") == "One. Two."
    assert joined(["一。", "二。"], "sentence", "zh") == "一。二。"
    assert joined(["One", "Two."], "then", "en") == "One. Two." and joined(["一", "二。"], "then", "zh") == "一。二。"


# ----- the sync page


async def test_a_run_with_removals_tells_its_wait_and_counts_in_chinese(chinese_browser: User, w, recorder):
    """The second run removes a provider's groups: before that it waits for uni-api, a note core records as its
    sentence; the success line lists its kinds of change the Chinese way."""
    user = chinese_browser
    await registry(w)
    await w.services.sync.start()
    await w.services.sync.wait()
    [beta] = [p.id for p in await providers.list_providers(w.services) if p.name == "beta-two"]
    await providers.delete_provider(w.services, beta)
    await user.open("/sync")
    await user.should_see(marker="apply", retries=30)
    user.find(marker="apply").click()
    await user.should_see(marker="confirm-question")
    user.find(marker="confirm-apply").click()
    await user.should_see(content="同步 2 已成功", marker="sync-success", retries=100)
    success = label_texts(user, "sync-success")[0]
    assert "删除分组 " in success and "、" in success and ", " not in success
    await user.should_see(marker="details-2", retries=30)
    user.find(marker="details-2").elements.pop().value = True
    await user.should_see(marker="details-note", retries=30)
    [note] = label_texts(user, "details-note")
    assert note.startswith("uni-api：") and ("等待了" in note or "写入已久" in note), note
    assert len(shown_texts(user, NOT_THE_PAGES_WORDS)) > 50
    assert chinese(user) == {}


async def test_a_run_stopped_at_a_wait_names_the_wait_in_chinese(chinese_browser: User, w, recorder):
    """A step is read by its code: the wait is said in words, and the stepper marks the api.yaml stage failed."""
    user = chinese_browser
    await registry(w)
    plan = (await w.services.sync.build_plan()).plan
    error = "GPT-Load has not loaded 1 new group(s) after 2 s (solo-model-x); api.yaml was not written."
    await SyncRecord.create(status="failed", plan=plan.public(), failed_step=WAITING_FOR_GPTLOAD.text, error=error)
    await user.open("/sync")
    await user.should_see(content="同步 1 在 等待 GPT-Load 加载新的分组 时失败：", marker="sync-failure", retries=30)
    await user.should_see(content="has not loaded", marker="gptload-error")  # the error's own words, apart
    failed = [step.props["name"] for step in user.find(kind=ui.step).elements if step.props.get("error")]
    assert failed == ["uniapi"]
    user.find(marker="details-1").elements.pop().value = True
    await user.should_see(content="在 等待 GPT-Load 加载新的分组 时停止：", retries=30)
    assert chinese(user) == {}


async def test_broken_providers_and_conflicts_are_said_in_chinese_with_their_own_words_kept(
    chinese_browser: User, w, recorder
):
    user = chinese_browser
    await registry(w)
    await Provider.filter(name="alpha-one").update(last_test_ok=False, last_test_error=TEST_ERROR)
    taken = next(s.name for s in (await w.services.sync.build_plan()).desired.specs if s.name.startswith("beta-two"))
    await w.services.gptload.create_group(
        {"name": taken, "group_type": "standard", "channel_type": "openai", "description": "hand-made",
         "upstreams": [{"url": "https://elsewhere.test", "weight": 1}], "test_model": "x"}
    )  # fmt: skip
    await user.open("/sync")
    await user.should_see(marker="route-warning", retries=30)
    await user.should_see(f"alpha-one：上次测试失败：{TEST_ERROR}")  # the test's own answer, as it was
    await user.should_see(content=f"冲突：{taken}：GPT-Load 中已有同名分组，且它不由本管理器管理", marker="conflict")
    assert len(shown_texts(user, NOT_THE_PAGES_WORDS)) > 40
    assert chinese(user) == {}


async def test_an_unsafe_plan_says_why_in_chinese(chinese_browser: User, w, recorder):
    user = chinese_browser
    await registry(w)
    await w.services.sync.start()
    await w.services.sync.wait()
    for provider in await providers.list_providers(w.services):
        await providers.delete_provider(w.services, provider.id)
    await user.open("/sync")
    await user.should_see(marker="unsafe-plan", retries=30)
    [reason] = label_texts(user, "unsafe-reason")
    assert reason.startswith("注册表为空，但 GPT-Load 中有本管理器的 ") and reason.endswith("或强制执行。")
    assert chinese(user) == {}


async def test_how_to_connect_gptload_is_said_in_chinese_in_the_header_and_the_preview(
    chinese_browser: User,
    w,
    recorder,
    unreachable,  # noqa: F811
):
    user = chinese_browser
    await registry(w)
    await user.open("/sync")
    await user.should_see(marker="plan-offline", retries=30)
    await user.should_see(content="连接方法：将 GPTLOAD_URL 设为 GPT-Load 的地址", marker="plan-offline-hint")
    await user.should_see(marker="gptload-hint", retries=30)
    await eventually(lambda: label_texts(user, "gptload-hint-text") == [said(CONNECT, partial(text_in, "zh"))])
    assert chinese(user) == {}  # the unreachable reason is the connection's error text: marked gptload-error


async def test_gptload_not_configured_is_said_in_chinese(chinese_browser: User, w, recorder):
    user = chinese_browser
    w.services.settings = replace(w.services.settings, gptload_auth_key="")
    await registry(w)
    await user.open("/sync")
    reason = "位于 http://gptload.test 的 GPT-Load 未配置：GPTLOAD_AUTH_KEY 为空。"
    await user.should_see(content=reason, marker="plan-offline-reason", retries=30)
    await user.should_see(marker="gptload-hint", retries=30)
    assert chinese(user) == {}


async def test_the_checks_would_see_cores_english_on_the_english_page(user: User, w, recorder, unreachable):  # noqa: F811
    await registry(w)
    await Provider.filter(name="alpha-one").update(last_test_ok=False, last_test_error=TEST_ERROR)
    await user.open("/sync")
    await user.should_see(marker="plan-offline", retries=30)
    await user.should_see(marker="gptload-hint", retries=30)
    await eventually(lambda: label_texts(user, "gptload-hint-text") == [str(CONNECT)])
    found = chinese(user)
    assert str(CONNECT) in found and f"alpha-one: Its last test failed: {TEST_ERROR}" in found


# ----- the dashboard, the workbench and the provider dialog


async def test_what_a_fetch_warns_of_is_said_in_chinese_on_the_dashboard(chinese_browser: User, w, recorder):
    user = chinese_browser
    await add(w, "alpha-one", ["solo-model"])
    account = w.fake.accounts[-1]
    await open_dashboard(user)
    account.models.clear()
    emit(user, "provider_action", {"id": 1, "action": "fetch"})  # the row's own Fetch button
    await eventually(lambda: any(m.endswith(f"。{listed_none(account.base_url)}") for m in user.notify.messages))
    await user.should_see(marker="manual-add")
    assert chinese(user) == {}

    account.models[:] = ["solo-model", "x" * 600]
    emit(user, "provider_action", {"id": 1, "action": "fetch"})  # the row's own Fetch button
    # The skipped name is described as core's listing describes it (its length): a value of the sentence.
    await eventually(lambda: any("。跳过了 1 个注册表无法保存的模型名称：xxx" in m for m in user.notify.messages))


async def test_what_a_fetch_warns_of_is_said_in_chinese_in_the_workbench(chinese_browser: User, w, recorder):
    user = chinese_browser
    provider_id = await add(w, "alpha-one", ["solo-model"])
    w.fake.accounts[-1].models.clear()
    await user.open(f"/providers/{provider_id}")
    await user.should_see(marker="legend")
    user.find(kind=ui.button, content="获取模型").click()
    await user.should_see(content="alpha-one 未列出任何模型。请手动添加一个：", marker="manual-add")
    assert user.notify.contains(listed_none(w.fake.accounts[-1].base_url))
    assert chinese(user) == {}


async def test_the_summary_strip_joins_its_counts_and_sentences_the_chinese_way(chinese_browser: User, w, recorder):
    user = chinese_browser
    await registry(w)
    await open_dashboard(user)
    tip = user.find(marker="strip-changes-tip").elements.pop()
    await eventually(lambda: "根据注册表" in tip.text)
    assert "创建分组 " in tip.text and "、" in tip.text and "。根据注册表" in tip.text
    assert ". " not in tip.text and ", " not in tip.text
    assert english_words(tip.text) == []


async def test_too_many_keys_for_a_check_are_refused_in_chinese_naming_the_field(chinese_browser: User, w, recorder):
    user = chinese_browser
    await user.open("/")
    await user.should_see(marker="view-toggle")
    user.find(kind=ui.button, content="添加服务商").click()
    await user.should_see(marker="dialog-save")
    user.find(kind=ui.input, content="名称").type("bulk")
    user.find(kind=ui.input, content="基础 URL").type("https://bulk.test/v1")
    keys = "\n".join(f"sk-bulk-{i:04d}-0123456789abcdef" for i in range(150))
    user.find(kind=ui.textarea, content="API 密钥").type(keys)
    user.find(kind=ui.button, content="测试连接").click()
    await user.should_see(content="部分输入无效。api_keys：最多 100 项，而不是 150 项。", marker="dialog-result")
    assert english_on_page(user, {"dialog-detail"}, re.compile(rf"{DIALOG_DATA.pattern}|api_keys|bulk[\w./:-]*")) == {}
