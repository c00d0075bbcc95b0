"""The api.yaml schema: one exact sentence per kind of problem, each naming its place and never a value."""

from __future__ import annotations

import pytest

from core.uniapi import validate
from core.uniapi.schema import ApiYaml, ManagedProvider, Provider
from tests.conftest import SECRET_MARKER, fake_key

PROXY, CLIENT, THEIRS = fake_key("proxy"), fake_key("client"), fake_key("theirs")
DOC = f"""\
providers:
  - provider: "ours"
    base_url: http://gptload:3001/proxy/ours/v1/chat/completions
    engine: gpt
    api: "{PROXY}"
    model: []
    notes: managed by llm-provider-manager
  - provider: theirs
    base_url: https://example.com/v1/chat/completions
    api: "{THEIRS}"
    preferences: {{api_key_rate_limit: 10/min}}
api_keys:
  - api: "{CLIENT}"
    model: [all]
    preferences: {{rate_limit: 100/min}}
preferences: {{rate_limit: 999999/min}}
"""
OURS = 'providers[0] "ours"'
THEIRS_AT = 'providers[1] "theirs"'
RATE = "must look like 15/min or 10/min,500/day (s, min, hour, day…)"
MAPPING = "must be a mapping ({} when empty), never empty or a list"


def edit(old: str, new: str) -> str:
    assert old in DOC, old
    return DOC.replace(old, new, 1)


# (document, the exact problem list): every kind of problem once.
PROBLEMS = {
    "empty": ("# nothing\n", ["the document is empty"]),
    "not a mapping": ("- a\n", ["the top level must be a mapping"]),
    "providers not a list": (edit("providers:\n", "providers: 5\nold:\n"), ["providers must be a list"]),
    "entry not a mapping": (
        edit("  - provider: theirs\n", "  - x\n  - provider: theirs\n"),
        ["providers[1] must be a mapping"],
    ),
    "name missing": (
        edit("  - provider: theirs\n    base_url", "  - base_url"),
        ["providers[1]: provider must be a non-empty quoted string"],
    ),
    "name with a slash": (
        edit("provider: theirs", "provider: the/irs"),
        ["providers[1] \"the/irs\": the provider name must not contain '/'"],
    ),
    "name repeated": (
        edit("provider: theirs", "provider: ours"),
        ['providers[1] "ours": the same provider name is used by providers[0]; names must be unique'],
    ),
    "name equals a client key": (
        edit("provider: theirs", f'provider: "{CLIENT}"'),
        ["providers[1]: the provider name equals a client key in api_keys; rename the provider"],
    ),
    "base_url missing": (
        edit("    base_url: https://example.com/v1/chat/completions\n", ""),
        [f"{THEIRS_AT}: base_url is missing"],
    ),
    "base_url null": (
        edit("base_url: https://example.com/v1/chat/completions", "base_url:"),
        [f"{THEIRS_AT}: base_url must be a string"],
    ),
    "api of the wrong type": (
        edit(f'api: "{THEIRS}"', "api: [a, 1]"),
        [f"{THEIRS_AT}: api must be a quoted string or a list of quoted strings"],
    ),
    "model not a list": (
        edit(f'api: "{THEIRS}"\n', f'api: "{THEIRS}"\n    model: gpt-4o\n'),
        [f"{THEIRS_AT}: model must be a list (or [] to let uni-api discover the models)"],
    ),
    "region null": (
        edit(f'api: "{THEIRS}"\n', f'api: "{THEIRS}"\n    region:\n'),
        [f"{THEIRS_AT}: region must be a string"],
    ),
    "provider preferences a list": (
        edit("{api_key_rate_limit: 10/min}", "[a]"),
        [f"{THEIRS_AT}.preferences {MAPPING}"],
    ),
    "provider rate limit": (
        edit("api_key_rate_limit: 10/min", "api_key_rate_limit: ten"),
        [f"{THEIRS_AT}.preferences.api_key_rate_limit {RATE}"],
    ),
    "managed engine": (
        edit("engine: gpt", "engine: openrouter"),
        [f"{OURS}: engine must be one of gpt, gemini, claude on an entry the manager owns"],
    ),
    "managed api": (
        edit(f'api: "{PROXY}"', 'api: ""'),
        [f"{OURS}: api must be a non-empty quoted string on an entry the manager owns"],
    ),
    "managed base_url": (
        edit("ours/v1/chat/completions", "ours/v1"),
        [f"{OURS}: base_url of an engine gpt entry must end with /chat/completions"],
    ),
    "api_keys missing": (DOC[: DOC.index("api_keys:")], ["api_keys is missing: uni-api needs at least one client key"]),
    "api_keys empty": (
        edit("api_keys:\n", "api_keys: []\nold:\n"),
        ["api_keys is empty: uni-api needs at least one client key"],
    ),
    "api_keys not a list": (edit("api_keys:\n", "api_keys: 5\nold:\n"), ["api_keys must be a list"]),
    "client key not a mapping": (edit("api_keys:\n", "api_keys:\n  - x\n"), ["api_keys[0] must be a mapping"]),
    "client key api": (
        edit(f'  - api: "{CLIENT}"', "  - api: 123"),
        ["api_keys[0]: api must be a non-empty quoted string"],
    ),
    "client key model": (
        edit("model: [all]", "model: all"),
        ["api_keys[0]: model must be a list such as [all], not a string or empty"],
    ),
    "client key weights": (
        edit("model: [all]", "model: [all]\n    weights: [1]"),
        ["api_keys[0]: weights must be a mapping"],
    ),
    "client key rate limit": (
        edit("rate_limit: 100/min}", "rate_limit: 100}"),
        [f"api_keys[0].preferences.rate_limit {RATE}"],
    ),
    "preferences null": (edit("preferences: {rate_limit: 999999/min}", "preferences:"), [f"preferences {MAPPING}"]),
    "rate limit": (edit("rate_limit: 999999/min}", "rate_limit: 5/week}"), [f"preferences.rate_limit {RATE}"]),
}


@pytest.mark.parametrize(("text", "problems"), PROBLEMS.values(), ids=PROBLEMS.keys())
def test_each_kind_of_problem_is_one_sentence_with_its_place(text, problems):
    assert validate(text) == problems


def test_text_that_is_not_yaml_is_one_sentence_with_its_line_and_no_quote():
    [problem] = validate(f'api_keys:\n  - api: "{CLIENT}"\n    api: [\n')
    assert problem.startswith("not valid YAML at line 4, column 1: ")
    assert SECRET_MARKER not in problem


def test_the_sample_document_is_valid():
    assert validate(DOC) == []


def test_every_problem_is_reported_not_only_the_first():
    text = edit("engine: gpt", "engine: x")
    text = text.replace("model: [all]", "model: all").replace("region", "x")
    text = text.replace("preferences: {rate_limit: 999999/min}", "preferences: []")
    assert validate(text) == [
        f"{OURS}: engine must be one of gpt, gemini, claude on an entry the manager owns",
        "api_keys[0]: model must be a list such as [all], not a string or empty",
        f"preferences {MAPPING}",
    ]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (f'api: "{THEIRS}"', f'api: ["{THEIRS}", 7]'),  # a union field: one sentence, not one per branch
        ("{api_key_rate_limit: 10/min}", f'{{api_key_rate_limit: {{"{THEIRS}": lots}}}}'),  # a secret mapping key
        ("provider: theirs", f'provider: "{THEIRS}"\n    model: 5'),  # a name equal to a key is left out
        (f'  - api: "{CLIENT}"', f"  - api: [{CLIENT}]"),
    ],
)
def test_no_sentence_shows_a_value(old, new):
    problems = validate(edit(old, new))
    assert len(problems) >= 1
    assert not any(SECRET_MARKER in problem for problem in problems), problems


def test_an_operators_vertex_entry_and_unknown_keys_are_legal():
    text = edit(
        "    base_url: https://example.com/v1/chat/completions\n", "    project_id: my-project\n    tools: false\n"
    )
    assert validate(text.replace("\npreferences:", "\nvideo: {x: 1}\npreferences:")) == []


def test_the_models_keep_the_fields_they_do_not_name():
    assert ApiYaml.model_config["extra"] == Provider.model_config["extra"] == "allow"
    assert issubclass(ManagedProvider, Provider)


def test_document_secrets_finds_every_credential_form_without_parsing():
    from core.uniapi import document_secrets

    text = (
        "providers:\n"
        "  - provider: mine\n    api: sk-operator-one   # comment\n"
        "  - provider: two\n    api:\n      - \"sk-list-a\"\n      - 'sk-list-b'\n    model: [a]\n"
        "  - provider: env\n    api: ${MY_KEY}\n"
        '  - provider: flow\n    api: [sk-flow-1, "sk-flow-2"]\n'
        '  - provider: vertex\n    private_key: "pk-123456789"\n'
        'api_keys:\n  - api: "sk-client-x"\n    role: admin\n'
    )
    assert document_secrets(text) == {
        "sk-operator-one", "sk-list-a", "sk-list-b", "sk-flow-1", "sk-flow-2", "pk-123456789", "sk-client-x"
    }  # fmt: skip
    assert document_secrets(None) == set()
