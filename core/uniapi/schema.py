"""The part of uni-api's ``api.yaml`` schema that can stop uni-api or break routing, as pydantic models (pure).

uni-api validates its file with pydantic and ``extra="allow"`` (reference §3), so these models accept
every key they do not name. ``validate`` turns their validation errors into sentences for the operator.
Each field's ``description`` is the sentence's predicate ("must be a string"), so a rule and its wording
live side by side. A sentence names the place (``providers[2] "openai-main"``, ``api_keys[0]``) and
never a value: any value could be a key, and pydantic's own messages and inputs are never shown.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictStr,
    StringConstraints,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from core.channels import UNIAPI_ENGINES, chat_suffix_of_engine
from core.naming import OWNER_MARKER
from core.uniapi import yamlio

_UNIT = r"(?:s|sec|second|m|min|minute|h|hr|hour|d|day|mo|month|y|year|tpr)"
RATE_LIMIT = re.compile(rf"^\d+/{_UNIT}(?:,\d+/{_UNIT})*$")

A_MAPPING = "must be a mapping ({} when empty), never empty or a list"
A_RATE_LIMIT = "must look like 15/min or 10/min,500/day (s, min, hour, day…)"
_RULE = "api_yaml_rule"  # the error type of the rules below that are not a field's type; their text is ours


def _broken(sentence: str) -> PydanticCustomError:
    return PydanticCustomError(_RULE, sentence)


def _without_slash(name: str) -> str:
    if "/" in name:  # uni-api splits routing rules at the first `/`: such a provider cannot be reached
        raise _broken("the provider name must not contain '/'")
    return name


NonEmptyStr = Annotated[StrictStr, StringConstraints(min_length=1)]
ProviderName = Annotated[
    StrictStr, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_without_slash)
]
RateLimit = Annotated[StrictStr, StringConstraints(pattern=RATE_LIMIT)]
# One limit for everything, or one per model substring with a `default`.
RateLimits = RateLimit | dict[str, RateLimit]


class _Open(BaseModel):
    """uni-api accepts keys it does not know, and so does this schema."""

    model_config = ConfigDict(extra="allow")


class Preferences(_Open):
    """Top-level and client-key ``preferences``."""

    rate_limit: RateLimits | None = Field(None, description=A_RATE_LIMIT)


class ProviderPreferences(_Open):
    api_key_rate_limit: RateLimits | None = Field(None, description=A_RATE_LIMIT)


class ApiKey(_Open):
    """One client key of ``api_keys``."""

    api: NonEmptyStr = Field(description="must be a non-empty quoted string")
    model: list[Any] = Field(default_factory=list, description="must be a list such as [all], not a string or empty")
    weights: dict[Any, Any] = Field(default_factory=dict, description="must be a mapping")
    preferences: Preferences = Field(default_factory=Preferences, description=A_MAPPING)


class Provider(_Open):
    """One entry of ``providers`` as uni-api needs it."""

    provider: ProviderName = Field(description="must be a non-empty quoted string")
    # Absent is legal for these two (see below); null is not, and pydantic never validates a default.
    base_url: StrictStr = Field(None, description="must be a string")
    region: StrictStr = Field(None, description="must be a string")
    api: StrictStr | list[StrictStr] | None = Field(
        None, description="must be a quoted string or a list of quoted strings"
    )
    model: list[Any] | None = Field(None, description="must be a list (or [] to let uni-api discover the models)")
    preferences: ProviderPreferences = Field(default_factory=ProviderPreferences, description=A_MAPPING)

    @model_validator(mode="after")
    def _has_an_address(self) -> Provider:
        """uni-api's Python runtime reads ``base_url`` unconditionally unless Vertex or Cloudflare fields replace it."""
        extra = self.model_extra or {}
        if "base_url" not in self.model_fields_set and not (extra.get("project_id") or extra.get("cf_account_id")):
            raise _broken("base_url is missing")
        return self


class ManagedProvider(Provider):
    """An entry carrying the ownership marker: what the manager writes, checked more strictly."""

    engine: Literal[UNIAPI_ENGINES] = Field(
        description=f"must be one of {', '.join(UNIAPI_ENGINES)} on an entry the manager owns"
    )
    api: NonEmptyStr = Field(description="must be a non-empty quoted string on an entry the manager owns")

    @model_validator(mode="after")
    def _base_url_reaches_the_engine(self) -> ManagedProvider:
        suffix = chat_suffix_of_engine(self.engine)
        if suffix and self.base_url is not None and not self.base_url.endswith(suffix):
            raise _broken(f"base_url of an engine {self.engine} entry must end with {suffix}")
        return self


def _ownership(entry: Any) -> str:
    return "managed" if isinstance(entry, dict) and entry.get("notes") == OWNER_MARKER else "operator"


ProviderEntry = Annotated[
    Annotated[ManagedProvider, Tag("managed")] | Annotated[Provider, Tag("operator")], Discriminator(_ownership)
]
ENTRY_MODELS: dict[str, dict[str | None, type[BaseModel]]] = {
    "providers": {"managed": ManagedProvider, "operator": Provider},
    "api_keys": {None: ApiKey},
}


class ApiYaml(_Open):
    """The whole document."""

    providers: list[ProviderEntry] = Field(default_factory=list, description="must be a list")
    api_keys: list[ApiKey] = Field(None, validate_default=True, description="must be a list")
    preferences: Preferences = Field(default_factory=Preferences, description=A_MAPPING)

    @field_validator("api_keys", mode="before")
    @classmethod
    def _at_least_one_client_key(cls, keys: Any) -> Any:
        if keys is None:
            raise _broken("api_keys is missing: uni-api needs at least one client key")
        if keys == []:
            raise _broken("api_keys is empty: uni-api needs at least one client key")
        return keys


# ---------------------------------------------------------------- validate


def validate(text: str) -> list[str]:
    """Every problem that would stop uni-api or break routing (reference §6); empty when the text is valid."""
    try:
        data = yamlio.parse(text)
    except yamlio.YamlProblem as problem:
        return [str(problem)]
    if data is None:
        return ["the document is empty"]
    labels = _entry_labels(data)
    try:
        ApiYaml.model_validate(data)
    except ValidationError as invalid:
        problems = [_sentence(error, labels) for error in invalid.errors(include_url=False, include_input=False)]
    else:
        problems = []
    return list(dict.fromkeys(problems + _name_clashes(data, labels)))


def _entry_labels(data: Any) -> dict[tuple[str, int], str]:
    """How each list entry is named: by index, and a provider also by its name unless that name is a key."""
    labels: dict[tuple[str, int], str] = {}
    if not isinstance(data, dict):
        return labels
    secrets = _client_keys(data) | {value for entry in _entries(data, "providers") for value in _strings(entry)}
    for section in ENTRY_MODELS:
        for index, entry in enumerate(_entries(data, section, dicts_only=False)):
            label = f"{section}[{index}]"
            name = _provider_name(entry) if section == "providers" else None
            labels[section, index] = f'{label} "{name}"' if name and name not in secrets else label
    return labels


def _sentence(error: ErrorDetails, labels: dict[tuple[str, int], str]) -> str:
    """One validation error as the operator reads it: place, then rule; never the offending value."""
    loc = error["loc"]
    entry, model, rest = "", ApiYaml, loc
    if len(loc) >= 2 and loc[0] in ENTRY_MODELS and isinstance(loc[1], int):
        entry, models, rest = (
            labels.get((str(loc[0]), loc[1]), f"{loc[0]}[{loc[1]}]"),
            ENTRY_MODELS[str(loc[0])],
            loc[2:],
        )
        tag = rest[0] if rest and rest[0] in models else None
        model, rest = models[tag], rest[1:] if tag else rest
    fields, description = _field_path(model, rest)
    if error["type"] == _RULE:
        return f"{entry}: {error['msg']}" if entry else error["msg"]
    if not fields:
        return f"{entry} must be a mapping" if entry else "the top level must be a mapping"
    if not entry:
        return f"{'.'.join(fields)} {description}"
    # A preferences block reads as a path (api_keys[0].preferences.rate_limit), a plain field after a colon.
    joint = "." if fields[0] == "preferences" else ": "
    return f"{entry}{joint}{'.'.join(fields)} {description}"


def _field_path(model: type[BaseModel] | None, loc: tuple[int | str, ...]) -> tuple[list[str], str]:
    """The model fields ``loc`` walks through, and the description of the last one; union branches, list
    indexes and mapping keys (which may be secret) end the walk."""
    fields: list[str] = []
    description = ""
    for part in loc:
        info = model.model_fields.get(str(part)) if model is not None else None
        if info is None:
            break
        fields.append(str(part))
        description = info.description or ""
        nested = info.annotation
        model = nested if isinstance(nested, type) and issubclass(nested, BaseModel) else None
    return fields, description


def _name_clashes(data: Any, labels: dict[tuple[str, int], str]) -> list[str]:
    """Rules across entries, which no single entry's schema can see: unique names, none equal to a client key."""
    problems: list[str] = []
    client_keys = _client_keys(data)
    first_use: dict[str, int] = {}
    for index, entry in enumerate(_entries(data, "providers", dicts_only=False)):
        name = _provider_name(entry)
        if not name:
            continue
        label = labels[("providers", index)]
        if name in client_keys:
            problems.append(f"{label}: the provider name equals a client key in api_keys; rename the provider")
        if name in first_use:
            problems.append(
                f"{label}: the same provider name is used by providers[{first_use[name]}]; names must be unique"
            )
        else:
            first_use[name] = index
    return problems


def _entries(data: Any, section: str, *, dicts_only: bool = True) -> list[Any]:
    items = data.get(section) if isinstance(data, dict) else None
    if not isinstance(items, list):
        return []
    return [item for item in items if isinstance(item, dict)] if dicts_only else list(items)


def _client_keys(data: Any) -> set[str]:
    return {key["api"] for key in _entries(data, "api_keys") if isinstance(key.get("api"), str) and key["api"]}


def _provider_name(entry: Any) -> str | None:
    name = entry.get("provider") if isinstance(entry, dict) else None
    return name if isinstance(name, str) and name.strip() else None


def _strings(entry: dict) -> list[str]:
    """The provider's ``api`` values: one key or a list of them."""
    value = entry.get("api")
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
