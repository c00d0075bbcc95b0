"""The Import and restore page in Chinese (issue 14 §5): a browser asking for zh-CN goes through every step of
an import (sources, review with conflicts of every kind, adoption, apply, "Next: preview the sync"), uploads an
api.yaml, restores a backup with its passphrase, and sees no English words but the data: provider, group and
model names, URLs, file names.

Core's own sentences (conflict details, findings, sources, warnings, refusals) come as phrases, a code and its
values (core/phrases.py; REST keeps their English beside them). The page says each by its code, ``said.<code>``
in the translation table: every code core can say has a text in both languages with the same placeholders, its
English is core's own (so REST and the English page say the same), and core's own functions, made to say each
code once below, are said in Chinese with no English but the data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from string import Formatter

from nicegui import ui
from nicegui.testing import User

from core import backup, backup_bundle, catalog, importing, providers
from core.backup import make_backup
from core.catalog import Changes
from core.errors import InvalidInput, LpmError
from core.import_proposal import KEEP_MINE, MERGE, SEPARATE, SKIP, SPLIT, Conflict, Registered, check_choices, propose
from core.import_shapes import ImportApplyRequest, ImportPreviewRequest, UniapiSource
from core.import_sources import ModelCandidate, Unmappable, backup_source, entry_source, from_gptload, group_source
from core.import_uniapi import from_uniapi
from core.naming import OWNER_MARKER
from core.phrases import IMPORT as PHRASES
from core.phrases import Phrase, phrase_of
from core.providers import ProviderCreate
from tests.conftest import fake_key
from tests.import_layout import OPERATOR_PROXY_KEY, admin, build_layout
from tests.test_import_proposal import candidate, operator_layout, read_of, sources
from tests.test_import_sources import KEYS, aggregate, group, layout_of, proxied
from tests.ui.chinese import english_on_page, english_words, shown_texts
from tests.ui.test_import_ui import (
    PASSPHRASE,
    backup_of_a_deleted_provider,
    choice_of,
    models_shown,
    preview_setup,
    rows,
    until,
)
from ui.i18n import text_in
from ui.import_page import explain
from ui.import_review import KINDS, NAMED_OPTIONS, OPTIONS
from ui.locales import EN, ZH
from ui.messages import said

# The data of these tests: the names build_layout() and the conflicts below give providers, groups, entries and
# models (quoted in core's sentences), the uploaded files, and the names of the pure checks (and of
# tests.test_import_proposal.operator_layout).
DATA = re.compile(
    r"\b(openai|mirror|gemini|deepseek|claude|ops|pool|gpt|o3|reasoner|thinker|sonnet|r1|mine|acme|bare-acme|alpha|"
    r"setup|nowhere|a-main|b-main|twin|owned|via)[\w.:-]*|'[^'\s]*'|\.lpmbak"
)
# Data core's refusals name too: conflict ids and option ids (what a request sent), request shapes, base64.
REQUEST_DATA = re.compile(rf"{DATA.pattern}|\b[a-z_]+-[0-9a-f]{{12}}\b|\bskip\b|\{{\"(path|text)\": \.\.\.\}}|base64")
# Values that are someone else's words, said as they are (a YAML parser's complaint, a provider's error).
FOREIGN_WORDS = {"yaml_unreadable": "problem", "models_not_fetched": "detail"}


def english(key: str, **values: object) -> str:
    return text_in("en", key, **values)


def chinese(key: str, **values: object) -> str:
    return text_in("zh", key, **values)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name is not None}


# ----- core's sentences, said by their code -------------------------------------------------------------------


def test_every_code_core_can_say_has_a_text_in_both_languages_with_the_same_placeholders():
    assert len(PHRASES) > 60
    for code, text in PHRASES.items():
        key = f"said.{code}"
        assert key in EN and key in ZH, code
        assert placeholders(EN[key]) == placeholders(ZH[key]) == placeholders(text), code


def test_the_english_page_says_every_code_exactly_as_core_and_rest_do():
    assert {code: EN[f"said.{code}"] for code in PHRASES} == PHRASES


def codes_in(phrase: Phrase) -> set[str]:
    """The phrase's code and those of the phrases among its values."""
    inner = [v for value in phrase.values.values() for v in (value if isinstance(value, tuple) else (value,))]
    return {phrase.code}.union(*(codes_in(v) for v in inner if isinstance(v, Phrase)))


def conflicts_of_every_kind() -> list[Conflict]:
    """A registered upstream imported again, one original under two names, two under one, two key sets."""
    k0, k1 = fake_key("acme-k0"), fake_key("acme-k1")
    registered = Registered(7, "acme-mine", "https://acme-r.test/v1", "openai", frozenset({k0}), {"acme-r": "acme-n"})
    clashing = read_of(
        candidate("group acme-g", ModelCandidate("acme-a", "acme-n"), ModelCandidate("acme-b", "acme-n")),
        candidate("group acme-h", ModelCandidate("acme-c", "acme-x"), url="https://acme-h.test/v1"),
        candidate("api.yaml entry acme-h", ModelCandidate("acme-c", "acme-y"), url="https://acme-h.test/v1"),
        candidate("group acme-k", url="https://acme-k.test/v1"),
        candidate("backup acme-k", keys=(k1,), url="https://acme-k.test/v1"),
        candidate("group acme-r", url="https://acme-r.test/v1", keys=(k1,)),
    )
    proposal = propose(clashing, [registered])
    assert {c.kind for c in proposal.conflicts} == {"name_clash", "two_names", "keys_differ", "provider_exists"}
    return proposal.conflicts


def phrases_of_what_was_read() -> list[Phrase]:
    """What GPT-Load's groups, an api.yaml and the proposal make core say, one of each code."""
    groups = [
        group(1, "acme-owned"),
        group(2, "acme-vertex", channel_type="vertex"),
        group(3, "acme-off", upstreams=[]),
        group(4, "bare-acme"),  # no keys (tests.test_import_sources.layout_of)
        group(5, "acme-strict", model_redirect_rules={"acme-fast": "acme-mini"}, model_redirect_strict=True),
        group(6, "acme-loose", model_redirect_rules={"acme-fast": "acme-mini"}),
        aggregate(7, "acme-pool"),
        aggregate(8, "acme-empty"),
        group(9, "acme-two", upstreams=[{"url": "https://acme-1.test", "weight": 1}, {"url": "https://acme-2.test"}]),
    ]
    layout = layout_of(*groups, members={7: {5: 1, 6: 1}})
    read, by_name = from_gptload(layout, {1})
    direct = {"base_url": "https://acme-direct.test/v1/chat/completions", "api": fake_key("acme"), "model": ["m"]}
    entries = [
        "acme-not-a-mapping",
        {"provider": "acme-own", "notes": OWNER_MARKER},
        {"base_url": "https://acme.test/v1"},
        {**direct, "provider": "acme-twice"},
        {**direct, "provider": "acme-twice"},
        proxied("acme-lost", "nowhere", "m"),
        proxied("acme-via", "acme-loose", "acme-fast"),
        {"provider": "acme-no-url", "api": fake_key("acme")},
        {**direct, "provider": "acme-vertex-engine", "engine": "vertex"},
        {**direct, "provider": "acme-odd-engine", "engine": 5},
        {**direct, "provider": "acme-azure", "base_url": "https://acme.openai.azure.com/v1/chat/completions"},
        {"provider": "acme-keyless", "base_url": "https://acme-keyless.test/v1/chat/completions"},
        {**direct, "provider": "acme-direct"},
    ]
    entries_read = from_uniapi({"providers": entries}, by_name, layout, adoptable=True)
    alone = from_uniapi({"providers": [proxied("acme-alone", "acme-loose", "m")]}, None, None, adoptable=False)
    said_of = [f.proposal for f in read.groups + entries_read.entries + alone.entries]
    said_of += [u.reason for u in read.unmappable + entries_read.unmappable + alone.unmappable]
    said_of += [c.source for c in read.candidates + entries_read.candidates] + [backup_source("acme-b")]
    return said_of + [c.detail for c in conflicts_of_every_kind()]


def refused(call: Callable[[], object]) -> Phrase:
    try:
        call()
    except LpmError as error:
        phrase = phrase_of(error)
        assert phrase is not None and str(phrase) == error.detail, error.detail
        return phrase
    raise AssertionError("not refused")


async def refused_async(call: Awaitable[object]) -> Phrase:
    try:
        await call
    except LpmError as error:
        phrase = phrase_of(error)
        assert phrase is not None and str(phrase) == error.detail, error.detail
        return phrase
    raise AssertionError("not refused")


def refusals_of_choices() -> list[Phrase]:
    """Every way check_choices refuses: an adoption that breaks what stays yours, a choice never offered."""
    proposal = operator_layout()
    unmappable = next(c.id for c in proposal.conflicts if c.kind == "unmappable")
    refusals = [(adopt, {}, []) for adopt in (["owned"], ["a-main"], ["a-main", "b-main", "pool"], ["twin"])]
    refusals += [([], {"nope-123": SKIP}, []), ([], {unmappable: MERGE}, []), (["acme"], {}, []), ([], {}, ["acme"])]
    phrases = [refused(lambda a=a, c=c, s=s: check_choices(proposal, c, a, s)) for a, c, s in refusals]
    direct = {"provider": "bare-twin", "base_url": "https://twin.example/v1", "api": KEYS[0]}
    twins = propose(sources([group(1, "bare-twin")], [direct]), [])  # a group without keys, an entry to adopt
    return [*phrases, refused(lambda: check_choices(twins, {}, ["bare-twin"]))]


def refusals_of_backups() -> list[Phrase]:
    sealed = backup_bundle.seal(b"{}", PASSPHRASE)
    newer = backup_bundle.seal(
        json.dumps({"format": backup.FORMAT, "version": 99, "providers": []}).encode(), PASSPHRASE
    )
    return [
        refused(lambda: backup_bundle.check_passphrase("short")),
        refused(lambda: backup_bundle.unseal(b"not a backup", PASSPHRASE)),
        refused(lambda: backup_bundle.unseal(sealed[:6] + bytes([9]) + sealed[7:], PASSPHRASE)),  # format 9
        refused(lambda: backup_bundle.unseal(sealed[:7] + bytes([40]) + sealed[8:], PASSPHRASE)),  # scrypt 2^40
        refused(lambda: backup_bundle.unseal(sealed, "not the passphrase at all")),
        refused(lambda: backup.read_bundle(sealed, PASSPHRASE)),
        refused(lambda: backup.read_bundle(newer, PASSPHRASE)),
    ]


async def refusals_and_warnings_of_the_import(w) -> list[Phrase]:
    """Every way a preview or an apply refuses (with the services of the UI tests), and a preview's warning."""
    settings = w.services.settings
    configured = UniapiSource(path=str(settings.uniapi_config_path))
    previews = [
        ImportPreviewRequest(),
        ImportPreviewRequest(uniapi=configured),  # no file yet
        ImportPreviewRequest(uniapi=UniapiSource()),
        ImportPreviewRequest(uniapi=UniapiSource(path=str(settings.uniapi_config_path) + ".elsewhere")),
        ImportPreviewRequest(uniapi=UniapiSource(text="a: [b")),
        ImportPreviewRequest(bundle="not base64!"),
        ImportPreviewRequest(gptload=True, checksum="0" * 64),
    ]
    phrases = [await refused_async(importing.preview(w.services, request)) for request in previews]
    phrases.append(await refused_async(importing.apply(w.services, ImportApplyRequest(checksum="0" * 64))))
    layout = await build_layout(w.fake, w.gptload, settings)
    layout.accounts["gemini"].failure = "500"
    fetched = await importing.preview(w.services, ImportPreviewRequest(gptload=True, fetch_models=True))
    phrases += fetched.warning_phrases
    w.services.sync.progress.running = True
    phrases.append(await refused_async(importing.apply(w.services, ImportApplyRequest(checksum=fetched.checksum))))
    w.services.sync.progress.running = False
    for change in ("registry", "gptload", "api.yaml"):
        preview = await importing.preview(w.services, ImportPreviewRequest(gptload=True, uniapi=configured))
        if change == "registry":
            account = w.fake.add("openai", "acme.test", [fake_key("acme")], ["m"])
            data = ProviderCreate(name="acme", base_url=account.base_url, channel_type="openai", api_keys=account.keys)
            await providers.create_provider(w.services, data)
        elif change == "gptload":
            await admin(w.gptload, "POST", "/api/groups", {"name": "acme-late", "channel_type": "openai",
                        "upstreams": [{"url": "https://acme.test", "weight": 1}], "test_model": "x"})  # fmt: skip
        else:
            settings.uniapi_config_path.write_text(layout.api_yaml + "# changed\n")
        phrases.append(await refused_async(importing.apply(w.services, ImportApplyRequest(checksum=preview.checksum))))
    return phrases


def assert_said(phrase: Phrase) -> None:
    """In English as core says it (REST's words); in Chinese Chinese, with no English but the data."""
    assert said(phrase, english) == str(phrase)
    foreign = FOREIGN_WORDS.get(phrase.code)
    neutral = Phrase(phrase.code, {**phrase.values, foreign: "acme"}) if foreign else phrase
    zh = said(neutral, chinese)
    assert re.search(r"[\u4e00-\u9fff]", zh), phrase
    assert english_words(zh, REQUEST_DATA) == [], (str(phrase), zh)


async def test_every_code_core_can_say_is_said_by_its_functions_and_reads_in_chinese_with_no_english(user: User, w):
    phrases = phrases_of_what_was_read() + refusals_of_choices() + refusals_of_backups()
    phrases += await refusals_and_warnings_of_the_import(w)
    assert set().union(*map(codes_in, phrases)) == set(PHRASES), "a code core never says, or one not checked here"
    for phrase in phrases:
        assert_said(phrase)


async def test_a_yaml_parsers_complaint_is_said_as_it_is_inside_the_chinese_sentence(user: User, w):
    broken = ImportPreviewRequest(uniapi=UniapiSource(text="a: [b"))
    unreadable = await refused_async(importing.preview(w.services, broken))
    problem = unreadable.values["problem"]
    assert str(unreadable) == f"The api.yaml cannot be read: {problem}"
    assert said(unreadable, chinese) == f"无法读取 api.yaml：{problem}"


def test_sources_name_where_a_provider_comes_from_in_the_pages_language():
    names = (group_source("acme-a", "https://acme.test"), entry_source("acme-b"), backup_source("acme-c"))
    assert said(names, english) == "group acme-a (https://acme.test), api.yaml entry acme-b, backup acme-c"
    assert said(names, chinese) == "分组 acme-a (https://acme.test), api.yaml 条目 acme-b, 备份 acme-c"


def test_a_refusal_is_said_by_its_phrase_and_an_error_without_one_keeps_its_words():
    passphrase = refused(lambda: backup_bundle.check_passphrase("short"))
    error = InvalidInput(str(passphrase), code="passphrase_too_short", extra={"detail_phrase": passphrase.public()})
    assert explain(error, chinese) == f"{chinese('error.passphrase_too_short')} 备份的密码短语至少需要 12 个字符。"
    assert explain(error, english) == f"{english('error.passphrase_too_short')} {passphrase}"
    other = InvalidInput("Something a server says.")
    assert explain(other, chinese) == f"{chinese('error.invalid_input')} Something a server says."


def test_every_count_has_its_singular_and_every_conflict_kind_and_option_its_words():
    counts = [key for key in EN if key.startswith("imp.n_") and not key.endswith("_one")]
    assert len(counts) >= 5
    assert [key for key in counts if f"{key}_one" not in EN or f"{key}_one" not in ZH] == []
    assert english("imp.n_models_one", count=1) == "1 model" and english("imp.n_models", count=2) == "2 models"
    assert set(OPTIONS) == {MERGE, KEEP_MINE, SKIP, SEPARATE, SPLIT}  # core's option ids; keep:X and name:X too
    no_keys = Phrase("group_unmappable", {"name": "acme", "reason": Phrase("no_keys")})
    conflicts = propose(read_of(unmappable=[Unmappable("group acme", no_keys)]), []).conflicts
    for conflict in [*conflicts, *conflicts_of_every_kind()]:
        assert conflict.kind in KINDS
        assert all(o in OPTIONS or o.startswith(tuple(NAMED_OPTIONS)) for o in conflict.options), conflict.options


# ----- the page -----------------------------------------------------------------------------------------------

EXTRA_ENTRIES = """\
  - provider: openai-thinking
    base_url: http://gptload.test/proxy/openai-main/v1/chat/completions
    api: {operator}
    model:
      - o3: thinker
  - provider: mirror-direct
    base_url: https://mirror.test/v1/chat/completions
    engine: gpt
    api: {mirror}
    model:
      - gpt-4o
  - provider: nowhere-bound
    base_url: http://gptload.test/proxy/nowhere/v1/chat/completions
    api: {operator}
    model:
      - m
"""


async def conflicted_setup(w) -> None:
    """The hand-made setup of tests/import_layout.py with a conflict of every kind: the operator registered
    openai.test by hand (gpt-4o-mini renamed gpt4o: merging brings a second gpt4o), clients reach o3 as reasoner
    and as thinker, an entry reaches mirror.test with another key, and neither a group without keys nor an entry
    pointing at a group GPT-Load lacks can be imported."""
    layout = await build_layout(w.fake, w.gptload, w.services.settings)
    account = layout.accounts["openai"]
    listed, account.models = account.models, ["gpt-4o-mini"]
    data = ProviderCreate(name="mine", base_url=account.base_url, channel_type="openai", api_keys=account.keys[:1])
    created = await providers.create_provider(w.services, data)
    account.models = listed
    [model] = await catalog.list_models(created.id)
    await catalog.apply_changes(w.services, Changes(renames={model.id: "gpt4o"}, provider_id=created.id))
    await admin(w.gptload, "POST", "/api/groups", {"name": "acme-keyless", "channel_type": "openai",
                "upstreams": [{"url": "https://acme.test", "weight": 1}], "test_model": "x"})  # fmt: skip
    extra = EXTRA_ENTRIES.format(operator=OPERATOR_PROXY_KEY, mirror=fake_key("hm-mr2"))
    path = w.services.settings.uniapi_config_path
    path.write_text(layout.api_yaml.replace("api_keys:\n", extra + "api_keys:\n"))


def texts_of(user: User, marker: str) -> list[str]:
    return [element.text for element in user.find(marker=marker).elements]


def kinds_shown(user: User) -> set[str]:
    return {badge.text for badge in user.find(kind=ui.badge).elements}


async def test_a_chinese_browser_imports_through_every_step_in_chinese(chinese_browser: User, w, recorder):
    user = chinese_browser
    await conflicted_setup(w)
    await user.open("/import")
    await user.should_see(marker="import-preview", retries=30)
    await user.should_see("预览导入")
    await user.should_see("现有配置")
    await user.should_see("只读取：应用之前不会保存任何内容。")
    assert english_on_page(user, data=DATA) == {}

    user.find(marker="import-preview").click()
    await user.should_see(marker="import-providers", retries=50)
    await user.should_see(content="1 个合并到已注册的服务商", marker="import-counts")
    assert kinds_shown(user) >= {"已注册", "密钥集不同", "一个模型有多个名称", "多个模型共用一个名称", "无法导入"}
    assert "合并密钥和模型" in choice_of(user, "merge").options.values()
    await user.should_see("分组 acme-keyless 无法导入：它没有密钥。")
    await user.should_see("条目 nowhere-bound 无法导入：它指向 GPT-Load 分组 nowhere，但 GPT-Load 中没有该分组。")
    await user.should_see(
        "客户端以 'reasoner', 'thinker' 访问 'o3'；注册表中每个模型只保留一个名称，其他名称将不再路由。"
    )
    await user.should_see(marker="bulk-unmappable")
    await user.should_see("应用到此类全部冲突")
    merged = next(r for r in rows(user, "import-providers") if r["merge"])
    assert merged["outcome"] == "合并到已注册的 mine" and "分组 openai-main" in merged["sources"]
    headers = [c["headerName"] for c in user.find(marker="import-providers").elements.pop().options["columnDefs"]]
    assert headers == ["导入", "名称", "处理方式", "基础 URL", "渠道", "密钥", "模型", "来源"]
    assert len(shown_texts(user, set())) > 60
    assert english_on_page(user, data=DATA) == {}

    choice_of(user, "split").value = "keep:gpt-4o-mini"  # previews again: gpt-4o keeps its own name
    await until(lambda: ("mine", "gpt-4o", "gpt-4o") in models_shown(user))
    assert choice_of(user, "split").value == "keep:gpt-4o-mini"
    choice_of(user, "merge").value = "skip"  # the clash goes with the merge, and the choice made there
    await user.should_see("之前的部分选择已不再适用，已被重置。", retries=50)
    await user.should_see(content="0 个合并到已注册的服务商", marker="import-counts")
    bulk = user.find(marker="bulk-apply-unmappable").elements.pop()
    user.find(marker="bulk-apply-unmappable").click()
    await until(lambda: bulk.is_deleted)  # the review is drawn again from the preview with these choices

    user.find(marker="import-to-adopt").click()
    await user.should_see("接管：由管理器接手，下一次同步会把它重组为计划中的普通更改。", retries=30)
    await user.should_see("聚合分组：包含 2 个成员的聚合分组：mirror-main, openai-main")
    user.find(marker="adopt-all").click()
    await until(lambda: re.fullmatch(r"已选择 ([1-9]\d*) / \1 个可接管项", texts_of(user, "adopt-count")[0]))
    user.find(marker="import-to-apply").click()
    summary = texts_of(user, "import-summary")[0]
    assert summary.startswith("将创建 ") and summary.endswith("要么全部生效，要么全部不生效。")
    user.find(marker="import-apply").click()  # openai-main stays the operator's (skipped), so its aggregate does
    refusal = "分组 mirror-main 是聚合分组 gpt4o-pool 的成员，而 gpt4o-pool 仍归你管理"
    await user.should_see(content=refusal, marker="import-error", retries=50)
    assert texts_of(user, "import-error")[0].startswith(chinese("error.invalid_choice"))
    assert english_on_page(user, data=DATA) == {}

    user.find(marker="import-back-to-adopt").click()
    user.find(marker="adopt-none").click()
    await user.should_see(content="已选择 0 / ", marker="adopt-count")
    user.find(marker="import-to-apply").click()
    user.find(marker="import-apply").click()
    await user.should_see(marker="import-result", retries=50)
    assert texts_of(user, "import-result")[0].startswith("已导入：创建 ")
    assert "已导入。接下来请预览同步。" in user.notify.messages
    await user.should_see("下一步：预览同步")
    assert english_on_page(user, data=DATA) == {}
    user.find(marker="import-next-sync").click()
    await user.should_see("计划预览", retries=50)


async def test_the_same_check_finds_the_english_page_english(user: User, w, recorder):
    """The check above cannot pass on an empty or English page: on the English one it finds the page's words."""
    await conflicted_setup(w)
    await preview_setup(user)
    found = english_on_page(user, data=DATA)
    assert len(shown_texts(user, set())) > 60
    for text in ("Preview import", "already registered", "Merge keys and models", "Apply to all of this kind",
                 "Group acme-keyless cannot be imported: it holds no keys.", "Outcome"):  # fmt: skip
        assert text in found, text


async def test_a_conflict_choice_naming_models_can_be_typed_into_and_a_short_fixed_one_is_a_plain_select(
    chinese_browser: User, w, recorder
):
    user = chinese_browser
    await conflicted_setup(w)
    await preview_setup(user)
    names = choice_of(user, "name:reasoner")
    assert names.props.get("use-input") is True
    # The browser filters by the option's label: the model name typed finds the option naming it.
    assert [label for label in names.options.values() if "thinker" in label.lower()] == ["命名为 thinker"]
    assert choice_of(user, "split").props.get("use-input") is True
    assert "use-input" not in choice_of(user, "merge").props  # three fixed options


async def test_a_chinese_browser_uploads_an_api_yaml_and_reads_why_entries_cannot_be_imported(
    chinese_browser: User, w, recorder
):
    user = chinese_browser
    layout = await build_layout(w.fake, w.gptload, w.services.settings)
    await user.open("/import")
    await user.should_see(marker="import-preview", retries=30)
    user.find(marker="source-gptload").click()  # unchecked: the entries through GPT-Load cannot be followed
    user.find(marker="source-uniapi").elements.pop().value = "upload"
    user.find(marker="import-preview").click()
    await user.should_see(content="部分输入无效。 请先上传 api.yaml，或选择其他 api.yaml 来源。", marker="import-error")
    upload = user.find(marker="uniapi-upload").elements.pop()
    await upload.handle_uploads([ui.upload.SmallFileUpload("api.yaml", "application/yaml", layout.api_yaml.encode())])
    await user.should_see(content="已上传：api.yaml", marker="uniapi-uploaded")
    user.find(marker="import-preview").click()
    await user.should_see(marker="import-providers", retries=50)
    await user.should_see("条目 pool 无法导入：它指向 GPT-Load 分组 gpt4o-pool，但 GPT-Load 不是本次导入的来源。")
    assert {r["sources"] for r in rows(user, "import-providers")} >= {"api.yaml 条目 deepseek"}
    user.find(marker="import-to-adopt").click()
    await user.should_see("直连服务商，2 个密钥，2 个模型")


async def test_a_chinese_browser_restores_a_backup_with_its_passphrase(chinese_browser: User, w, recorder):
    user = chinese_browser
    bundle = await backup_of_a_deleted_provider(w, ["a-1", "a-2"])

    await user.open("/import")
    await user.should_see(marker="import-preview", retries=30)
    user.find(marker="source-mode").elements.pop().value = "backup"
    await user.should_see("由本管理器创建的备份（/api/backup）及其密码短语")
    upload = user.find(marker="bundle-upload").elements.pop()
    assert upload.props["label"] == "备份（.lpmbak）"
    await upload.handle_uploads([ui.upload.SmallFileUpload("setup.lpmbak", "application/octet-stream", bundle)])
    await user.should_see(content="已上传：setup.lpmbak", marker="bundle-uploaded")
    assert user.find(marker="bundle-passphrase").elements.pop().props["label"] == "密码短语"
    user.find(marker="bundle-passphrase").type(PASSPHRASE)
    user.find(marker="import-preview").click()
    await user.should_see(marker="import-providers", retries=50)
    await user.should_see(
        content="1 个新服务商，0 个合并到已注册的服务商，2 个模型；0 个不导入。", marker="import-counts"
    )
    assert [(r["sources"], r["outcome"]) for r in rows(user, "import-providers")] == [("备份 alpha", "新服务商")]
    await user.should_see("没有冲突。")
    user.find(marker="import-to-adopt").click()
    await user.should_see("GPT-Load 分组（0）")
    user.find(marker="import-to-apply").click()
    user.find(marker="import-apply").click()
    await user.should_see(marker="import-result", retries=50)
    assert texts_of(user, "import-result") == [
        "已导入：创建 1 个服务商，合并 0 个，添加 1 个密钥和2 个模型，接管 0 个分组和0 个 api.yaml 条目，跳过 0 个。"
    ]
    assert len(shown_texts(user, set())) > 30
    assert english_on_page(user, data=DATA) == {}


async def test_a_wrong_passphrase_is_refused_in_chinese(chinese_browser: User, w, recorder):
    user = chinese_browser
    account = w.fake.add("openai", "alpha.test", [fake_key("alpha")], ["a-1"])
    data = ProviderCreate(name="alpha", base_url=account.base_url, channel_type="openai", api_keys=account.keys)
    await providers.create_provider(w.services, data)
    bundle = await make_backup(w.services, PASSPHRASE)
    await user.open("/import")
    await user.should_see(marker="import-preview", retries=30)
    user.find(marker="source-mode").elements.pop().value = "backup"
    user.find(marker="import-preview").click()
    await user.should_see(content="请先上传备份文件（.lpmbak）。", marker="import-error")
    upload = user.find(marker="bundle-upload").elements.pop()
    await upload.handle_uploads([ui.upload.SmallFileUpload("setup.lpmbak", "application/octet-stream", bundle)])
    user.find(marker="bundle-passphrase").type("not the passphrase at all")
    user.find(marker="import-preview").click()
    wanted = chinese("error.backup_unreadable") + " 无法打开该备份：密码短语错误，或文件已被修改。"
    await user.should_see(content=wanted, marker="import-error", retries=50)
    assert english_on_page(user, data=DATA) == {}


async def test_an_english_page_counts_one_in_the_singular(user: User, w, recorder):
    bundle = await backup_of_a_deleted_provider(w, ["a-1"])
    await user.open("/import")
    await user.should_see(marker="import-preview", retries=30)
    user.find(marker="source-mode").elements.pop().value = "backup"
    upload = user.find(marker="bundle-upload").elements.pop()
    await upload.handle_uploads([ui.upload.SmallFileUpload("setup.lpmbak", "application/octet-stream", bundle)])
    user.find(marker="bundle-passphrase").type(PASSPHRASE)
    user.find(marker="import-preview").click()
    await user.should_see(content="1 new provider, 0 merged into registered ones, 1 model; 0 not imported.",
                          marker="import-counts", retries=50)  # fmt: skip
    user.find(marker="import-to-adopt").click()
    user.find(marker="import-to-apply").click()
    await user.should_see(content="Creates 1 provider, merges 0 into registered ones, adopts 0 groups and 0 api.yaml "
                          "entries. All or nothing.", marker="import-summary")  # fmt: skip
    user.find(marker="import-apply").click()
    result = "Imported: 1 provider created, 0 merged, 1 key and 1 model added"
    await user.should_see(content=result, marker="import-result", retries=50)


async def test_a_failed_model_fetch_is_a_chinese_warning_with_the_providers_own_words(
    chinese_browser: User, w, recorder
):
    user = chinese_browser
    layout = await build_layout(w.fake, w.gptload, w.services.settings)
    layout.accounts["gemini"].failure = "500"
    preview = await importing.preview(w.services, ImportPreviewRequest(gptload=True, fetch_models=True))
    [warning] = preview.warning_phrases
    assert said(warning, english) == str(warning) == preview.warnings[0]
    await user.open("/import")
    await user.should_see(marker="import-preview", retries=30)
    user.find(marker="source-fetch").click()
    user.find(marker="import-preview").click()
    await user.should_see(marker="import-warning", retries=50)
    assert texts_of(user, "import-warning")[0].startswith("分组 gemini-main：未能获取模型（")
