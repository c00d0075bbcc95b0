"""Building blocks shared by the request shapes of the use-case modules."""

from __future__ import annotations

import re
from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field

MAX_DB_ID = 2**63 - 1
# Names may hold any character a provider uses, except these, which no one types on purpose.
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
# Values per IN (...) query: far below SQLite's and PostgreSQL's parameter limits.
IN_CHUNK = 500
T = TypeVar("T")

# A database id as it may arrive from outside: anything else is refused before any query.
DbId = Annotated[int, Field(ge=1, le=MAX_DB_ID)]

# Request list limits (README "REST API"); a longer list is a 422 before any work. The body limit
# (MAX_BODY_BYTES, 2 MiB) admits each of them: 20,000 ids are ~140 KB, 20,000 renames ~1.2 MB.
MAX_BATCH_ITEMS = 20_000  # ids, renames, deletions, model names of one request
MAX_KEYS = 5_000  # API keys in one request (GPT-Load adds at most 5,000 per call)
MAX_CHECK_KEYS = 100  # keys one "Test connection" (POST /api/providers/check) lists models with
IdList = Annotated[list[DbId], Field(max_length=MAX_BATCH_ITEMS)]
NameList = Annotated[list[str], Field(max_length=MAX_BATCH_ITEMS)]
KeyList = Annotated[list[str], Field(max_length=MAX_KEYS)]


class Body(BaseModel):
    """A request body: an unknown field is an error, so a typo never silently changes nothing."""

    model_config = ConfigDict(extra="forbid")


def chunks(items: list[T]) -> list[list[T]]:
    """``items`` in slices of IN_CHUNK, for IN (...) queries."""
    return [items[i : i + IN_CHUNK] for i in range(0, len(items), IN_CHUNK)]
