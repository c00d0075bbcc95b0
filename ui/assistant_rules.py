"""The assistant's saved rules: a form to save one (a kind and its text), and the list in the order they apply,
each with an on switch, up / down and delete. Every change goes through ``core.normalization_suggestions`` and
then tells the page, whose suggestions follow the rules.

Also what the pages call a rule: its kind's name and its explanation, in the page's language, by kind (core's
own label and explanation stay English, for REST; the UI never reads their words)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from nicegui import ui

from core import normalization_suggestions as assistant
from core.errors import AlreadyExists, LpmError
from core.normalization import KINDS, MAX_PARAM, Rule, make_rule
from core.normalization_suggestions import RuleCreate, RulePublic, RuleUpdate
from core.services import Services
from ui.i18n import t
from ui.messages import describe

# Per kind of ``core.normalization.KINDS``: its name (the select; a card's heading when it takes no parameter), its
# explanation, and a card's heading for a kind with a parameter, the kind's parameters as their placeholders; and
# each parameter's name (the text field's label).
KIND_LABELS = {
    "strip_prefix": "assist.kind_strip_prefix",
    "strip_org": "assist.kind_strip_org",
    "lowercase": "assist.kind_lowercase",
    "strip_suffix": "assist.kind_strip_suffix",
    "strip_date": "assist.kind_strip_date",
    "separators": "assist.kind_separators",
}
EXPLANATIONS = {
    "strip_prefix": "assist.explain_strip_prefix",
    "strip_org": "assist.explain_strip_org",
    "lowercase": "assist.explain_lowercase",
    "strip_suffix": "assist.explain_strip_suffix",
    "strip_date": "assist.explain_strip_date",
    "separators": "assist.explain_separators",
}
TITLES = {"strip_prefix": "assist.title_strip_prefix", "strip_suffix": "assist.title_strip_suffix"}  # with params
PARAM_LABELS = {"prefix": "assist.param_prefix", "suffix": "assist.param_suffix"}


def explanation(kind: str, params: Mapping[str, str]) -> str:
    """A rule's sentence; a saved rule this version does not understand (core refuses it) says so."""
    try:
        make_rule(kind, params)
    except ValueError:
        return t("assist.rule_not_understood", rule=f"{kind} {dict(params)}")
    return t(EXPLANATIONS[kind], **params)


def rule_title(rule: Rule) -> str:
    """A card's heading: the kind's name and its parameter (``Drop a vendor prefix: deepseek-ai/``)."""
    return t(TITLES[rule.kind], **dict(rule.params)) if rule.params else t(KIND_LABELS[rule.kind])


def param_label(kind: str) -> str:
    """The label of the text field a kind asks for (its one parameter), or "" when it takes none."""
    params = KINDS[kind].params
    return t(PARAM_LABELS[params[0]]) if params else ""


def refusal(error: LpmError, kind: str) -> str:
    """Why a rule was not saved. The form offers only known kinds with their parameters, so a rule core calls
    invalid has a bad text; a twin is already saved; anything else is an error sentence."""
    if error.code == "invalid_rule" and KINDS[kind].params:
        return t("assist.rule_invalid", param=param_label(kind), max=MAX_PARAM)
    if isinstance(error, AlreadyExists):
        return t("assist.rule_exists")
    return describe(error)


class RulesPanel:
    def __init__(self, services: Services, rules: list[RulePublic], changed: Callable[[], Awaitable[None]]) -> None:
        self.services = services
        self.rules = rules
        self.changed = changed
        with ui.expansion(t("assist.rules"), icon="rule").classes("w-full border rounded").mark("rules-panel"):
            self.form()
            self.listing()

    def form(self) -> None:
        with ui.row().classes("items-end gap-2 w-full"):
            kind = ui.select({k: t(KIND_LABELS[k]) for k in KINDS}, value="strip_prefix", label=t("assist.rule_kind"),
                             with_input=True).classes("w-64").mark("rule-kind")  # fmt: skip
            text = ui.input(param_label("strip_prefix")).classes("w-64").mark("rule-param")
            label_of = {k: param_label(k) for k in KINDS}  # the page's language, read while building the page

            def follow() -> None:
                """The text field asks for the kind's one parameter, or goes when it takes none."""
                text.set_visibility(bool(KINDS[kind.value].params))
                text.props(f'label="{label_of[kind.value]}"')

            kind.on_value_change(follow)

            async def save() -> None:
                params = KINDS[kind.value].params
                await self.save(kind.value, {params[0]: (text.value or "").strip()} if params else {})

            ui.button(t("assist.save_rule"), icon="add", on_click=save).mark("rule-save")

    @ui.refreshable_method
    def listing(self) -> None:
        if not self.rules:
            ui.label(t("assist.no_rules"))
            return
        last = len(self.rules) - 1
        for rule in self.rules:
            with ui.row().classes("items-center gap-2 w-full no-wrap").mark("saved-rule"):
                ui.label(f"{rule.position + 1}.").classes("w-6")
                said = explanation(rule.kind, rule.params)
                ui.label(said).classes("text-sm").style("flex: 1 1 auto").mark("saved-rule-explanation")
                ui.switch(t("assist.rule_on"), value=rule.enabled,
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
        except LpmError as exc:
            ui.notify(refusal(exc, kind), type="negative", multi_line=True)
            return
        ui.notify(t("assist.rule_saved", explanation=explanation(rule.kind, rule.params)), type="positive")
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
