"""Names (pure): exposed model names, GPT-Load group-name slugs, the ownership marker, name suggestions.

GPT-Load accepts group names matching ``^[a-z0-9_-]{1,100}$``. Model names keep their exact
characters everywhere else (redirect rules, uni-api model lists); only group names are slugged.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable

from core.normalization import make_rule, suggest_names

# The one ownership marker: a uni-api entry carries it as its ``notes``, a GPT-Load group at the start of
# its ``description`` (in brackets), so a restored or lost database can recognise what the manager made.
OWNER_MARKER = "managed by llm-provider-manager"
GROUP_MARKER = f"[{OWNER_MARKER}]"


def carries_marker(description: str | None) -> bool:
    """Whether a GPT-Load group's description says the manager made it."""
    return (description or "").startswith(GROUP_MARKER)


# GPT-Load's group-name rule; uni-api entries are named after groups, so the same rule names them.
GROUP_NAME = re.compile(r"^[a-z0-9_-]{1,100}$")
MAX_GROUP_NAME = 100
HASH_LENGTH = 6
_NOT_ALLOWED = re.compile(r"[^a-z0-9_-]+")
_DASH_RUNS = re.compile(r"-{2,}")


def slug(text: str) -> str:
    """Lowercase; every other character becomes ``-``; runs collapsed; trimmed. Never empty."""
    cleaned = _DASH_RUNS.sub("-", _NOT_ALLOWED.sub("-", text.lower())).strip("-_")
    return cleaned or "x"


def short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:HASH_LENGTH]


def fit(name: str, *, suffix: str = "", identity: str | None = None) -> str:
    """Join ``name`` and ``suffix`` within 100 characters; a cut name gets a hash of ``identity`` to stay unique."""
    full = f"{name}{suffix}"
    if len(full) <= MAX_GROUP_NAME:
        return full
    tail = f"-{short_hash(identity or full)}{suffix}"
    return f"{name[: MAX_GROUP_NAME - len(tail)].rstrip('-_')}{tail}"


def unique_slugs(inputs: Iterable[str]) -> dict[str, str]:
    """Slug every input; inputs that collide get a short stable hash suffix.

    An input that already equals its slug keeps it, so a clean name never changes because an
    unclean twin appears (``GPT-4o`` becomes ``gpt-4o-1a2b3c``, ``gpt-4o`` stays ``gpt-4o``).
    """
    by_slug: dict[str, list[str]] = defaultdict(list)
    for text in dict.fromkeys(inputs):
        by_slug[slug(text)].append(text)
    result: dict[str, str] = {}
    for cleaned, texts in by_slug.items():
        for text in texts:
            keep = len(texts) == 1 or text == cleaned
            result[text] = cleaned if keep else f"{cleaned}-{short_hash(text)}"
    return result


def exposed_name(original: str, normalized: str | None) -> str:
    """The name clients use for a model: its normalized name, or the provider's own when it has none."""
    return normalized or original


# The quick suggestion: the normalization rules ``strip_org`` then ``lowercase`` (core.normalization).
SUGGESTION_RULES = (make_rule("strip_org"), make_rule("lowercase"))


def suggest_name(original: str) -> str:
    """A normalization suggestion: no ``org/`` prefix, lowercase (``deepseek-ai/DeepSeek-V3`` -> ``deepseek-v3``),
    by the normalization rules, so their guards hold (never an empty name, never another version)."""
    return suggest_names([original], SUGGESTION_RULES)[original]
