"""Operator stories on the providers table (issue 14 §1) with 30 providers: the summary strip and its link to /sync,
quick search, bulk Test and Delete of the selected rows the search shows, health from GPT-Load, and the cards
as the remembered alternative view.

AG Grid renders in the browser, so these stories read the grid's row data and send what its JavaScript sends
(the selection, a row's button); tests/browser/test_smoke.py renders the table in Chromium.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from nicegui import ui
from nicegui.testing import User

from core import providers
from core.models import Provider
from core.providers import ProviderCreate, ProviderPublic
from tests.conftest import fake_key
from tests.ui.test_workbench_operator_ui import emit, eventually
from ui.dashboard import delete_question
from ui.providers_table import quick_match

VENDORS = ("alpha", "beta", "gamma")
COUNT = 30


async def thirty_providers(w) -> dict[str, int]:
    """alpha-00, beta-01, gamma-02, ... each with a model of its own and one every provider shares."""
    ids = {}
    for i in range(COUNT):
        name = f"{VENDORS[i % 3]}-{i:02d}"
        account = w.fake.add("openai", f"{name}.test", [fake_key(name)], ["shared-chat", f"own-{i:02d}"])
        data = ProviderCreate(name=name, base_url=account.base_url, channel_type="openai", api_keys=account.keys)
        ids[name] = (await providers.create_provider(w.services, data)).id
    return ids


def grid(user: User) -> ui.aggrid:
    return user.find(marker="providers-grid").elements.pop()


def rows(user: User) -> dict[str, dict]:
    return {r["name"]: r for r in grid(user).options["rowData"]}


def select(user: User, ids: dict[str, int], *names: str) -> None:
    """What the browser reports when rows are ticked (it leaves out rows its filters hide; here Python checks)."""
    emit(user, "providers_selection", {"ids": [ids[n] for n in names], "shown": COUNT})


async def sync(w) -> None:
    await w.services.sync.start()
    await w.services.sync.wait()


async def open_table(user: User) -> None:
    await user.open("/")
    await user.should_see(marker="providers-grid", retries=30)


async def test_the_table_is_the_default_under_a_summary_strip_that_links_to_the_sync(user: User, w, recorder):
    await thirty_providers(w)
    await open_table(user)
    assert len(rows(user)) == COUNT
    await user.should_not_see(marker="provider-card")
    await user.should_see(content="30 providers", marker="strip-providers", retries=30)
    await user.should_see(content="60 active models", marker="strip-models")
    await user.should_see(content="31 exposed names", marker="strip-names")  # shared-chat once, 30 own names
    await user.should_see(content="0 GPT-Load groups (managed)", marker="strip-groups")
    await user.should_see(content="never synced", marker="strip-sync")
    await user.should_see(content="changes a sync would make now", marker="strip-changes")
    link = user.find(marker="strip-changes").elements.pop()
    assert link.props["href"] == "/sync"
    row = rows(user)["beta-01"]
    assert (row["keys"], row["keys_masked"], row["active"], row["total"], row["duplicates"]) == (1, "sk-…cdef", 2, 2, 0)
    assert (row["test"], row["group_count"], row["health"]) == ("untested", 0, "no groups")

    await sync(w)
    await open_table(user)
    await user.should_see(content="Nothing to sync", marker="strip-changes", retries=30)
    await user.should_see(content="succeeded", marker="strip-sync")
    groups = len(w.gptload.groups_by_name())
    await user.should_see(content=f"{groups} GPT-Load groups (managed)", marker="strip-groups")
    assert rows(user)["beta-01"]["groups"] == "beta-01-1-shared-chat, beta-01-no-aggregate-models"

    user.find(marker="strip-changes").click()
    await user.should_see("Plan preview", retries=30)


async def test_search_then_bulk_test_tests_only_the_selected_rows_it_shows(user: User, w, recorder):
    ids = await thirty_providers(w)
    w.fake.accounts[4].failure = "500"  # beta-04
    await open_table(user)
    user.find(marker="providers-search").type("beta")
    await user.should_see(content="10 of 30 providers", marker="providers-count")
    select(user, ids, "beta-01", "beta-04", "alpha-00")  # alpha-00 was ticked before the search hid it
    user.find(marker="bulk-test").click()
    await user.should_see("Tested 2 providers: 1 passed, 1 failed", retries=50)
    tested = await Provider.exclude(last_tested_at=None).values_list("name", "last_test_ok")
    assert sorted(tested) == [("beta-01", True), ("beta-04", False)]
    await eventually(lambda: (rows(user)["beta-01"]["test"], rows(user)["beta-04"]["test"]) == ("ok", "failed"))
    assert rows(user)["beta-04"]["test_error"]  # the provider's own words, as the row's tooltip

    emit(user, "provider_action", {"id": ids["gamma-02"], "action": "test"})  # a row's own Test button
    await user.should_see("gamma-02: OK in")


async def test_bulk_delete_asks_once_naming_the_providers_and_their_models(user: User, w, recorder):
    ids = await thirty_providers(w)
    await open_table(user)
    user.find(marker="bulk-delete").click()
    await user.should_see("Select providers first")
    select(user, ids, "alpha-00", "beta-01")
    user.find(marker="bulk-delete").click()
    question = "Delete 2 providers (alpha-00, beta-01) and their 4 models? The next sync removes their groups."
    await user.should_see(content=question, marker="delete-question")
    user.find(marker="delete-cancel").click()
    await user.should_not_see(marker="delete-question")
    assert await Provider.all().count() == COUNT

    user.find(marker="bulk-delete").click()
    await user.should_see(content=question, marker="delete-question")
    user.find(marker="delete-confirm").click()
    await user.should_see("Deleted alpha-00, beta-01")
    assert await Provider.filter(name__in=["alpha-00", "beta-01"]).count() == 0
    await eventually(lambda: len(rows(user)) == COUNT - 2)
    await user.should_see(content="28 providers", marker="strip-providers", retries=30)
    assert user.find(marker="providers-grid").elements.pop().options["rowData"][0]["name"] == "alpha-03"


async def test_health_shows_gptload_stats_and_unknown_with_the_reason(user: User, w, recorder):
    ids = await thirty_providers(w)
    await sync(w)
    w.gptload.record_requests("gamma-02-no-aggregate-models", 200, failed=50)
    w.gptload.mark_invalid("gamma-02-1-shared-chat", fake_key("gamma-02"))
    await open_table(user)
    # filled in after the page was out: HEALTH_READ_AFTER (2 s), then the read
    await eventually(lambda: rows(user)["gamma-02"]["health"] == "read", attempts=200)
    row = rows(user)["gamma-02"]
    assert (row["active_keys"], row["invalid_keys"], row["requests_24h"], row["failure_rate"]) == (1, 1, 200, 0.25)
    assert rows(user)["alpha-00"]["failure_rate"] is None  # no request in 24 h

    w.gptload.down = True
    user.find(marker="refresh-health").click()
    await user.should_see(content="Health unknown", marker="health-status", retries=50)
    row = rows(user)["gamma-02"]
    assert (row["health"], row["failure_rate"]) == ("unknown", None) and "HTTP 503" in row["health_note"]
    assert w.services.health.snapshot().of(ids["gamma-02"]).status == "unknown"


async def test_the_page_is_drawn_before_any_health_read_starts_then_one_starts_by_itself(user: User, w, recorder):
    """A cold load of the dashboard must not share the app's one event loop with several hundred stats calls: the
    page shows what the cache knows, and asks for a read once it has been up for HEALTH_READ_AFTER seconds."""
    await thirty_providers(w)
    await sync(w)
    stats_calls = lambda: [p for _, p in w.gptload.requests if p.endswith("/stats")]  # noqa: E731
    await open_table(user)
    assert not w.services.health.peek().reading and stats_calls() == []
    assert {r["health"] for r in rows(user).values()} == {"unknown"}
    await eventually(lambda: rows(user)["alpha-00"]["health"] == "read", attempts=200)
    assert stats_calls()  # the page's own timer started the read, nothing else did


async def test_the_cards_stay_one_toggle_away_and_the_choice_is_remembered(user: User, w, recorder):
    await thirty_providers(w)
    await open_table(user)
    user.find(marker="view-toggle").elements.pop().value = "cards"
    await user.should_see("Models: 2 active / 2 total")
    assert len(user.find(marker="provider-card").elements) == COUNT
    await user.open("/")
    await user.should_see(marker="provider-card", retries=30)  # remembered, like dark mode
    await user.should_not_see(marker="providers-grid")
    user.find(marker="view-toggle").elements.pop().value = "table"
    await user.should_see(marker="providers-grid")
    await user.should_not_see(marker="provider-card")
    await open_table(user)


ROW = {"name": "DeepSeek-Mirror", "channel_type": "openai", "base_url": "https://ds.example/v1",
       "keys_masked": "sk-…a1b2", "groups": "deepseek-mirror-no-aggregate-models", "health": "unknown",
       "active": 12}  # fmt: skip


@pytest.mark.parametrize(
    ("text", "shown"),
    [("", True), ("deepseek", True), ("mirror OPENAI", True), ("ds.example", True), ("a1b2", True),
     ("no-aggregate", True), ("deepseek anthropic", False), ("unknown", False), ("12", False)],
)  # fmt: skip
def test_quick_search_reads_the_searched_columns_and_needs_every_word(text, shown):
    assert quick_match(ROW, text) is shown


def provider(name: str, models: int) -> ProviderPublic:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return ProviderPublic(id=1, name=name, base_url="https://x.test/v1", channel_type="openai",
                          api_keys_masked=["sk-…a1b2"], api_key_fingerprints=["f"], model_count=models,
                          active_model_count=models, last_fetched_at=None, last_tested_at=None, last_test_ok=None,
                          last_test_latency_ms=None, last_test_error=None, created_at=now, updated_at=now)  # fmt: skip


@pytest.mark.parametrize(
    ("chosen", "question", "button"),
    [([("a", 3)], "Delete a and its 3 models? The next sync removes its groups.", "Delete a"),
     ([("a", 3), ("b", 4)], "Delete 2 providers (a, b) and their 7 models? The next sync removes their groups.",
      "Delete 2 providers"),
     ([(f"p{i}", 1) for i in range(22)], "(p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, p13, p14, p15, "
      "p16, p17, p18, p19 and 2 more) and their 22 models?", "Delete 22 providers")],
    ids=["one", "two", "many"],
)  # fmt: skip
def test_one_delete_question_names_the_providers_and_counts_their_models(chosen, question, button):
    asked, label = delete_question([provider(name, models) for name, models in chosen])
    assert question in asked and label == button
