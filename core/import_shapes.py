"""Request and answer shapes of the import (issue 13): what ``core.importing``, the REST API and the UI exchange.

Each of core's sentences in an answer comes twice: in English where it always was (``detail``, ``proposal``,
``sources``, ``warnings``) and, beside it, as its phrase (``core.phrases``: ``{"code", "values"}``), which
a client says in its own words and a page in its language.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from core.phrases import Phrase
from core.shapes import Body, NameList


class UniapiSource(Body):
    path: str | None = None
    text: str | None = None


class ImportPreviewRequest(Body):
    gptload: bool = False
    uniapi: UniapiSource | None = None
    # Ask each proposed provider for its models with the imported keys (calls the providers).
    fetch_models: bool = False
    bundle: str | None = None  # a backup file, base64
    passphrase: str | None = None
    resolutions: dict[str, str] = Field(default_factory=dict)  # preview the outcome of these choices
    skip_providers: NameList = Field(default_factory=list)  # proposed providers not to import
    # Instead of sources: the checksum of an earlier preview, whose read is proposed again with these choices
    # (reading GPT-Load again at 3,000 groups takes seconds; a choice should not).
    checksum: str | None = None


class ImportApplyRequest(Body):
    checksum: str
    resolutions: dict[str, str] = Field(default_factory=dict)
    adopt: NameList = Field(default_factory=list)
    skip_providers: NameList = Field(default_factory=list)  # proposed providers not to import


class ImportedModel(BaseModel):
    original_name: str
    normalized_name: str | None


class ImportedProvider(BaseModel):
    name: str
    base_url: str
    channel_type: str
    keys: list[str]  # masked
    models: list[ImportedModel]
    sources: list[str]
    source_phrases: list[Phrase]  # ``sources`` as phrases, one each
    merge_into: int | None  # the registered provider that receives these keys and models


class ImportConflict(BaseModel):
    id: str
    kind: str
    detail: str
    detail_phrase: Phrase
    options: list[str]
    choice: str


class ImportGroup(BaseModel):
    name: str
    kind: str
    managed: bool
    proposal: str
    proposal_phrase: Phrase
    adoptable: bool
    members: list[str] = []


class ImportEntry(BaseModel):
    provider: str
    managed: bool
    proposal: str
    proposal_phrase: Phrase
    adoptable: bool
    target: str | None


class ImportPreview(BaseModel):
    checksum: str
    providers: list[ImportedProvider]
    conflicts: list[ImportConflict]
    groups: list[ImportGroup]
    entries: list[ImportEntry]
    warnings: list[str]
    warning_phrases: list[Phrase]  # ``warnings`` as phrases, one each


class ImportResult(BaseModel):
    providers_created: int
    providers_merged: int
    keys_added: int
    models_added: int
    groups_adopted: int
    entries_adopted: int
    skipped: int
