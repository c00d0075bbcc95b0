"""Normalization suggestions over the registry, the saved rules, and names for newly fetched models.

The rules themselves are ``core.normalization`` (pure); this module reads the registry and the saved rules
(``NormalizationRule``), and answers:

- ``review(provider_ids)``: per rule, the active models it would rename, each rule computed alone on the
  current exposed names (every provider's names count, so variants are clustered across providers), with
  the duplicates and aggregates it would create (``core.impact.edit_impact``). The rules are the saved,
  enabled ones in their order, then those the names call for; a rule saved but disabled is never suggested.
  Accepting is a batch rename through ``core.catalog.apply_changes`` (REST: ``PUT /api/models/batch-normalize``),
  with its duplicate / split confirmation; ``Review.renames`` composes several accepted suggestions.
- the saved rules: listed, created, updated (``position`` moves one), deleted; positions stay 0..n-1.
- ``suggest_for_fetched(originals)``: the saved rules' name for each newly fetched original name.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from tortoise.transactions import in_transaction

from core import normalization
from core.errors import AlreadyExists, InvalidInput, NotFound
from core.gc_pause import without_gc
from core.impact import Edits, Impact, Registry, apply_edits, edit_impact, load_registry
from core.models import Model, NormalizationRule
from core.naming import exposed_name
from core.normalization import Rule, Suggestion
from core.services import Services
from core.shapes import Body

MAX_PAGE = 500
# Duplicates and aggregates listed per suggestion: lowercase over 30,000 models made 3,250 of each (17 MB for a page).
IMPACT_LIMIT = 50
MAX_IMPACT_LIMIT = 20_000
MAX_PARAMS = 5  # no kind takes more than one; a bigger object is refused before any work


class RuleData(BaseModel):
    kind: str
    params: dict[str, str]
    saved_id: int | None = None  # the saved rule this suggestion comes from; None: found in the names


class ChangePublic(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    model_id: int
    provider_id: int
    provider_name: str
    from_: str = Field(alias="from")
    to: str


class ImpactCounts(BaseModel):
    """How many duplicates and aggregates the impact holds (its lists may be cut at ``impact_limit``)."""

    duplicates: int
    within_provider: int
    aggregates: int


class SuggestionPublic(BaseModel):
    rule: RuleData
    explanation: str
    changes: list[ChangePublic]
    impact: Impact  # the duplicates and aggregates accepting this suggestion alone would create (the first ones)
    impact_counts: ImpactCounts


class SuggestionPage(BaseModel):
    suggestions: list[SuggestionPublic]
    total: int
    offset: int
    limit: int


class RulePublic(BaseModel):
    id: int
    position: int
    kind: str
    params: dict[str, str]
    enabled: bool
    explanation: str


Params = Annotated[dict[str, str], Field(max_length=MAX_PARAMS)]
Kind = Annotated[str, Field(max_length=40)]


class RuleCreate(Body):
    kind: Kind
    params: Params = Field(default_factory=dict)
    enabled: bool = True
    position: Annotated[int | None, Field(ge=0)] = None  # None: after the last one


class RuleUpdate(Body):
    kind: Kind | None = None
    params: Params | None = None
    enabled: bool | None = None
    position: Annotated[int | None, Field(ge=0)] = None  # move it there; the others keep their order


# ----- suggestions


@dataclass
class Review:
    """The suggestions for the registry as it was read, in the order they apply."""

    registry: Registry
    names: Mapping[int, str]  # active models' exposed names
    suggestions: list[Suggestion]

    @without_gc  # thousands of renames and duplicates per suggestion (core/gc_pause.py)
    def page(self, offset: int = 0, limit: int = 20, impact_limit: int = IMPACT_LIMIT) -> SuggestionPage:
        """Suggestions ``offset`` to ``offset + limit``, each with its impact (computed for this page only; its
        duplicates and aggregates cut at ``impact_limit`` each, ``impact_counts`` says how many there are)."""
        chosen = self.suggestions[offset : offset + limit]
        return SuggestionPage(
            suggestions=[self.public(s, impact_limit) for s in chosen],
            total=len(self.suggestions),
            offset=offset,
            limit=limit,
        )

    def public(self, suggestion: Suggestion, impact_limit: int = IMPACT_LIMIT) -> SuggestionPublic:
        impact = self.impact({c.model_id: c.after for c in suggestion.changes})
        counts = ImpactCounts(duplicates=len(impact.duplicates), aggregates=len(impact.split),
                              within_provider=sum(d.within_provider for d in impact.duplicates))  # fmt: skip
        return SuggestionPublic(
            rule=RuleData(**suggestion.rule.data, saved_id=suggestion.rule.id),  # type: ignore[arg-type]
            explanation=suggestion.rule.explanation,
            changes=[self._change(c.model_id, c.before, c.after) for c in suggestion.changes],
            impact=impact.model_copy(
                update={"duplicates": impact.duplicates[:impact_limit], "split": impact.split[:impact_limit]}
            ),
            impact_counts=counts,
        )

    @without_gc
    def impact(self, renames: Mapping[int, str]) -> Impact:
        """``edit_impact`` of these renames, asked of the part of the registry they reach: the renamed models and
        the active ones already serving a name they take. Duplicates are exactly the whole registry's (no other
        model can share those names); an aggregate's name can differ only where two names slug alike, and the
        save recomputes it over the whole registry (30,000 models: whole, each suggestion took a second)."""
        taking = Counter(renames.values())

        def keeping(name: str) -> list[int]:
            """The models serving ``name`` now that these renames leave as they are."""
            return [i for i in self._serving.get(name, ()) if i not in renames]

        # A name only one model would serve cannot be a duplicate: leave that rename out of the question.
        shared = {name for name, n in taking.items() if n + len(keeping(name)) > 1}
        kept = {model_id: name for model_id, name in renames.items() if name in shared}
        ids = set(kept).union(*(keeping(name) for name in shared))
        part = Registry(self.registry.providers, {i: self.registry.models[i] for i in ids})
        return edit_impact(part, Edits(renames=kept))

    @cached_property
    def _serving(self) -> dict[str, list[int]]:
        """The active models serving each exposed name."""
        serving: dict[str, list[int]] = defaultdict(list)
        for model_id, name in self.names.items():
            serving[name].append(model_id)
        return serving

    def renames(self, accepted: Iterable[Rule], pending: Mapping[int, str | None] | None = None) -> dict[int, str]:
        """The names accepting these rules' suggestions gives, on top of ``pending`` renames (``None``: back to
        the original): the suggestions in their listed order, each on the names the ones before it left."""
        wanted = set(accepted)
        chosen = [s for s in self.suggestions if s.rule in wanted]
        after = apply_edits(self.registry, Edits(renames=dict(pending or {})))
        current = {model_id: after.models[model_id].exposed for model_id in self.names}
        return normalization.compose(current, chosen)

    def provider_name(self, model_id: int) -> str:
        return self.registry.providers[self.registry.models[model_id].provider_id].name

    def _change(self, model_id: int, before: str, after: str) -> ChangePublic:
        provider_id = self.registry.models[model_id].provider_id
        return ChangePublic(model_id=model_id, provider_id=provider_id, provider_name=self.provider_name(model_id),
                            from_=before, to=after)  # fmt: skip


@without_gc  # every rule over every active name (core/gc_pause.py)
def build_review(
    registry: Registry, saved: Sequence[Rule], disabled: Sequence[Rule] = (), provider_ids: Iterable[int] | None = None
) -> Review:
    """The suggestions for a registry (pure): saved rules first, then the rules the names call for."""
    names = {m.id: m.exposed for m in registry.models.values() if m.is_active}
    wanted = None if provider_ids is None else set(provider_ids)
    scope = None if wanted is None else [i for i in names if registry.models[i].provider_id in wanted]
    rules = normalization.rule_order(saved, normalization.found_rules(names.values()), disabled)
    return Review(registry, names, normalization.suggest(names, rules, scope))


async def review(provider_ids: Iterable[int] | None = None) -> Review:
    """Suggestions for the active models of these providers (all when None); every provider's names count."""
    saved, disabled = await _rules_by_state()
    return build_review(await load_registry(), saved, disabled, provider_ids)


async def list_suggestions(
    provider_ids: Iterable[int] | None = None, *, offset: int = 0, limit: int = 20, impact_limit: int = IMPACT_LIMIT
) -> SuggestionPage:
    return (await review(provider_ids)).page(offset, min(limit, MAX_PAGE), min(impact_limit, MAX_IMPACT_LIMIT))


async def suggest_for_fetched(originals: Sequence[str]) -> dict[str, str]:
    """The saved, enabled rules' name for each newly fetched original name (itself when no rule changes it),
    among the names the registry already serves (so date stamps and separators follow existing spellings).

    For the churn inbox: ``await suggest_for_fetched(["Qwen/Qwen2.5-72B"])`` -> ``{"Qwen/Qwen2.5-72B": ...}``.
    """
    saved, _ = await _rules_by_state()
    if not saved:
        return {original: original for original in originals}
    rows = await Model.filter(is_active=True).values_list("original_name", "normalized_name")
    known = (exposed_name(original, normalized) for original, normalized in rows)
    return normalization.suggest_names(originals, saved, known)


# ----- saved rules


async def list_rules() -> list[RulePublic]:
    return [_public_rule(row) for row in await _ordered()]


async def create_rule(services: Services, data: RuleCreate) -> RulePublic:
    rule = _checked(data.kind, data.params)
    async with services.registry_lock:
        rows = await _ordered()
        _refuse_twin(rule, rows)
        row = await NormalizationRule.create(kind=rule.kind, params=dict(rule.params), enabled=data.enabled,
                                             position=len(rows))  # fmt: skip
        await _place(rows, row, len(rows) if data.position is None else data.position)
    return _public_rule(row)


async def update_rule(services: Services, rule_id: int, data: RuleUpdate) -> RulePublic:
    async with services.registry_lock:
        rows = await _ordered()
        row = next((r for r in rows if r.id == rule_id), None)
        if row is None:
            raise NotFound(f"Normalization rule {rule_id} does not exist.")
        rule = _checked(data.kind or row.kind, row.params if data.params is None else data.params)
        _refuse_twin(rule, [r for r in rows if r.id != rule_id])
        row.kind, row.params = rule.kind, dict(rule.params)
        if data.enabled is not None:
            row.enabled = data.enabled
        await row.save(update_fields=["kind", "params", "enabled", "updated_at"])
        if data.position is not None:
            await _place([r for r in rows if r.id != rule_id], row, data.position)
    return _public_rule(row)


async def delete_rule(services: Services, rule_id: int) -> None:
    async with services.registry_lock:
        rows = await _ordered()
        if not any(r.id == rule_id for r in rows):
            raise NotFound(f"Normalization rule {rule_id} does not exist.")
        async with in_transaction():
            await NormalizationRule.filter(id=rule_id).delete()
            await _renumber([r for r in rows if r.id != rule_id])


async def _ordered() -> list[NormalizationRule]:
    return await NormalizationRule.all().order_by("position", "id")


async def _rules_by_state() -> tuple[list[Rule], list[Rule]]:
    """The saved rules as rules: the enabled ones in their order, and the disabled ones."""
    rows = await _ordered()
    rules = [(normalization.make_rule(r.kind, r.params, rule_id=r.id), r.enabled) for r in rows if _valid(r)]
    return [rule for rule, on in rules if on], [rule for rule, on in rules if not on]


def _valid(row: NormalizationRule) -> bool:
    """A row this version understands (written by hand or by a later version otherwise): skipped if not."""
    try:
        normalization.make_rule(row.kind, row.params)
    except ValueError:
        return False
    return True


def _checked(kind: str, params: Mapping[str, object]) -> Rule:
    try:
        return normalization.make_rule(kind, params)
    except ValueError as exc:
        raise InvalidInput(str(exc), code="invalid_rule") from exc


def _refuse_twin(rule: Rule, rows: Iterable[NormalizationRule]) -> None:
    for row in rows:
        if row.kind == rule.kind and row.params == dict(rule.params):
            raise AlreadyExists(f"This rule is already saved (rule {row.id}).", extra={"rule_id": row.id})


async def _place(others: list[NormalizationRule], row: NormalizationRule, position: int) -> None:
    """Put ``row`` at ``position`` (or last) among ``others``, which keep their order; positions 0..n-1."""
    ordered = [r for r in others if r.id != row.id]
    ordered.insert(min(position, len(ordered)), row)
    async with in_transaction():
        await _renumber(ordered)


async def _renumber(rows: list[NormalizationRule]) -> None:
    for position, row in enumerate(rows):
        if row.position != position:
            row.position = position
            await row.save(update_fields=["position", "updated_at"])


def _public_rule(row: NormalizationRule) -> RulePublic:
    params = {str(k): str(v) for k, v in (row.params or {}).items()}
    try:
        explanation = normalization.make_rule(row.kind, params).explanation
    except ValueError as exc:
        explanation = f"Not understood, never applied: {exc}"
    return RulePublic(id=row.id, position=row.position, kind=row.kind, params=params, enabled=row.enabled,
                      explanation=explanation)  # fmt: skip
