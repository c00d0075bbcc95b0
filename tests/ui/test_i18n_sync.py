"""The sync page in Chinese beyond what tests/ui/test_i18n_ui.py reads: the words in the plan grid's cells, the
history table and the topology diagram; a run while it goes on (the timer keeps the page's language), a failed
run (GPT-Load's own words kept as they are, beside ours) and an interrupted one; the diagram's count of many
selected names. Run statuses and stage names stay core's values for the code and tests that read them.
"""

from __future__ import annotations

import re

from nicegui import ui
from nicegui.testing import User

from core.models import SyncRecord
from tests.ui.chinese import NOT_THE_PAGES_WORDS, english_on_page, english_words, shown_texts
from tests.ui.test_i18n_ui import registry
from tests.ui.test_workbench_operator_ui import eventually

SHOWN_CELLS = ("stage", "kind", "target", "summary")  # the plan grid's columns
HISTORY_SHOWN = ("started", "duration", "status_text", "changes")  # the error column holds GPT-Load's words
MERMAID_SYNTAX = re.compile(r"^\s*graph LR$|\bn\d+\b", re.MULTILINE)  # the graph's header and node ids


def grid_words(user: User, marker: str, fields: tuple[str, ...]) -> dict[str, list[str]]:
    """English words in the cells a grid shows (``english_on_page`` reads its headers, not its rows)."""
    rows = user.find(marker=marker).elements.pop().options["rowData"]
    cells = [str(row[field]) for row in rows for field in fields]
    return {cell: words for cell in cells if (words := english_words(cell))}


def history_words(user: User) -> dict[str, list[str]]:
    """English words in the history table: its column labels and the cells it shows."""
    table = user.find(marker="history").elements.pop()
    texts = [column["label"] for column in table.props["columns"]]
    texts += [str(row[field]) for row in table.rows for field in HISTORY_SHOWN]
    return {text: words for text in texts if (words := english_words(text))}


def diagram_words(user: User) -> list[str]:
    source = user.find(marker="topology-diagram").elements.pop().content
    return english_words(MERMAID_SYNTAX.sub(" ", source))


async def preview_then_apply_with_details_and_diagram(user: User) -> dict[str, list[str]]:
    """The plan's grid read before apply (an applied plan is empty); then the run's details and a name drawn."""
    await user.open("/sync")
    await user.should_see(marker="plan-changes", retries=30)
    plan_cells = grid_words(user, "plan-changes", SHOWN_CELLS)
    user.find(marker="apply").click()
    await user.should_see(marker="confirm-question")
    user.find(marker="confirm-apply").click()
    await user.should_see(marker="sync-success", retries=100)
    await user.should_see(marker="details-1", retries=30)
    user.find(marker="details-1").elements.pop().value = True
    await user.should_see(marker="details-count", retries=30)
    user.find(marker="topology-table").trigger("names_picked", {"page": ["shared-chat"], "picked": ["shared-chat"]})
    await user.should_see(marker="topology-diagram")
    return plan_cells


async def test_grid_cells_history_and_diagram_are_chinese_and_keep_their_values(chinese_browser: User, w, recorder):
    user = chinese_browser
    await registry(w)
    await user.open("/sync")
    await user.should_see(marker="plan-changes", retries=30)
    rows = user.find(marker="plan-changes").elements.pop().options["rowData"]
    assert {"标准分组", "密钥", "聚合分组", "成员关系", "api.yaml 配置"} == {row["stage"] for row in rows}
    assert {"创建分组", "添加密钥", "添加成员", "写入 uni-api 配置"} == {row["kind"] for row in rows}
    assert any(row["summary"].startswith("1 个密钥：") for row in rows)
    assert any("（权重 " in row["summary"] for row in rows)

    assert await preview_then_apply_with_details_and_diagram(user) == {}  # the plan grid's cells
    assert history_words(user) == {} and diagram_words(user) == []
    [row] = user.find(marker="history").elements.pop().rows
    assert (row["status"], row["status_text"]) == ("succeeded", "成功")  # the value stays, the words are shown
    assert "服务商: alpha-one" in user.find(marker="topology-diagram").elements.pop().content
    steps = {step.props["name"]: step.props["title"] for step in user.find(kind=ui.step).elements}
    assert steps["members"] == "成员关系" and user.find(marker="sync-stepper").elements.pop().value == "uniapi"


async def test_the_cell_checks_would_see_english(user: User, w, recorder):
    await registry(w)
    plan_cells = await preview_then_apply_with_details_and_diagram(user)
    assert {"Standard groups", "create group", "add keys"} <= set(plan_cells)
    assert {"Status", "succeeded"} <= set(history_words(user))
    assert {"name", "provider", "group"} <= set(diagram_words(user))


async def test_a_running_sync_shows_its_stage_in_chinese(chinese_browser: User, w, recorder):
    """The progress line is written by the page's timer, in the language the page was opened in."""
    user = chinese_browser
    await registry(w)
    w.gptload.latency = 0.1
    await w.services.sync.start()
    await user.open("/sync")
    shown: list[str] = []

    def a_stage_shown_while_running() -> bool:
        """The timer's line names the stage the run is in (before the first stage it says it is planning)."""
        if w.services.sync.progress.running:
            lines = [label.text for label in user.find(marker="sync-stage").elements]
            shown.extend(line for line in lines if line.split("：")[0] in {"标准分组", "密钥", "聚合分组", "成员关系"})
        return bool(shown)

    await eventually(a_stage_shown_while_running, attempts=200)
    assert "（已完成 " in shown[0] and english_words(shown[0]) == []
    await w.services.sync.wait()
    await user.should_see(content="同步 1 已成功", marker="sync-success", retries=100)


async def test_a_failed_run_is_told_in_chinese_with_gptloads_words_as_they_are(chinese_browser: User, w, recorder):
    user = chinese_browser
    await registry(w)
    await user.open("/sync")
    await user.should_see(marker="apply", retries=30)
    w.gptload.fail_request(4)
    user.find(marker="apply").click()
    await user.should_see(marker="confirm-question")
    user.find(marker="confirm-apply").click()
    await user.should_see(content="同步 1 在 创建分组 ", marker="sync-failure", retries=100)
    await user.should_see(content="injected failure", marker="gptload-error")  # GPT-Load's answer, untouched
    await user.should_see(content="重试", marker="retry")
    failed = [step.props for step in user.find(kind=ui.step).elements if step.props.get("error")]
    assert [(props["name"], props["title"]) for props in failed] == [("standard", "标准分组")]
    await user.should_see("同步 1 的详情（失败）")
    user.find(marker="details-1").elements.pop().value = True
    await user.should_see(content=" 时停止：", retries=30)
    await user.should_see(content="毫秒 · 失败：")  # the failed change; GPT-Load's words beside it
    [row] = user.find(marker="history").elements.pop().rows
    assert (row["status"], row["status_text"]) == ("failed", "失败")
    assert len(shown_texts(user, NOT_THE_PAGES_WORDS)) > 50
    assert english_on_page(user) == {}
    assert history_words(user) == {}


async def test_an_interrupted_run_says_why_in_chinese(chinese_browser: User, w, recorder):
    user = chinese_browser
    await registry(w)
    plan = (await w.services.sync.build_plan()).plan
    done = [{"kind": c.kind, "target": c.target, "ok": True, "ms": 3} for c in plan.changes[:2]]
    await SyncRecord.create(status="running", plan=plan.public(), failed_step="stage members", results=done)
    await w.services.sync.recover_interrupted()
    await user.open("/sync")
    await user.should_see(content="同步 1 在 “成员关系”阶段 时中断：", marker="sync-failure", retries=30)
    await user.should_see(content="管理器停止了", marker="sync-failure")  # core's English reason, in words
    await user.should_see(f"计划的 {len(plan.changes)} 处更改中已执行 2 处；重试会应用计划预览中显示的更改。")
    user.find(marker="details-1").elements.pop().value = True
    await user.should_see(content="已执行 2 处", marker="details-count", retries=30)
    assert english_on_page(user) == {}
    assert history_words(user) == {}


async def test_many_selected_names_are_counted_in_chinese_and_search_is_labelled(chinese_browser: User, w, recorder):
    user = chinese_browser
    await registry(w)
    await user.open("/sync")
    await user.should_see("未选择名称：关系图显示在表格中选择的名称。", retries=30)
    picked = ["shared-chat", "solo-model", *(f"solo-model-{i}" for i in range(10))]  # more than the diagram draws
    user.find(marker="topology-table").trigger("names_picked", {"page": picked, "picked": picked})
    await user.should_see(content="已绘制 10 个所选名称，另外还选择了 2 个", marker="diagram-count")
    user.find("清除选择").click()
    await user.should_see("未选择名称：关系图显示在表格中选择的名称。")
    user.find("搜索名称").type("solo")  # the search box's label is the page's language
    grid = user.find(marker="topology-table").elements.pop()
    await eventually(lambda: [row["exposed"] for row in grid.options["rowData"]] == ["solo-model"])
