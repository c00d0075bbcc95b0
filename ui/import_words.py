"""What core's import says in its own sentences, in the page's language: conflict details, what the import makes
of each group and entry, why one cannot be imported, where a provider comes from, a model list not fetched, why a
preview or an apply was refused.

Core stays English (REST answers with these sentences, ``core/import_proposal.py`` and its sources write them)
and gives no code for them; the page knows each sentence by its shape and says it again from the translation
table, the names in it kept as data. A sentence of a shape not listed here is shown as core wrote it: English,
never lost. tests/ui/test_i18n_import.py makes core write every one of them and checks each is recognised and
reads in English exactly as core wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ui.i18n import t

# Why a group or entry cannot be imported (core/import_sources.py, core/import_uniapi.py).
REASONS: list[tuple[str, str]] = [
    (r"channel type (?P<channel>.+) is not one the manager speaks", "imp.why_channel"),
    (r"it has no enabled upstream", "imp.why_no_upstream"),
    (r"it holds no keys", "imp.why_no_keys"),
    (r"it is not a mapping", "imp.why_not_mapping"),
    (r"it has no provider name", "imp.why_no_name"),
    (r"an earlier entry has the same provider name", "imp.why_same_name"),
    (r"it points at GPT-Load group (?P<group>.+), but GPT-Load is not a source of this import",
     "imp.why_gptload_not_source"),
    (r"it points at GPT-Load group (?P<group>.+), but GPT-Load has no such group", "imp.why_no_such_group"),
    (r"it has no API key", "imp.why_no_api_key"),
    (r"unknown dialect", "imp.why_unknown_dialect"),
    (r"it has no http\(s\) base_url", "imp.why_no_base_url"),
    (r"engine of that shape is not a dialect the manager speaks", "imp.why_engine_shape"),
    (r"engine (?P<engine>.+) is not a dialect the manager speaks", "imp.why_engine"),
    (r"uni-api reads it as engine (?P<engine>.+), not a dialect the manager speaks", "imp.why_foreign_engine"),
]  # fmt: skip
# Where a proposed provider comes from (``Candidate.source``).
SOURCES: list[tuple[str, str]] = [
    (r"group (?P<name>.+)", "imp.source_group"),
    (r"api\.yaml entry (?P<name>.+)", "imp.source_entry"),
    (r"backup (?P<name>.+)", "imp.source_backup"),
]
# Conflict details (core/import_proposal.py), findings' proposals and the preview's warnings.
SENTENCES: list[tuple[str, str]] = [
    (r"(?P<sources>.+): the upstream of registered provider (?P<name>.+)\. "
     r"Merge adds (?P<keys>\d+) key\(s\) and the models it lacks\.", "imp.say_provider_exists"),
    (r"(?P<sources>.+) reach one upstream with (?P<count>\d+) different key sets\.", "imp.say_keys_differ"),
    (r"Provider (?P<provider>.+): clients reach (?P<original>.+) as (?P<names>.+); "
     r"the registry keeps one name per model, the others stop routing\.", "imp.say_two_names"),
    (r"Provider (?P<provider>.+): (?P<originals>.+) all answer to (?P<name>.+); "
     r"split puts each in its own group behind one aggregate on the next sync\.", "imp.say_name_clash"),
    (r"Group (?P<name>.+) cannot be imported: (?P<reason>.+)\.", "imp.say_group_unmappable"),
    (r"Entry (?P<name>.+) cannot be imported: (?P<reason>.+)\.", "imp.say_entry_unmappable"),
    (r"already in this registry; nothing to import", "imp.say_registered"),
    (r"the manager's own entry; nothing to import", "imp.say_own_entry"),
    (r"cannot map: (?P<reason>.+)", "imp.say_cannot_map"),
    (r"provider from (?P<upstreams>\d+) upstream\(s\), (?P<keys>\d+) keys, (?P<rules>\d+) strict redirect rules",
     "imp.say_group_strict"),
    (r"provider from (?P<upstreams>\d+) upstream\(s\), (?P<keys>\d+) keys, (?P<rules>\d+) non-strict redirect rules",
     "imp.say_group_loose"),
    (r"aggregate over (?P<count>\d+) member\(s\): none", "imp.say_aggregate_empty"),
    (r"aggregate over (?P<count>\d+) member\(s\): (?P<members>.+)", "imp.say_aggregate"),
    (r"routes (?P<count>\d+) name\(s\) through GPT-Load group (?P<group>.+)", "imp.say_routes"),
    (r"direct provider, (?P<keys>\d+) key\(s\), (?P<models>\d+) model\(s\)", "imp.say_direct"),
    (r"(?P<source>.+): models not fetched \((?P<detail>.*)\)", "imp.say_not_fetched"),
]  # fmt: skip
# The details of the errors a preview or an apply refuses with (core/importing.py, core/backup*.py,
# core/import_proposal.py); the page puts the error code's sentence (ui/messages.py) before them.
ERRORS: list[tuple[str, str]] = [
    (r"Choose a source: GPT-Load, an api\.yaml \(path or text\), or a backup bundle\.", "imp.say_no_source"),
    (r"The api\.yaml cannot be read: (?P<problem>.+)", "imp.say_yaml_unreadable"),
    (r"The backup cannot be opened: the passphrase is wrong, or the file was changed\.", "imp.say_wrong_passphrase"),
    (r"This is not a backup of LLM Provider Manager, or it is cut short\.", "imp.say_not_a_backup"),
    (r"A backup passphrase needs at least (?P<count>\d+) characters\.", "imp.say_passphrase_short"),
    (r"No preview has this checksum \(expired or never made\); preview again\.", "imp.say_no_preview"),
    (r"The registry changed since this preview; preview again\.", "imp.say_registry_changed"),
    (r"GPT-Load's groups changed since this preview; preview again\.", "imp.say_groups_changed"),
    (r"api\.yaml changed since this preview; preview again\.", "imp.say_yaml_changed"),
    (r"A sync is running; import when it has finished\.", "imp.say_sync_running"),
    (r"Entry (?P<entry>.+) routes through group (?P<group>.+), which the next sync restructures: "
     r"adopt (?P=entry) too, or leave (?P=group) alone\.", "imp.say_adopt_entry_too"),
    (r"Group (?P<member>.+) is a member of aggregate (?P<group>.+), which stays yours: "
     r"adopt (?P=group) too, or leave (?P=member) alone\.", "imp.say_adopt_aggregate_too"),
    (r"(?P<name>.+) also names an entry that cannot be adopted; leave both alone\.", "imp.say_entry_stuck"),
    (r"(?P<name>.+) also names a group that cannot be adopted; leave both alone\.", "imp.say_group_stuck"),
    (r"(?P<name>.+) cannot be adopted: it is the manager's already, or nothing maps it\.", "imp.say_not_adoptable"),
    (r"(?P<path>.+) does not exist\.", "imp.say_no_file"),
]  # fmt: skip
Table = list[tuple[re.Pattern[str], str]]
Say = Callable[..., str]  # ``t``, or ``translator()``'s, or one language's ``text_in``


def _compiled(table: list[tuple[str, str]]) -> Table:
    return [(re.compile(pattern, re.DOTALL), key) for pattern, key in table]


_REASONS, _SOURCES, _SENTENCES = _compiled(REASONS), _compiled(SOURCES), _compiled(SENTENCES + ERRORS + REASONS)


def _match(table: Table, text: str) -> tuple[str, dict[str, str]] | None:
    for pattern, key in table:
        found = pattern.fullmatch(text)
        if found:
            return key, found.groupdict()
    return None


def _say(table: Table, text: str, say: Say) -> str:
    """``text`` again from the table (its parts that are sentences of their own said too), else as it is."""
    matched = _match(table, text)
    if matched is None:
        return text
    key, values = matched
    return say(key, **{name: _part(name, value, say) for name, value in values.items()})


def _part(name: str, value: str, say: Say) -> str:
    """A sentence's part: a reason or sources said too; names, counts and core's error details as they are."""
    if name == "reason":
        return _say(_REASONS, value, say)
    if name == "source":
        return _say(_SOURCES, value, say)
    if name == "sources":
        return sources(value.split(", "), say)  # core joins them so
    return value


def sources(names: list[str], say: Say = t) -> str:
    """``group openai-main, api.yaml entry x`` as the page says them; the names stay as they are (Latin: the
    comma reads in Chinese too)."""
    return ", ".join(_say(_SOURCES, name, say) for name in names)


def said(text: str, say: Say = t) -> str:
    """A sentence of core's import in the page's language (as it is when its shape is not known here)."""
    return _say(_SENTENCES, text, say)


def recognised(text: str) -> bool:
    """Whether ``said`` knows the shape of ``text`` (the test that core's sentences are all known asks)."""
    return _match(_SENTENCES, text) is not None
