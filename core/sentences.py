"""Core's sentences for people (issue 14 §5): each a code with its values, and its English from one table.

Core says some things in sentences of its own: why a plan is unsafe, why a provider looks broken, how to
connect GPT-Load, what a fetch skipped, how a sync's wait ended. REST and the records keep the English
(``str(sentence)``); a page says the same ``code`` with the same ``values`` in its own language
(``ui.messages.said``: the key ``said.<code>``, whose English is this table's). So a page never reads the words,
and the words are written once. Values are data (names, counts, URLs, a provider's own answer), never words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ENGLISH: dict[str, str] = {
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


@dataclass(frozen=True)
class Sentence:
    """One of core's sentences: ``code`` names it in ``ENGLISH`` (and in the pages' tables), ``values`` fill it."""

    code: str
    values: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.code not in ENGLISH:
            raise ValueError(f"no sentence {self.code!r} in core.sentences.ENGLISH")

    def __str__(self) -> str:
        return ENGLISH[self.code].format(**self.values)

    def public(self) -> dict[str, Any]:
        """As records and REST keep it, beside the English: ``{"code": ..., "values": {...}}``."""
        return {"code": self.code, "values": dict(self.values)}


def sentence_from(data: Any) -> Sentence | None:
    """A sentence kept with ``public()`` (a sync record's result), or None for anything else (an older record)."""
    if not isinstance(data, dict) or data.get("code") not in ENGLISH or not isinstance(data.get("values", {}), dict):
        return None
    return Sentence(data["code"], data.get("values", {}))
