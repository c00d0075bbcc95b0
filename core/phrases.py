"""Core's sentences for people (issues 13, 14 §5): each a code and its values (``Phrase``), its English from one
table (``ENGLISH``, merged from the tables of each area below; a code two areas both define is refused at import).

Core says some things in sentences of its own: why a plan is unsafe, why a provider looks broken, how to connect
GPT-Load, what a fetch skipped, how a sync's wait ended; why a group cannot be imported, what a conflict is about,
what an import or a backup refused. REST and the records keep the English where it always was (``str(phrase)``)
and the phrase beside it (``{"code", "values"}``); a page says the same code with the same values in its own
language (``ui.messages.said``: the key ``said.<code>``, whose English is this table's). So nobody reads the words
to know which sentence it is, and they are written once.

A value is data (a name, a count, a URL, a parser's or a provider's own words, never words of ours), a phrase (a
reason inside a sentence) or a tuple of phrases (said one by one and joined with commas); ``say`` says all three,
in English or through a page's table. An error can carry a phrase (``refusal``, ``phrase_of``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

from core.errors import LpmError

# Providers, plans and syncs.
GENERAL: dict[str, str] = {
    # How to connect GPT-Load (core.gptload_offline), and why it cannot be asked.
    "connect_gptload": "To connect it, set GPTLOAD_URL to GPT-Load's address and GPTLOAD_AUTH_KEY to its AUTH_KEY "
    "(in .env, then restart the manager), or start the manager, GPT-Load and uni-api together with the README's "
    "compose quick start (python3 -m core.envfile --compose, then docker compose up -d --build).",
    "gptload_not_configured": "GPT-Load at {url} is not configured: GPTLOAD_AUTH_KEY is empty.",
    # A plan's safety verdict and conflicts (core.plan).
    "unsafe_empty_registry": "The registry is empty but GPT-Load holds {managed} groups of this manager (a lost or "
    "new database?): this plan deletes all of them. Restore the registry from a backup instead, or force it.",
    "unsafe_removals": "This plan deletes or replaces {removals} of the {managed} groups this manager owns in "
    "GPT-Load.",
    "foreign_group": "a group with this name exists in GPT-Load and is not managed by this manager; rename or delete "
    "it there, or rename the provider or model here",
    # Providers a plan routes to although they look broken (core.route_warnings).
    "last_test_failed": "Its last test failed: {error}",
    "last_test_failed_silently": "Its last test failed: no detail",
    "invalid_keys": "GPT-Load marks {count} of its keys invalid.",
    # How a sync's wait for uni-api ended (core.sync_apply), in the run's record.
    "uniapi_read_long_ago": "api.yaml was written long enough ago for uni-api to have re-read it",
    "uniapi_waited_unwatched": "waited {seconds} s for uni-api to re-read api.yaml (UNIAPI_URL not set)",
    "uniapi_serves_new": "uni-api serves the new api.yaml",
    "uniapi_waited_key_refused": "waited {seconds} s (uni-api refused the manager's admin key)",
    # What a listing of models warns of (core.catalog), after a fetch or a checked save.
    "listing_empty": "{url} listed no models. Add models by hand, or check the base URL and channel type.",
    "listing_skipped": "Skipped {count} listed model name(s) the registry cannot hold: {names}.",
    "listing_skipped_more": "Skipped {count} listed model name(s) the registry cannot hold: {names}; and {more} more.",
    "saved_unchecked": "Saved without checking: its keys and models are untested until you test or fetch it.",
}
# The import and the backup.
IMPORT: dict[str, str] = {
    # Where a proposed provider comes from (``Candidate.source``).
    "source_group": "group {name}",
    "source_group_upstream": "group {name} ({url})",
    "source_entry": "api.yaml entry {name}",
    "source_backup": "backup {name}",
    # Why a group or an api.yaml entry cannot be imported (the ``reason`` of the sentences below).
    "unknown_channel": "channel type {channel} is not one the manager speaks",
    "no_enabled_upstream": "it has no enabled upstream",
    "no_keys": "it holds no keys",
    "not_a_mapping": "it is not a mapping",
    "no_provider_name": "it has no provider name",
    "provider_name_taken": "an earlier entry has the same provider name",
    "gptload_not_a_source": "it points at GPT-Load group {group}, but GPT-Load is not a source of this import",
    "no_such_group": "it points at GPT-Load group {group}, but GPT-Load has no such group",
    "no_api_key": "it has no API key",
    "no_base_url": "it has no http(s) base_url",
    "engine_of_odd_shape": "engine of that shape is not a dialect the manager speaks",
    "unknown_engine": "engine {engine} is not a dialect the manager speaks",
    "foreign_engine": "uni-api reads it as engine {engine}, not a dialect the manager speaks",
    "group_unmappable": "Group {name} cannot be imported: {reason}.",
    "entry_unmappable": "Entry {name} cannot be imported: {reason}.",
    # What the import makes of a group or an entry (``Finding.proposal``).
    "in_registry": "already in this registry; nothing to import",
    "own_entry": "the manager's own entry; nothing to import",
    "cannot_map": "cannot map: {reason}",
    "group_strict": "provider from {upstreams} upstream(s), {keys} keys, {rules} strict redirect rules",
    "group_loose": "provider from {upstreams} upstream(s), {keys} keys, {rules} non-strict redirect rules",
    "aggregate_of": "aggregate over {count} member(s): {members}",
    "aggregate_of_none": "aggregate over {count} member(s): none",
    "entry_routes": "routes {count} name(s) through GPT-Load group {group}",
    "entry_direct": "direct provider, {keys} key(s), {models} model(s)",
    # What a conflict is about (``Conflict.detail``; an unmappable one says ``group_unmappable`` and the like).
    "provider_exists": "{sources}: the upstream of registered provider {name}. "
    "Merge adds {keys} key(s) and the models it lacks.",
    "keys_differ": "{sources} reach one upstream with {count} different key sets.",
    "two_names": "Provider {provider}: clients reach {original} as {names}; the registry keeps one name per "
    "model, the others stop routing.",
    "name_clash": "Provider {provider}: {originals} all answer to {name}; split puts each in its own group behind "
    "one aggregate on the next sync.",
    # A preview's warning.
    "models_not_fetched": "{source}: models not fetched ({detail})",
    # Why a preview or an apply was refused (the detail of its error).
    "no_source": "Choose a source: GPT-Load, an api.yaml (path or text), or a backup bundle.",
    "sources_and_checksum": "Send either sources or the checksum of a preview, not both.",
    "path_or_text": "Give the api.yaml as {path} or as {text}.",
    "only_configured_file": "Only the configured api.yaml ({path}) is read from disk; upload others as text.",
    "no_file": "{path} does not exist.",
    "yaml_unreadable": "The api.yaml cannot be read: {problem}",
    "no_preview": "No preview has this checksum (expired or never made); preview again.",
    "registry_changed": "The registry changed since this preview; preview again.",
    "groups_changed": "GPT-Load's groups changed since this preview; preview again.",
    "file_changed": "api.yaml changed since this preview; preview again.",
    "sync_running": "A sync is running; import when it has finished.",
    "no_such_provider": "No new provider named {name} in this preview.",
    "no_such_conflict": "No conflict {conflict} in this preview.",
    "option_not_offered": "Conflict {conflict} offers {options}; got {option}.",
    "no_such_finding": "No group or entry named {name} in this preview.",
    "not_adoptable": "{name} cannot be adopted: it is the manager's already, or nothing maps it.",
    "entry_stuck": "{name} also names an entry that cannot be adopted; leave both alone.",
    "group_stuck": "{name} also names a group that cannot be adopted; leave both alone.",
    "adopt_entry_too": "Entry {entry} routes through group {group}, which the next sync restructures: "
    "adopt {entry} too, or leave {group} alone.",
    "adopt_aggregate_too": "Group {member} is a member of aggregate {group}, which stays yours: "
    "adopt {group} too, or leave {member} alone.",
    # Why a backup cannot be made or opened.
    "passphrase_too_short": "A backup passphrase needs at least {count} characters.",
    "not_base64": "The backup must be sent as base64.",
    "not_a_backup": "This is not a backup of LLM Provider Manager, or it is cut short.",
    "bundle_format": "Backup format {version} is not supported (this version reads {supported}).",
    "key_derivation_out_of_range": "The backup's key-derivation settings are out of range.",
    "wrong_passphrase": "The backup cannot be opened: the passphrase is wrong, or the file was changed.",
    "not_our_content": "The backup opened, but its content is not a backup of this tool.",
    "payload_version": "The backup has format version {version}; this version reads {supported}.",
}


def one_table(*tables: dict[str, str]) -> dict[str, str]:
    """The areas' tables as one (phrase codes here, the UI's keys in ui.locales); a code two of them define would
    say two things, so it is refused."""
    twice = sorted(code for code, count in Counter(code for table in tables for code in table).items() if count > 1)
    if twice:
        raise ValueError(f"defined twice: {twice}")
    return {code: text for table in tables for code, text in table.items()}


ENGLISH = one_table(GENERAL, IMPORT)
# The field of an error's REST answer that carries its phrase, beside ``detail`` (core/rest/errors.py adds extra).
DETAIL_PHRASE = "detail_phrase"


@dataclass(frozen=True)
class Phrase:
    """One sentence (or part of one): ``code`` names it in ``ENGLISH`` and in the pages' tables, ``values`` fill
    it. Never changed once made (``values`` is a dict only for pydantic's and JSON's sake)."""

    code: str
    values: dict[str, Value] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in ENGLISH:
            raise ValueError(f"no phrase {self.code!r} in core.phrases.ENGLISH")

    def __str__(self) -> str:
        return self.english

    @cached_property
    def english(self) -> str:
        """Said once: a source's text is also its identity, asked for many times by a preview of 3,000 groups."""
        return say(self, in_english)

    def __hash__(self) -> int:
        return hash((self.code, frozenset(self.values.items())))

    def public(self) -> dict[str, Any]:
        """As REST answers it and records keep it: ``{"code": ..., "values": {...}}``, phrases among the values
        alike."""
        return {"code": self.code, "values": {name: _public(value) for name, value in self.values.items()}}


Value = str | int | Phrase | tuple[Phrase, ...]
Words = Callable[..., str]  # (code, **values) -> the sentence: ``in_english``, or a page's table
E = TypeVar("E", bound=LpmError)


def in_english(code: str, **values: str) -> str:
    return ENGLISH[code].format(**values)


def say(value: Value, words: Words) -> str:
    """``value`` through ``words``: a phrase with its values said first, a tuple of phrases joined with commas,
    data as it is."""
    if isinstance(value, Phrase):
        return words(value.code, **{name: say(part, words) for name, part in value.values.items()})
    if isinstance(value, tuple):
        return ", ".join(say(part, words) for part in value)
    return str(value)


def phrase_from(data: Any) -> Phrase | None:
    """A phrase from its ``public()`` form (an error's ``detail_phrase``, a sync record's ``said``); None for
    anything else: a record of an older version may hold none, or a code this version no longer says."""
    try:
        return _phrase(data)
    except (TypeError, KeyError, AttributeError, ValueError):  # not that form; ValueError: a code not in ENGLISH
        return None


def refusal(error: type[E], phrase: Phrase, *, code: str | None = None) -> E:
    """``error`` saying ``phrase``: its detail is the English, the phrase rides in ``extra`` (``detail_phrase``)."""
    return error(str(phrase), code=code, extra={DETAIL_PHRASE: phrase.public()})


def phrase_of(error: LpmError) -> Phrase | None:
    """The phrase an error says (``refusal``); None for any other error."""
    return phrase_from(error.extra.get(DETAIL_PHRASE))


def _public(value: Value) -> Any:
    if isinstance(value, Phrase):
        return value.public()
    if isinstance(value, tuple):
        return [part.public() for part in value]
    return value


def _phrase(data: Any) -> Phrase:
    return Phrase(data["code"], {name: _value(value) for name, value in data.get("values", {}).items()})


def _value(data: Any) -> Value:
    if isinstance(data, Mapping):
        return _phrase(data)
    if isinstance(data, list):
        return tuple(_phrase(part) for part in data)
    return data
