"""The normalization assistant (issue 14 §3): suggestions grouped by rule, bulk accept / reject, saved rules.

Suggestions and rules are ``core.normalization_suggestions``'s (the rules themselves ``core.normalization``'s).
Accepting turns the ticked suggestions into pending renames (``ui.pending.PendingChanges``, the workbench's
state), composed in the listed order; nothing is written before Save, which is the workbench's save dialog: the
renames, their duplicates and aggregates, one batch through ``core.catalog.apply_changes`` with its duplicate /
split confirmation. Rejecting hides a suggestion on this page; disabling a saved rule hides it for good.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from nicegui import ui

from core import normalization_suggestions as assistant
from core.catalog import BatchResult, ModelPublic
from core.impact import Impact, Registry, load_registry
from core.normalization import Rule, Suggestion
from core.normalization_suggestions import Review, RulePublic
from core.services import Services
from ui.assistant_rules import RulesPanel, explanation, rule_title
from ui.i18n import t, translator
from ui.pending import PendingChanges
from ui.workbench.impact_view import impact_view
from ui.workbench.page import LEAVE_WARNING_OFF, LEAVE_WARNING_ON
from ui.workbench.save_dialog import SaveDialog

PAGE_SIZE = 10  # suggestions per page: each shows its impact, computed once the page is drawn
SHOWN_CHANGES = 8  # renames listed per suggestion before "and N more"
SHOWN_PENDING = 12
SHOWN_IMPACT = 5  # duplicates and aggregates listed per suggestion (lowercase alone can make thousands)
NO_PROVIDER = 0  # the impact view's "this provider": none here, so every model is shown with its provider


async def assistant_page(services: Services) -> None:
    AssistantPage(services, await assistant.review(), await assistant.list_rules())


@dataclass(frozen=True)
class Touched:
    """What the save dialog calls "the provider": here the providers the pending renames touch (no one id)."""

    name: str
    id: None = None


class AssistantPage:
    def __init__(self, services: Services, review: Review, rules: list[RulePublic]) -> None:
        self.services = services
        self._t = translator()  # the impacts are drawn by a timer, the saves in dialogs
        self.load(review)
        ui.label(t("assist.intro")).classes("text-sm text-grey-8")
        self.rules_panel = RulesPanel(services, rules, self.rules_changed)
        self.bar()
        with ui.row().classes("w-full items-center gap-2"):
            ui.button(t("assist.select_all"), on_click=lambda: self.tick(all_shown=True)).props("flat dense").mark(
                "tick-all"
            )
            ui.button(t("assist.select_none"), on_click=lambda: self.tick(all_shown=False)).props("flat dense")
            ui.button(t("assist.accept"), icon="done_all", on_click=self.accept).mark("accept-selected")
            ui.button(t("assist.reject"), icon="block", on_click=self.reject).props("outline").mark("reject-selected")
            ui.space()
            ui.button(t("assist.unreject"), on_click=self.unreject).props("flat dense")
        self.cards()
        self.dialogs = ui.element()  # outside everything a refresh rebuilds

    def load(self, review: Review) -> None:
        """A fresh reading of the registry and the rules: nothing pending, nothing ticked or hidden."""
        self.review = review
        self.pending = PendingChanges(0, {}, review.registry)
        self.impacts: dict[Rule, Impact] = {}  # computed so far (when a card is first shown)
        self.ticked: set[Rule] = set()
        self.accepted: set[Rule] = set()
        self.rejected: set[Rule] = set()
        self.offset = 0

    @property
    def provider(self) -> Touched:
        registry = self.pending.registry
        names = sorted({registry.providers[registry.models[i].provider_id].name for i in self.pending.renames})
        shown = ", ".join(names[:3])
        return Touched(self._t("assist.names_more", names=shown, count=len(names) - 3) if len(names) > 3 else shown)

    # ----- suggestions

    def visible(self) -> list[Suggestion]:
        hidden = self.accepted | self.rejected
        return [s for s in self.review.suggestions if s.rule not in hidden]

    @ui.refreshable_method
    def cards(self) -> None:
        shown = self.visible()
        if not shown:
            ui.label(self._t("assist.none")).mark("no-suggestions")
            return
        self.offset = min(self.offset, (len(shown) - 1) // PAGE_SIZE * PAGE_SIZE)
        page = shown[self.offset : self.offset + PAGE_SIZE]
        with ui.row().classes("items-center gap-2"):
            last = self.offset + len(page)
            count = self._t("assist.count", first=self.offset + 1, last=last, total=len(shown))
            ui.label(count).mark("suggestion-count")
            ui.button(icon="chevron_left", on_click=lambda: self.turn(-PAGE_SIZE)).props("flat dense").set_enabled(
                self.offset > 0
            )
            ui.button(icon="chevron_right", on_click=lambda: self.turn(PAGE_SIZE)).props("flat dense").set_enabled(
                last < len(shown)
            )
        waiting = [(suggestion, self.card(suggestion)) for suggestion in page]
        # The impacts after the cards are drawn, one at a time: 30,000 models take seconds for all of them.
        ui.timer(0, lambda: self.fill(waiting), once=True)

    def card(self, suggestion: Suggestion) -> ui.column:
        """One rule's card; returns the box its impact goes into."""
        rule, changes = suggestion.rule, suggestion.changes
        with ui.card().classes("w-full gap-1").mark("suggestion"):
            with ui.row().classes("items-center gap-2 w-full"):
                ui.checkbox(rule_title(rule), value=rule in self.ticked,
                            on_change=lambda e, r=rule: self.ticked.add(r) if e.value else self.ticked.discard(r)
                            ).classes("font-bold").mark("suggestion-tick")  # fmt: skip
                if rule.id is not None:
                    ui.badge(self._t("assist.saved_badge")).props("outline").mark("saved-badge")
                ui.space()
                ui.label(counted(self._t, len(changes), "assist.models_one", "assist.models")).classes("text-sm")
                if rule.id is None:
                    ui.button(
                        self._t("assist.save_as_rule"),
                        on_click=lambda r=rule: self.rules_panel.save(r.kind, dict(r.params)),
                    ).props("flat dense").mark("save-as-rule")
            said = explanation(rule.kind, dict(rule.params))
            ui.label(said).classes("text-sm").mark("suggestion-explanation")
            for change in changes[:SHOWN_CHANGES]:
                text = f"{self.review.provider_name(change.model_id)}: {change.before} → {change.after}"
                ui.label(text).classes("text-sm font-mono").mark("suggestion-change")
            if len(changes) > SHOWN_CHANGES:
                more = self._t("assist.more", count=len(changes) - SHOWN_CHANGES)
                ui.label(more).classes("text-sm text-grey-7")
            with ui.column().classes("gap-1") as box:
                if rule in self.impacts:
                    show_impact(self._t, self.impacts[rule])
                else:
                    ui.label(self._t("assist.working")).classes("text-sm text-grey-7")
        return box

    async def fill(self, waiting: list[tuple[Suggestion, ui.column]]) -> None:
        for suggestion, box in waiting:
            if suggestion.rule in self.impacts or box.is_deleted:
                continue  # shown with the card, or the page moved on
            renames = {c.model_id: c.after for c in suggestion.changes}
            self.impacts[suggestion.rule] = impact = self.review.impact(renames)
            box.clear()
            with box:
                show_impact(self._t, impact)
            await asyncio.sleep(0)  # let the page answer between two

    def turn(self, step: int) -> None:
        self.offset = max(0, self.offset + step)
        self.cards.refresh()

    def tick(self, *, all_shown: bool) -> None:
        page = self.visible()[self.offset : self.offset + PAGE_SIZE]
        self.ticked = set(page) if all_shown else set()
        self.cards.refresh()

    def accept(self) -> None:
        """The ticked suggestions become pending renames, on top of those accepted before."""
        if not self.ticked:
            ui.notify(self._t("assist.select_first"), type="warning")
            return
        renames = self.review.renames(self.ticked, self.pending.renames)
        for model_id, name in renames.items():
            self.pending.models.setdefault(model_id, model_of(self.pending.registry, model_id))
            self.pending.rename(model_id, name)
        self.accepted |= self.ticked
        self.ticked = set()
        ui.notify(counted(self._t, len(renames), "assist.accepted_one", "assist.accepted"), type="info")
        self.changed()

    def reject(self) -> None:
        self.rejected |= self.ticked
        self.ticked = set()
        self.cards.refresh()

    def unreject(self) -> None:
        self.rejected = set()
        self.cards.refresh()

    # ----- pending renames and Save (the workbench's save dialog)

    @ui.refreshable_method
    def bar(self) -> None:
        if not self.pending.count:
            return
        with ui.card().classes("w-full bg-amber-1 dark:bg-grey-9 gap-1").mark("pending-renames"):
            ui.label(self._t("assist.pending", count=self.pending.count)).classes("font-bold").mark("pending-count")
            registry = self.pending.registry
            for model_id, name in list(self.pending.renames.items())[:SHOWN_PENDING]:
                model = registry.models[model_id]
                provider = registry.providers[model.provider_id].name
                ui.label(f"{provider}: {model.exposed} → {name or model.original_name}").classes("text-sm font-mono")
            if self.pending.count > SHOWN_PENDING:
                more = self._t("assist.more", count=self.pending.count - SHOWN_PENDING)
                ui.label(more).classes("text-sm text-grey-7")
            with ui.row().classes("gap-2"):
                save = self._t("assist.save", count=self.pending.count)
                ui.button(save, on_click=self.open_save).mark("assistant-save")
                ui.button(self._t("assist.discard"), on_click=self.discard).props("flat").mark("assistant-discard")

    def changed(self) -> None:
        self.bar.refresh()
        self.cards.refresh()
        ui.run_javascript(LEAVE_WARNING_ON if self.pending.count else LEAVE_WARNING_OFF)

    def discard(self) -> None:
        self.pending = PendingChanges(0, {}, self.review.registry)
        self.accepted = set()
        self.changed()

    def open_save(self) -> None:
        self.dialogs.clear()  # one dialog at a time
        with self.dialogs:
            SaveDialog(self)  # type: ignore[arg-type]  # it reads services, pending, provider; calls back below

    async def saved(self, result: BatchResult) -> None:
        await self.reload()
        saved = counted(self._t, result.renamed, "assist.saved_one", "assist.saved")  # the assistant only renames
        ui.notify(saved, type="positive")

    async def reload_registry(self) -> None:
        """The save was refused because the registry changed: read it again, keep the pending renames."""
        self.pending.registry = await load_registry()

    async def reload(self) -> None:
        self.load(await assistant.review())
        self.changed()

    async def rules_changed(self) -> None:
        """Rules decide the suggestions: read them again (pending renames stay, as do hidden suggestions)."""
        self.review = await assistant.review()
        self.impacts = {}
        self.cards.refresh()


def show_impact(tr: Callable[..., str], impact: Impact) -> None:
    """The duplicates and aggregates accepting a suggestion alone would create: counted, the first few named."""
    if not impact.duplicates:
        ui.label(tr("assist.no_duplicates")).classes("text-sm text-grey-7").mark("suggestion-no-duplicates")
        return
    within = sum(d.within_provider for d in impact.duplicates)
    shared = counted(tr, len(impact.duplicates), "assist.shared_one", "assist.shared")
    aggregates = counted(tr, len(impact.split), "assist.aggregates_one", "assist.aggregates")
    ui.label(tr("assist.impact", shared=shared, within=within, aggregates=aggregates)).classes("text-sm").mark(
        "suggestion-impact"
    )
    first = impact.model_copy(update={"duplicates": impact.duplicates[:SHOWN_IMPACT],
                                      "split": impact.split[:SHOWN_IMPACT]})  # fmt: skip
    impact_view(first, NO_PROVIDER, prefix="suggestion")
    more = max(len(impact.duplicates), len(impact.split)) - SHOWN_IMPACT
    if more > 0:
        ui.label(tr("assist.more", count=more)).classes("text-sm text-grey-7")


def counted(tr: Callable[..., str], count: int, one: str, many: str) -> str:
    """The text for a count: ``one`` for 1, else ``many`` with it (English has two forms; Chinese writes both alike)."""
    return tr(one) if count == 1 else tr(many, count=count)


def model_of(registry: Registry, model_id: int) -> ModelPublic:
    """What ``PendingChanges`` keeps of a model it renames, from the registry's names (this page lists none)."""
    row = registry.models[model_id]
    return ModelPublic(id=row.id, provider_id=row.provider_id, original_name=row.original_name,
                       normalized_name=row.normalized_name, exposed_name=row.exposed, is_active=row.is_active,
                       is_manual=False, upstream_missing=False, fetched_at=None)  # fmt: skip
