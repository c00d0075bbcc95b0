"""api.yaml in a plan (core.uniapi_state): a file the last sync settled is not rendered again; an edited file,
or changed entries, are; a plan previewed then applied renders once."""

from __future__ import annotations

from core.models import AppSetting
from core.uniapi import render
from core.uniapi_state import SETTLED_SETTING, RenderMemo, entries_digest, uniapi_state
from tests.test_sync import registry, rename, sync  # noqa: F401 (registry is a fixture)


async def state_now(services, memo: RenderMemo):
    desired = (await services.sync.build_plan()).desired
    return await uniapi_state(services.settings.uniapi_config_path, desired.entries, desired.client_key, memo), desired


async def test_a_file_the_last_sync_settled_is_neither_rendered_nor_parsed(services, registry):  # noqa: F811
    assert (await sync(services)).status == "succeeded"
    assert await AppSetting.exists(key=SETTLED_SETTING)
    memo = RenderMemo()
    state, desired = await state_now(services, memo)
    assert state.text == state.before == services.settings.uniapi_config_path.read_text()
    assert state.managed_now == {e.provider for e in desired.entries}
    assert memo.render_key is None and memo.parse_key is None  # nothing rendered, nothing parsed


async def test_an_operator_edit_is_rendered_again_and_kept(services, registry):  # noqa: F811
    assert (await sync(services)).status == "succeeded"
    path = services.settings.uniapi_config_path
    path.write_text(path.read_text() + "# the operator's note\n")
    memo = RenderMemo()
    state, _ = await state_now(services, memo)
    assert memo.render_key is not None and memo.parse_key is not None
    assert state.text == state.before and state.text.endswith("# the operator's note\n")
    assert (await services.sync.build_plan()).plan.is_empty


async def test_changed_entries_are_rendered_and_the_same_plan_renders_once(services, registry):  # noqa: F811
    assert (await sync(services)).status == "succeeded"
    await rename(services, registry["a"], "a-only", "a-renamed")
    memo = RenderMemo()
    first, desired = await state_now(services, memo)
    key = memo.render_key
    assert key == (key[0], entries_digest(desired.entries)) and '"a-renamed"' in first.text
    second, _ = await state_now(services, memo)
    assert memo.render_key == key and second.text is first.text  # the memo's text, not a new render


async def test_the_digest_changes_with_any_entry_field_and_the_order(services, registry):  # noqa: F811
    desired = (await services.sync.build_plan()).desired
    entries = desired.entries
    base = entries_digest(entries)
    assert entries_digest(list(reversed(entries))) != base
    first = entries[0]
    for changed in (
        first.__class__(first.provider, first.base_url + "x", first.engine, first.api, first.models),
        first.__class__(first.provider, first.base_url, first.engine, first.api + "x", first.models),
        first.__class__(first.provider, first.base_url, first.engine, first.api, (*(first.models or ()), "extra")),
    ):
        assert entries_digest([changed, *entries[1:]]) != base
    assert desired.proxy_key not in base


async def test_a_rename_of_a_settled_file_is_spliced_to_what_render_writes(services, registry):  # noqa: F811
    assert (await sync(services)).status == "succeeded"
    await rename(services, registry["a"], "a-only", "a-renamed")
    state, desired = await state_now(services, RenderMemo())
    assert state.spliced
    assert state.text == render(state.before, desired.entries, client_key=lambda: desired.client_key)
    assert (await sync(services)).status == "succeeded"
    assert services.settings.uniapi_config_path.read_text() == state.text


async def test_an_edited_file_takes_the_full_render(services, registry):  # noqa: F811
    assert (await sync(services)).status == "succeeded"
    path = services.settings.uniapi_config_path
    path.write_text(path.read_text() + "# the operator's note\n")
    await rename(services, registry["a"], "a-only", "a-renamed")
    state, _ = await state_now(services, RenderMemo())
    assert not state.spliced and '"a-renamed"' in state.text and state.text.endswith("# the operator's note\n")
