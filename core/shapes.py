"""Building blocks shared by the request shapes of the use-case modules."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

MAX_DB_ID = 2**63 - 1

# A database id as it may arrive from outside: anything else is refused before any query.
DbId = Annotated[int, Field(ge=1, le=MAX_DB_ID)]


class Body(BaseModel):
    """A request body: an unknown field is an error, so a typo never silently changes nothing."""

    model_config = ConfigDict(extra="forbid")
