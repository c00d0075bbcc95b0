"""The assistant's saved rules: a form to save one (a kind and its text), and the list in the order they apply,
each with an on switch, up / down and delete. Every change goes through ``core.normalization_suggestions`` and
then tells the page, whose suggestions follow the rules."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from core import normalization_suggestions as assistant
from core.errors import LpmError
from core.normalization import KINDS
from core.normalization_suggestions import RuleCreate, RulePublic, RuleUpdate
from core.services import Services
from ui.messages import describe


class RulesPanel:
    def __init__(self, services: Services, rules: list[RulePublic], changed: Callable[[], Awaitable[None]]) -> None:
        self.services = services
        self.rules = rules
        self.changed = changed
        with ui.expansion("Saved rules", icon="rule").classes("w-full border rounded").mark("rules-panel"):
            self.form()
            self.listing()

    def form(self) -> None:
        with ui.row().classes("items-end gap-2 w-full"):
            kind = ui.select({k: spec.label for k, spec in KINDS.items()}, value="strip_prefix", label="Rule"
                             ).classes("w-64").mark("rule-kind")  # fmt: skip
            text = ui.input("Prefix").classes("w-64").mark("rule-param")

            def follow() -> None:
                """The text field asks for the kind's one parameter, or goes when it takes none."""
                params = KINDS[kind.value].params
                text.set_visibility(bool(params))
                text.props(f'label="{params[0].capitalize() if params else ""}"')

            kind.on_value_change(follow)

            async def save() -> None:
                params = KINDS[kind.value].params
                await self.save(kind.value, {params[0]: (text.value or "").strip()} if params else {})

            ui.button("Save rule", icon="add", on_click=save).mark("rule-save")

    @ui.refreshable_method
    def listing(self) -> None:
        if not self.rules:
            ui.label("No saved rules. Saved rules are suggested first and name newly fetched models.")
            return
        last = len(self.rules) - 1
        for rule in self.rules:
            with ui.row().classes("items-center gap-2 w-full no-wrap").mark("saved-rule"):
                ui.label(f"{rule.position + 1}.").classes("w-6")
                ui.label(rule.explanation).classes("text-sm").style("flex: 1 1 auto").mark("saved-rule-explanation")
                ui.switch("on", value=rule.enabled,
                          on_change=lambda e, r=rule: self.update(r.id, RuleUpdate(enabled=e.value))
                          ).mark("rule-enabled")  # fmt: skip
                up, down = RuleUpdate(position=max(0, rule.position - 1)), RuleUpdate(position=rule.position + 1)
                ui.button(icon="arrow_upward", on_click=lambda r=rule, u=up: self.update(r.id, u)).props(
                    "flat dense round"
                ).set_enabled(rule.position > 0)
                ui.button(icon="arrow_downward", on_click=lambda r=rule, d=down: self.update(r.id, d)).props(
                    "flat dense round"
                ).set_enabled(rule.position < last)
                ui.button(icon="delete", on_click=lambda r=rule: self.delete(r.id)).props(
                    "flat dense round color=negative"
                ).mark("rule-delete")

    async def save(self, kind: str, params: dict[str, str]) -> None:
        try:
            rule = await assistant.create_rule(self.services, RuleCreate(kind=kind, params=params))
        except LpmError as exc:  # a rule that cannot be says why in its own words
            ui.notify(exc.detail if exc.code == "invalid_rule" else describe(exc), type="negative", multi_line=True)
            return
        ui.notify(f"Saved: {rule.explanation}", type="positive")
        await self.reload()

    async def update(self, rule_id: int, data: RuleUpdate) -> None:
        try:
            await assistant.update_rule(self.services, rule_id, data)
        except LpmError as exc:
            ui.notify(describe(exc), type="negative", multi_line=True)
        await self.reload()

    async def delete(self, rule_id: int) -> None:
        try:
            await assistant.delete_rule(self.services, rule_id)
        except LpmError as exc:
            ui.notify(describe(exc), type="negative", multi_line=True)
        await self.reload()

    async def reload(self) -> None:
        self.rules = await assistant.list_rules()
        self.listing.refresh()
        await self.changed()
