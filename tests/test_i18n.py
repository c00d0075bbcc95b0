"""The translation table (ui/i18n.py, ui/locales/) is whole: every key in both languages, the
same placeholders in both, no empty text; every key the pages name exists; the pages translated so far pass
no English literal to a widget; and the language follows the browser's Accept-Language."""

from __future__ import annotations

import ast
import logging
import re
from pathlib import Path
from string import Formatter
from types import ModuleType

import pytest

from core import changes
from core.settings import PROJECT_ROOT
from ui.dashboard import VIEWS
from ui.i18n import TABLES, pick_language, t, text_in
from ui.layout import TITLES
from ui.locales import EN, ZH, merged
from ui.messages import SENTENCES
from ui.providers_table import HEALTH_VALUES, ROW_ACTIONS, TEST_VALUES

# The modules not translated yet (issue 14 §5); every other module of ui/ passes no English literal to a widget.
NOT_YET: set[str] = set()
UI_MODULES = sorted(
    str(path.relative_to(PROJECT_ROOT)) for path in (PROJECT_ROOT / "ui").rglob("*.py") if "locales" not in path.parts
)
TRANSLATED = [module for module in UI_MODULES if module not in NOT_YET]
# Calls that put their first argument (or ``text``/``label``) in front of the user.
SHOWN_CALLS = {"label", "button", "link", "badge", "tooltip", "notify", "input", "expansion", "set_text"}
ALLOWED_LITERALS = {"LLM Provider Manager", "/"}  # the product's name; the switch's separator
KEY = re.compile(r"^[a-z]+\.[a-z0-9_]*[a-z0-9]$")  # an f-string's "table.row_" is not one


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name is not None}


def test_every_key_is_in_both_languages():
    assert set(EN) - set(ZH) == set(), "keys without Chinese"
    assert set(ZH) - set(EN) == set(), "keys without English"
    assert len(EN) > 150  # the table holds the translated pages, not a stub


@pytest.mark.parametrize("key", sorted(EN))
def test_both_languages_have_the_same_placeholders_and_no_empty_text(key):
    assert EN[key].strip() and ZH[key].strip()
    assert placeholders(EN[key]) == placeholders(ZH[key])


def test_a_key_two_parts_define_is_refused():
    first, second = ModuleType("ui.locales.first"), ModuleType("ui.locales.second")
    first.EN, second.EN = {"a.one": "One", "a.two": "Two"}, {"a.two": "Deux"}
    with pytest.raises(ValueError, match=r"a\.two"):
        merged((first, second), "EN")
    assert merged((first,), "EN") == first.EN


def test_chinese_texts_are_chinese():
    """A Chinese entry copied from English would pass the checks above: every entry holds a CJK character."""
    untranslated = [key for key, text in ZH.items() if not re.search(r"[\u4e00-\u9fff]", text)]
    assert untranslated == []


def test_the_error_sentences_stay_english_for_rest_and_are_translated_for_pages():
    assert SENTENCES["cannot_connect"] == "Cannot connect to the server."
    assert {f"error.{code}" for code in SENTENCES} <= set(ZH)


def keys_named(source: str) -> set[str]:
    """String constants in a module that look like table keys (``"dash.add"``), wherever they stand."""
    return {
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and KEY.match(node.value)
    }


def test_every_key_the_pages_name_exists():
    named = set()
    for path in (PROJECT_ROOT / "ui").rglob("*.py"):
        if "locales" not in path.parts:
            named |= {k for k in keys_named(path.read_text()) if k.split(".")[0] in {key.split(".")[0] for key in EN}}
    assert len(named) > 100
    assert sorted(named - set(EN)) == []


def test_every_key_the_pages_build_exists():
    """Keys made from a value (the row buttons, the bulk buttons, the views, the cell values, the titles)."""
    built = [f"table.row_{a}{tip}" for a in ROW_ACTIONS for tip in ("", "_tip")]
    built += [f"table.bulk_{a}" for a in ("test", "fetch", "delete")]
    built += [*VIEWS.values(), *HEALTH_VALUES.values(), *TEST_VALUES.values(), *TITLES.values()]
    assert sorted(set(built) - set(EN)) == []


def english_literals(source: str) -> list[str]:
    """Literal text (a string, or an f-string's fixed parts) given to a call that shows it to the user."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name not in SHOWN_CALLS:
            continue
        shown = node.args[:1] + [k.value for k in node.keywords if k.arg in {"text", "label", "message"}]
        for arg in shown:
            parts = [arg] if isinstance(arg, ast.Constant) else getattr(arg, "values", [])
            for part in parts:
                text = part.value if isinstance(part, ast.Constant) and isinstance(part.value, str) else ""
                if re.search(r"[A-Za-z]{2,}", text) and text not in ALLOWED_LITERALS:
                    found.append(text)
    return found


def test_the_checker_finds_a_literal_label():
    planted = 'ui.label("Add provider")\nui.notify(f"{n} failed")\nb.tooltip("Dark mode")\nui.label(t("dash.add"))'
    assert english_literals(planted) == ["Add provider", " failed", "Dark mode"]


@pytest.mark.parametrize("module", TRANSLATED)
def test_translated_pages_pass_no_english_literal_to_a_widget(module):
    assert english_literals(Path(PROJECT_ROOT / module).read_text()) == []


def test_the_not_yet_list_names_only_modules_that_exist():
    assert set(UI_MODULES) >= NOT_YET and len(TRANSLATED) > 15


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("zh-TW", "zh"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
        ("en;q=0.5, zh;q=0.9", "zh"),  # the weight decides, not the order
        ("fr-FR,de;q=0.9", "en"),  # nothing we have: English
        ("ja, zh;q=0.1", "zh"),  # the first we have
        ("zh;q=0", "en"),  # refused
        ("", "en"),
        (None, "en"),
        ("zh;q=abc, en", "en"),  # a broken weight is skipped
    ],
)
def test_the_language_follows_accept_language(header, language):
    assert pick_language(header) == language


def test_outside_a_page_the_text_is_english_with_its_values():
    assert t("dash.tested", count=3, passed=2, failed=1) == "Tested 3 providers: 2 passed, 1 failed"
    assert text_in("zh", "dash.tested", count=3, passed=2, failed=1) == "已测试 3 个服务商：2 个通过，1 个失败"


def test_a_missing_key_is_logged_as_an_error_not_shown_silently(caplog):
    with caplog.at_level(logging.ERROR, logger="ui.i18n"):
        assert text_in("zh", "nowhere.at_all") == "nowhere.at_all"
    assert "nowhere.at_all" in caplog.text
    assert set(TABLES) == {"en", "zh"}


def test_every_kind_of_change_has_words():
    """The strip's tooltip and the confirmation name kinds of change: a new kind in core needs its words."""
    kinds = {c.kind for c in vars(changes).values() if isinstance(c, type) and isinstance(getattr(c, "kind", 0), str)}
    kinds.discard("")
    assert len(kinds) >= 11
    assert sorted(f"kind.{kind}" for kind in kinds if f"kind.{kind}" not in EN) == []


def test_every_grid_gets_ag_grids_own_words_in_the_pages_language():
    """AG Grid speaks English (its empty overlay, the filter menu) unless a grid is given ``localeText``."""
    grids = {module: Path(PROJECT_ROOT / module).read_text() for module in UI_MODULES}
    with_grid = {module for module, source in grids.items() if "ui.aggrid(" in source}
    assert len(with_grid) >= 3
    for module in with_grid:
        assert grids[module].count("ui.aggrid(") == grids[module].count('"localeText": aggrid_locale_text('), module
    words = text_in("zh", "grid.noRowsToShow")
    assert re.search(r"[\u4e00-\u9fff]", words)
