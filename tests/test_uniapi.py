"""uni-api's api.yaml: rendering into new and hand-written files, validation, safe writing, masking."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core import files
from core.crypto import mask
from core.errors import ConfigWriteError
from core.files import is_single_file_mount
from core.uniapi import MARKER, UniapiEntry, masked, read_config, render, validate, write_config
from tests.conftest import SECRET_MARKER, fake_key

GOLDEN = Path(__file__).parent / "golden" / "api.yaml"
G = "http://gptload:3001/proxy"
CLIENT = fake_key("client")


def entry(name: str, channel: str = "openai", models: tuple[str, ...] | None = None, key: str = "") -> UniapiEntry:
    url, engine = {
        "openai": (f"{G}/{name}/v1/chat/completions", "gpt"),
        "gemini": (f"{G}/{name}/v1beta", "gemini"),
        "anthropic": (f"{G}/{name}/v1/messages", "claude"),
        "openai-no-v1": (f"{G}/{name}/chat/completions", "gpt"),
    }[channel]
    return UniapiEntry(name, url, engine, key or fake_key(name), models)


MIXED = [
    entry("openai-main"),
    entry("gemini-free", "gemini"),
    entry("anthropic", "anthropic", ("claude-sonnet-4-5", "claude-3-5-haiku-20241022")),
    entry("qwen-compat", "openai-no-v1", ("qwen-max", "qwen/qwen3-coder:free", "yes", "0123")),
]


def no_client_key() -> str:
    raise AssertionError("an existing file keeps its api_keys; no client key may be generated")


def again(text: str | None, entries: list[UniapiEntry]) -> str:
    return render(text, entries, client_key=no_client_key)


# ---------------------------------------------------------------- new file


@pytest.mark.parametrize("existing", [None, "", "  \n\n"])
def test_a_new_file_matches_the_golden_file(existing):
    assert render(existing, MIXED, client_key=lambda: CLIENT) == GOLDEN.read_text()


def test_the_golden_file_passes_validation_and_has_the_contract_shapes():
    text = GOLDEN.read_text()
    assert validate(text) == []
    assert 'api: "' + CLIENT + '"' in text and "model:\n      - all" in text
    assert "\npreferences:\n  model_timeout:" in text  # never a bare `preferences:`
    assert text.count("notes: " + MARKER) == len(MIXED)
    assert '      - "qwen/qwen3-coder:free"\n      - "yes"\n      - "0123"\n' in text  # exact strings, quoted


def test_rendering_the_same_entries_again_returns_the_text_unchanged():
    text = GOLDEN.read_text()
    assert again(text, MIXED) == text


def test_entries_removed_and_added_back_give_the_same_file():
    empty = again(GOLDEN.read_text(), [])
    assert "\nproviders: []\n\napi_keys:\n" in empty and validate(empty) == []
    assert again(empty, MIXED) == GOLDEN.read_text()


def test_new_managed_entries_are_appended_in_the_given_order_and_existing_ones_keep_their_place():
    text = again(again(GOLDEN.read_text(), MIXED[2:]), [MIXED[3], entry("zeta"), MIXED[2], entry("alpha")])
    names = [line.split('"')[1] for line in text.splitlines() if line.startswith("  - provider: ")]
    assert names == ["anthropic", "qwen-compat", "zeta", "alpha"]


# ---------------------------------------------------------------- an operator's file

OPERATOR = f"""\
# Operator's own uni-api config; hand-written, keep this comment.
# A second header line.

providers:
  # My own OpenAI account, not behind GPT-Load.
  - provider: my-openai
    base_url: https://api.openai.com/v1/chat/completions
    api: ${{OPENAI_API_KEY}}   # from the environment
    model:
      - gpt-4o
      - gpt-4o-mini: mini

  # Synced by the manager.
  - provider: "openai-main"
    base_url: {G}/openai-main/v1/chat/completions
    engine: gpt
    api: "{fake_key("old-proxy-key")}"   # rotated by the manager
    model: []
    notes: managed by llm-provider-manager

  - provider: 'local-llama'
    base_url: http://ollama:11434/v1/chat/completions
    api: [{fake_key("llama-1")}, {fake_key("llama-2")}]
    model: [llama3, qwen2]
    preferences: {{api_key_rate_limit: 10/min, proxy: socks5://proxy:1080}}

# Client keys.
api_keys:
  - api: "{fake_key("operator")}"
    role: admin
    model:
      - all
  - api: '{fake_key("team")}'   # the team
    model: [local-llama/*, openai-main/*]
    preferences:
      SCHEDULING_ALGORITHM: round_robin
      rate_limit: 100/min,2000/day

preferences:
  cooldown_period: 60   # seconds
  rate_limit: 999999/min
  error_triggers:
    - "content_filter"
# End of file.
"""
HEAD = OPERATOR[: OPERATOR.index("  # Synced by the manager.")]  # everything before the first managed entry
MY_OPENAI = HEAD[HEAD.index("  - provider: my-openai") :]
LOCAL_LLAMA = OPERATOR[OPERATOR.index("  - provider: 'local-llama'") : OPERATOR.index("\n# Client keys.")]
TAIL = OPERATOR[OPERATOR.index("\n# Client keys.") :]  # the blank line, api_keys, preferences, the last comment

NEW_KEY = fake_key("new-proxy-key")  # as long as the old one, so the end-of-line comment keeps its place
V1 = [
    entry("openai-main", key=NEW_KEY),
    entry("anthropic", "anthropic", ("claude-sonnet-4-5",)),
    entry("gemini-free", "gemini"),
]
V2 = [
    entry("gemini-free", "gemini"),
    entry("anthropic", "anthropic", ("claude-sonnet-4-5", "claude-opus-4-1")),
    entry("deepseek", "openai-no-v1", ("deepseek-chat",)),
]


def test_the_operator_file_is_valid_and_unchanged_when_nothing_changes():
    assert validate(OPERATOR) == []
    current = [entry("openai-main", key=fake_key("old-proxy-key"))]
    assert again(OPERATOR, current) == OPERATOR


def test_a_sync_into_an_operator_file_changes_only_the_managed_entries():
    first = again(OPERATOR, V1)
    assert first == HEAD + (
        "  # Synced by the manager.\n"
        '  - provider: "openai-main"\n'
        f"    base_url: {G}/openai-main/v1/chat/completions\n"
        "    engine: gpt\n"
        f'    api: "{NEW_KEY}"   # rotated by the manager\n'
        "    model: []\n"
        "    notes: managed by llm-provider-manager\n"
        "\n" + LOCAL_LLAMA + '  - provider: "anthropic"\n'
        f"    base_url: {G}/anthropic/v1/messages\n"
        "    engine: claude\n"
        f'    api: "{fake_key("anthropic")}"\n'
        "    model:\n"
        '      - "claude-sonnet-4-5"\n'
        "    notes: managed by llm-provider-manager\n"
        '  - provider: "gemini-free"\n'
        f"    base_url: {G}/gemini-free/v1beta\n"
        "    engine: gemini\n"
        f'    api: "{fake_key("gemini-free")}"\n'
        "    model: []\n"
        "    notes: managed by llm-provider-manager\n" + TAIL
    )
    assert again(first, V1) == first

    second = again(first, V2)  # openai-main removed, anthropic's models changed, deepseek added
    assert second.startswith(HEAD + "  # Synced by the manager.\n" + LOCAL_LLAMA)  # an operator comment stays
    assert second.endswith("    notes: managed by llm-provider-manager\n" + TAIL)
    assert MY_OPENAI in second and LOCAL_LLAMA in second
    assert "openai-main" not in second.split("api_keys:")[0]
    assert '      - "claude-sonnet-4-5"\n      - "claude-opus-4-1"\n' in second
    assert f"{G}/deepseek/chat/completions" in second
    assert again(second, V2) == second
    assert validate(second) == []


def test_removing_a_managed_entry_removes_only_its_lines():
    managed = OPERATOR[OPERATOR.index('  - provider: "openai-main"') : OPERATOR.index("  - provider: 'local-llama'")]
    assert again(OPERATOR, []) == OPERATOR.replace(managed, "")


def test_comments_inside_a_managed_entry_survive_an_update_and_keys_get_their_order():
    text = OPERATOR.replace(
        "    engine: gpt\n",
        "    notes: managed by llm-provider-manager\n    tools: false   # the operator's own key\n    engine: gpt\n",
        1,
    ).replace("    model: []\n    notes: managed by llm-provider-manager\n", "    model: []\n", 1)
    out = again(text, [entry("openai-main", key=NEW_KEY)])
    block = out[out.index('  - provider: "openai-main"') : out.index("  - provider: 'local-llama'")]
    assert block == (
        '  - provider: "openai-main"\n'
        f"    base_url: {G}/openai-main/v1/chat/completions\n"
        "    engine: gpt\n"
        f'    api: "{NEW_KEY}"   # rotated by the manager\n'
        "    model: []\n"
        "    notes: managed by llm-provider-manager\n"
        "    tools: false   # the operator's own key\n"
        "\n"
    )
    assert again(out, [entry("openai-main", key=NEW_KEY)]) == out


def test_a_hand_edited_managed_entry_is_put_back():
    text = OPERATOR.replace('  - provider: "openai-main"', "  - provider: openai-main", 1).replace(
        "    model: []\n    notes", "    model:\n      - gpt-4o\n    notes", 1
    )
    assert again(text, [entry("openai-main", key=fake_key("old-proxy-key"))]) == OPERATOR


@pytest.mark.parametrize(
    ("style", "text", "added"),
    [
        (
            "- x lists",
            "providers:\n- provider: mine\n  base_url: https://example.com/v1/chat/completions\n  model:\n  - a\n"
            'api_keys:\n- api: "k-0123456789"\n  model:\n  - all\n',
            '- provider: "ours"\n  base_url: http://gptload:3001/proxy/ours/v1/chat/completions\n  engine: gpt\n'
            f'  api: "{fake_key("ours")}"\n  model:\n  - "m1"\n  notes: managed by llm-provider-manager\n',
        ),
        (
            "4-space mappings",
            "providers:\n    - provider: mine\n      base_url: https://example.com/v1/chat/completions\n"
            'api_keys:\n    - api: "k-0123456789"\npreferences:\n    cooldown_period: 10\n',
            '    - provider: "ours"\n      base_url: http://gptload:3001/proxy/ours/v1/chat/completions\n'
            f'      engine: gpt\n      api: "{fake_key("ours")}"\n      model:\n          - "m1"\n'
            "      notes: managed by llm-provider-manager\n",
        ),
    ],
)
def test_the_files_own_indentation_is_kept_and_used_for_new_entries(style, text, added):
    out = again(text, [entry("ours", models=("m1",))])
    cut = text.index("api_keys:")
    assert out == text[:cut] + added + text[cut:], style
    assert again(out, []) == text


LAST_LINES = {
    "scalar": "    notes: x\n",
    "scalar with comment": "    notes: x  # eol\n",
    "block list": "    model:\n      - m  # eol\n",
    "flow list": "    model: [m]\n",
    "flow list with comment": "    model: [m]  # eol\n",
    "empty list": "    model: []\n",
    "nested mapping": "    preferences:\n      proxy: x\n",
    "block scalar": "    notes: |\n      text\n",
}
GAPS = {"none": "", "blank line": "\n", "comment": "\n# c\n", "indented comment": "\n  # c\n", "tight": "  # c\n"}
OURS = (
    '  - provider: "ours"\n    base_url: http://gptload:3001/proxy/ours/v1/chat/completions\n    engine: gpt\n'
    f'    api: "{fake_key("ours")}"\n    model: []\n    notes: managed by llm-provider-manager\n'
)


@pytest.mark.parametrize("gap", GAPS.values(), ids=GAPS.keys())
@pytest.mark.parametrize("last", LAST_LINES.values(), ids=LAST_LINES.keys())
@pytest.mark.parametrize("after", ['api_keys:\n  - api: "k-0123456789"\n', ""], ids=["next key", "end of file"])
def test_what_follows_the_providers_stays_after_them_when_entries_come_and_go(last, gap, after):
    text = "providers:\n  - provider: op\n    base_url: http://x\n" + last + gap + after
    added = text.replace(last + gap, last + OURS + gap, 1)
    assert again(text, [entry("ours")]) == added
    assert again(added, []) == text


@pytest.mark.parametrize(
    ("before", "after", "kept"),
    [
        ("", "\n", "\n"),
        ("\n", "", "\n"),
        ("\n  # about ours\n", "\n", "\n  # about ours\n"),
        ("\n", "\n  # about op2\n", "\n  # about op2\n"),
        ("\n  # one\n", "  # two\n", "\n  # one\n  # two\n"),
    ],
)
def test_removing_an_entry_between_two_others_keeps_the_operators_comments(before, after, kept):
    op = "  - provider: op\n    model: [m]\n"
    op2 = '  - provider: op2\napi_keys:\n  - api: "k-0123456789"\n'
    assert again("providers:\n" + op + before + OURS + after + op2, []) == "providers:\n" + op + kept + op2


def test_a_file_with_windows_line_endings_keeps_them():
    text = OPERATOR.replace("\n", "\r\n")
    out = again(text, V1)
    assert out == again(OPERATOR, V1).replace("\n", "\r\n")
    assert again(out, V1) == out


def test_a_file_without_providers_gets_them_and_a_null_providers_is_filled():
    text = '# mine\napi_keys:\n  - api: "k-0123456789"\n'
    out = again(text, [entry("ours")])
    assert out.startswith('# mine\nproviders:\n  - provider: "ours"\n') and out.endswith(text[len("# mine\n") :])
    assert again(text, []) == text
    assert again(text.replace("# mine\n", "providers:\n"), [entry("ours")]) == out.replace("# mine\n", "")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("providers: [\n", "not valid YAML"),
        ("- a\n- b\n", "top level is not a mapping"),
        ("# only a comment\n", "top level is not a mapping"),
        ("providers: {a: 1}\n", "`providers` is not a list"),
        ("providers: some-text\n", "`providers` is not a list"),
        ("a: 1\na: 2\n", "not valid YAML"),
    ],
)
def test_a_file_that_cannot_be_understood_is_refused(tmp_path, text, message):
    path = tmp_path / "api.yaml"
    path.write_text(text)
    with pytest.raises(ConfigWriteError, match=message) as caught:
        again(read_config(path), [entry("ours")])
    assert caught.value.code == "config_write_failed"
    assert path.read_text() == text


def test_a_yaml_error_message_does_not_quote_the_file():
    secret = fake_key("dup")
    with pytest.raises(ConfigWriteError) as caught:
        again(f'api_keys:\n  - api: "{secret}"\n    api: "{secret}"\n', [])
    assert SECRET_MARKER not in caught.value.detail and "line 3" in caught.value.detail


def test_an_operator_entry_with_a_managed_name_is_never_overwritten():
    with pytest.raises(ConfigWriteError, match=r"'local-llama'.*does not own"):
        again(OPERATOR, [entry("local-llama")])


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([entry("a"), entry("a")], "listed twice"),
        ([entry("Bad Name")], "does not match"),
        ([UniapiEntry("a", f"{G}/a/v1", "openrouter", fake_key("a"), None)], "engine must be one of"),
        ([UniapiEntry("a", f"{G}/a/v1/chat/completions", "gpt", "", None)], "must not be empty"),
    ],
)
def test_bad_entries_are_refused(entries, message):
    with pytest.raises(ConfigWriteError, match=message) as caught:
        render(None, entries, client_key=lambda: CLIENT)
    assert SECRET_MARKER not in caught.value.detail


def test_duplicate_managed_entries_collapse_to_the_first():
    text = GOLDEN.read_text()
    block = text[text.index('  - provider: "openai-main"') : text.index('  - provider: "gemini-free"')]
    doubled = text.replace(block, block + block)
    assert again(doubled, MIXED) == text


# ---------------------------------------------------------------- validate

BASE = f"""\
providers:
  - provider: "ours"
    base_url: {G}/ours/v1/chat/completions
    engine: gpt
    api: "{fake_key("ours")}"
    model: []
    notes: managed by llm-provider-manager
  - provider: theirs
    base_url: https://example.com/v1/messages
    api: "{fake_key("theirs")}"
    region: global
    preferences:
      api_key_rate_limit: 15/min
api_keys:
  - api: "{CLIENT}"
    model: [all]
    preferences:
      rate_limit: 10/min,500/day
preferences:
  rate_limit: 999999/min
"""


def variant(*changes: tuple[str, str]) -> str:
    text = BASE
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


INVALID = {
    "syntax error": ("providers: [\n", "not valid YAML"),
    "empty document": ("", "empty"),
    "top level a list": ("- providers\n", "top level must be a mapping"),
    "providers a mapping": (variant(("providers:\n", "providers:\n  x: 1\nnot_providers:\n")), "providers must be"),
    "providers null": ("providers:\n" + BASE[BASE.index("api_keys:") :], "providers must be a list"),
    "provider entry a string": (
        variant(("  - provider: theirs\n", "  - just-a-name\n  - provider: theirs\n")),
        "must be a mapping",
    ),
    "provider name missing": (variant(("  - provider: theirs\n    base_url", "  - base_url")), "provider must be"),
    "provider name a number": (variant(("provider: theirs", "provider: 123")), "provider must be a non-empty quoted"),
    "provider name empty": (variant(("provider: theirs", 'provider: ""')), "provider must be a non-empty"),
    "provider names repeated": (variant(("provider: theirs", "provider: ours")), "used by providers[0]"),
    "slash in a provider name": (variant(("provider: theirs", "provider: their/s")), "must not contain '/'"),
    "provider name equals a client key": (
        variant(("provider: theirs", f'provider: "{CLIENT}"')),
        "equals a client key",
    ),
    "base_url missing": (variant(("    base_url: https://example.com/v1/messages\n", "")), "base_url is missing"),
    "base_url a number": (variant(("base_url: https://example.com/v1/messages", "base_url: 5")), "base_url must be a"),
    "managed entry without engine": (variant(("    engine: gpt\n", "")), "engine must be one of"),
    "managed entry with another engine": (variant(("engine: gpt", "engine: openrouter")), "engine must be one of"),
    "managed entry with a bare base_url": (variant(("ours/v1/chat/completions", "ours")), "must end with /chat/"),
    "managed entry without api": (variant((f'    api: "{fake_key("ours")}"\n', "")), "api must be a non-empty"),
    "api a number": (variant((f'api: "{fake_key("theirs")}"', "api: 12345")), "api must be a quoted string or"),
    "api list with a number": (variant((f'api: "{fake_key("theirs")}"', "api: [a, 1]")), "list of quoted strings"),
    "provider model a string": (variant(("    region: global\n", "    model: gpt-4o\n")), "model must be a list"),
    "region null": (variant(("region: global", "region:")), "region must be a string"),
    "provider preferences null": (
        variant(("    preferences:\n      api_key_rate_limit: 15/min\n", "    preferences:\n")),
        'providers[1] "theirs".preferences must be a mapping',
    ),
    "provider preferences a list": (
        variant(("    preferences:\n      api_key_rate_limit: 15/min\n", "    preferences: [a]\n")),
        "preferences must be a mapping",
    ),
    "provider rate limit malformed": (
        variant(("api_key_rate_limit: 15/min", "api_key_rate_limit: 15 per minute")),
        "must look like",
    ),
    "provider rate limit map malformed": (
        variant(("api_key_rate_limit: 15/min", "api_key_rate_limit: {gpt-4: 5/min, default: lots}")),
        "api_key_rate_limit must look like",
    ),
    "api_keys missing": (BASE[: BASE.index("api_keys:")], "api_keys is missing"),
    "api_keys a mapping": (variant(("api_keys:\n", "api_keys:\n  x: 1\nold_keys:\n")), "api_keys must be a list"),
    "api_keys empty": (variant(("api_keys:\n", "api_keys: []\nold_keys:\n")), "api_keys is empty"),
    "api key entry a string": (
        variant(("api_keys:\n", "api_keys:\n  - just-a-key\n")),
        "api_keys[0] must be a mapping",
    ),
    "client key a number": (variant((f'  - api: "{CLIENT}"', "  - api: 123456")), "api_keys[0]: api must be"),
    "client key missing": (variant((f'  - api: "{CLIENT}"\n    model', "  - model")), "api_keys[0]: api must be"),
    "client key model a string": (variant(("model: [all]", "model: all")), "model must be a list"),
    "client key model null": (variant(("model: [all]", "model:")), "model must be a list"),
    "client key weights a list": (
        variant(("model: [all]", "model: [all]\n    weights: [1]")),
        "weights must be a mapping",
    ),
    "client key preferences null": (
        variant(("    preferences:\n      rate_limit: 10/min,500/day\n", "    preferences:\n")),
        "api_keys[0].preferences must be a mapping",
    ),
    "client key rate limit malformed": (
        variant(("rate_limit: 10/min,500/day", "rate_limit: 10/min, 500/day")),
        "must look like",
    ),
    "top-level preferences null": (
        variant(("preferences:\n  rate_limit: 999999/min\n", "preferences:\n")),
        "preferences must be",
    ),
    "top-level preferences a list": (
        variant(("preferences:\n  rate_limit: 999999/min\n", "preferences:\n  - a\n")),
        "preferences must be a mapping",
    ),
    "top-level rate limit a number": (
        variant(("rate_limit: 999999/min", "rate_limit: 999999")),
        "rate_limit must look",
    ),
    "top-level rate limit with a bad unit": (variant(("rate_limit: 999999/min", "rate_limit: 5/week")), "must look"),
}


@pytest.mark.parametrize(("text", "message"), INVALID.values(), ids=INVALID.keys())
def test_every_validation_rule_reports_its_problem_without_secrets(text, message):
    problems = validate(text)
    assert any(message in problem for problem in problems), problems
    assert not any(SECRET_MARKER in problem for problem in problems)


def test_the_base_document_is_valid():
    assert validate(BASE) == []


@pytest.mark.parametrize(
    "text",
    [
        variant(("    base_url: https://example.com/v1/messages\n", "    project_id: my-gcp-project\n")),
        variant(("api_key_rate_limit: 15/min", 'api_key_rate_limit: {gpt-4: 5/min, default: "1/s,100/tpr"}')),
        variant(("    model: [all]\n", "")),
        variant(("    model: []\n", "")),
        variant((f'api: "{fake_key("theirs")}"', "api: [key-a, key-b]")),
        variant((f'api: "{fake_key("theirs")}"', "api: ${THEIR_KEY}")),
        variant(("preferences:\n  rate_limit: 999999/min\n", "preferences: {}\n")),
        BASE[: BASE.index("preferences:\n  rate_limit: 999999/min")],
    ],
    ids=[
        "vertex entry without base_url",
        "rate limit map and several windows",
        "client key without model",
        "provider without model",
        "api list",
        "env reference",
        "empty top-level preferences",
        "no top-level preferences",
    ],
)
def test_legal_variations_pass_validation(text):
    assert validate(text) == []


def test_an_operator_entry_without_engine_or_api_is_legal():
    assert "engine" not in BASE.split("provider: theirs")[1]
    assert validate(variant((f'    api: "{fake_key("theirs")}"\n', ""))) == []


# ---------------------------------------------------------------- files


def stat_id(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_ino, st.st_mtime_ns


def test_read_config_returns_none_for_a_missing_file_and_the_exact_text_otherwise(tmp_path):
    path = tmp_path / "api.yaml"
    assert read_config(path) is None
    path.write_bytes(b"a: 1\r\nb: 2\r\n")
    assert read_config(path) == "a: 1\r\nb: 2\r\n"


@pytest.mark.parametrize("kind", ["not utf-8", "a directory"])
def test_read_config_refuses_what_it_cannot_read(tmp_path, kind):
    path = tmp_path / "api.yaml"
    if kind == "a directory":
        path.mkdir()
    else:
        path.write_bytes(b"providers: [\xff]\n")
    with pytest.raises(ConfigWriteError, match=r"api\.yaml"):
        read_config(path)


def test_write_config_creates_missing_directories(tmp_path):
    path = tmp_path / "data" / "uni-api" / "api.yaml"
    assert write_config(path, GOLDEN.read_text()) is True
    assert path.read_text() == GOLDEN.read_text()


@pytest.mark.parametrize(("in_place", "same_inode"), [(True, True), (False, False)])
def test_write_config_in_place_keeps_the_inode_and_atomic_replaces_it(tmp_path, in_place, same_inode):
    path = tmp_path / "api.yaml"
    path.write_text(OPERATOR)
    os.chmod(path, 0o640)
    inode = path.stat().st_ino
    assert write_config(path, GOLDEN.read_text(), in_place=in_place) is True
    assert path.read_text() == GOLDEN.read_text()
    assert (path.stat().st_ino == inode) is same_inode
    assert path.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["api.yaml"]  # no temp file left behind


def test_in_place_writing_truncates_a_longer_old_file(tmp_path):
    path = tmp_path / "api.yaml"
    path.write_text(OPERATOR + "# padding\n" * 100)
    write_config(path, GOLDEN.read_text(), in_place=True)
    assert path.read_text() == GOLDEN.read_text()


def fake_mountinfo(tmp_path: Path, mount_point: str) -> Path:
    escaped = mount_point.replace("\\", "\\134").replace(" ", "\\040").replace("\t", "\\011")
    lines = [
        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
        f"612 22 8:1 /home/op/uni-api/api.yaml {escaped} rw,relatime - ext4 /dev/sda1 rw",
        "700 22 0:50 / /proc rw,nosuid - proc proc rw",
    ]
    path = tmp_path / "mountinfo"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_single_file_mount_is_recognised_through_octal_escapes(tmp_path):
    folder = tmp_path / "uni api"
    folder.mkdir()
    path = folder / "api.yaml"
    mountinfo = fake_mountinfo(tmp_path, str(path))
    assert is_single_file_mount(path, mountinfo) is True
    assert is_single_file_mount(folder, mountinfo) is False
    assert is_single_file_mount(tmp_path / "other.yaml", mountinfo) is False
    assert is_single_file_mount(path, tmp_path / "no-such-mountinfo") is False


def test_a_symlink_to_the_mounted_file_counts_as_the_mount(tmp_path):
    path = tmp_path / "api.yaml"
    path.write_text("")
    link = tmp_path / "link.yaml"
    link.symlink_to(path)
    assert is_single_file_mount(link, fake_mountinfo(tmp_path, str(path))) is True


@pytest.mark.parametrize("mounted", [True, False])
def test_write_config_decides_by_the_mount_table(tmp_path, monkeypatch, mounted):
    path = tmp_path / "api.yaml"
    path.write_text(OPERATOR)
    inode = path.stat().st_ino
    monkeypatch.setattr(files, "MOUNTINFO", fake_mountinfo(tmp_path, str(path) if mounted else "/elsewhere"))
    write_config(path, GOLDEN.read_text())
    assert (path.stat().st_ino == inode) is mounted


def test_writing_identical_content_touches_nothing(tmp_path):
    path = tmp_path / "api.yaml"
    path.write_text(GOLDEN.read_text())
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    before = stat_id(path)
    for in_place in (None, True, False):
        assert write_config(path, GOLDEN.read_text(), in_place=in_place) is False
    assert stat_id(path) == before


def test_an_invalid_document_is_never_written(tmp_path):
    path = tmp_path / "api.yaml"
    path.write_text(OPERATOR)
    bad = OPERATOR.replace("preferences:\n  cooldown_period", "preferences:\nx:\n  cooldown_period")
    for in_place in (True, False):
        with pytest.raises(ConfigWriteError, match=r"Refusing to write an invalid api\.yaml: preferences must be"):
            write_config(path, bad, in_place=in_place)
    assert path.read_text() == OPERATOR
    with pytest.raises(ConfigWriteError):
        write_config(tmp_path / "new" / "api.yaml", "providers: []\n")
    assert not (tmp_path / "new").exists()


def test_write_errors_name_the_path_and_the_setting(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(ConfigWriteError, match=r"a-file/api\.yaml.*UNIAPI_CONFIG_PATH") as caught:
        write_config(blocker / "api.yaml", GOLDEN.read_text())
    assert SECRET_MARKER not in caught.value.detail


def test_validation_errors_from_write_config_carry_no_secret(tmp_path):
    text = GOLDEN.read_text().replace('provider: "openai-main"', f'provider: "{CLIENT}"')
    with pytest.raises(ConfigWriteError, match="equals a client key") as caught:
        write_config(tmp_path / "api.yaml", text)
    assert SECRET_MARKER not in caught.value.detail


# ---------------------------------------------------------------- masking


def test_masked_hides_the_given_secrets_and_every_key_in_the_document():
    shown = masked(OPERATOR, [fake_key("old-proxy-key")])
    assert SECRET_MARKER not in shown
    assert mask(fake_key("llama-2")) in shown and mask(fake_key("team")) in shown
    assert "${OPENAI_API_KEY}" in shown  # an environment reference is not a secret
    assert shown.replace(mask(fake_key("operator")), "X") != OPERATOR  # still the same layout otherwise
    assert shown.count("\n") == OPERATOR.count("\n") and "# End of file." in shown


def test_masked_falls_back_to_plain_redaction_for_text_it_cannot_parse():
    secret = fake_key("x")
    assert masked(f"providers: [\napi: {secret}", [secret]) == f"providers: [\napi: {mask(secret)}"
