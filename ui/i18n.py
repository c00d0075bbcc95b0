"""Chinese and English (issue 14 §5): ``t(key, **values)`` looks a UI string up in one translation table
(``ui/locales/``: a module per part of the UI) for the language of the current client.

The language: what the operator chose in the header (``app.storage.user``, remembered like dark mode), else
the browser's ``Accept-Language``, else English; read once per page and kept with the client. Outside a page
(pure functions under test, REST) it is English. A key missing in the client's language logs an ERROR and
shows the English text: the ``user`` fixture fails a test in which the app logged an ERROR, and
tests/test_i18n.py fails when a key is missing in either table, so a gap never passes silently.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from nicegui import app, context, ui

from ui.locales import EN, ZH

log = logging.getLogger(__name__)

LANG_SETTING = "lang"  # app.storage.user: "en" or "zh", once the operator chose one in the header
TABLES = {"en": EN, "zh": ZH}
LANGUAGES = {"en": "English", "zh": "中文"}  # the header's switch, each in its own language
DEFAULT = "en"
GRID_PREFIX = "grid."  # AG Grid's own words: ui/locales/grids.py
_TAG = re.compile(r"^\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$")


def pick_language(accept_language: str | None) -> str:
    """The table for an ``Accept-Language`` header (pure): the most preferred tag we have, else English."""
    ranked = []
    for position, part in enumerate((accept_language or "").split(",")):
        match = _TAG.match(part)
        if not match:
            continue
        try:
            weight = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        if weight > 0:
            ranked.append((-weight, position, match.group(1).lower().split("-")[0]))
    for _, _, primary in sorted(ranked):
        if primary in TABLES:
            return primary
    return DEFAULT


def language() -> str:
    """The current client's language; English where there is no page (a pure function called from a test)."""
    try:
        client = context.client
    except RuntimeError:
        return DEFAULT
    chosen = client.storage.get(LANG_SETTING)
    if chosen in TABLES:
        return chosen
    chosen = _stored_choice()
    if chosen is None:
        try:
            chosen = pick_language(client.request.headers.get("accept-language"))
        except RuntimeError:  # a client without a request (auto-index page): the default
            chosen = DEFAULT
    client.storage[LANG_SETTING] = chosen
    return chosen


def _stored_choice() -> str | None:
    try:
        chosen = app.storage.user.get(LANG_SETTING)
    except (RuntimeError, AssertionError):
        return None
    return chosen if chosen in TABLES else None


def t(key: str, **values: object) -> str:
    """The text of ``key`` in the current language, with ``values`` filled into its ``{placeholders}``."""
    return text_in(language(), key, **values)


def translator() -> Callable[..., str]:
    """``t`` bound to the current client's language: for callbacks that may run outside its context."""
    lang = language()
    return lambda key, **values: text_in(lang, key, **values)


def text_in(lang: str, key: str, **values: object) -> str:
    text = TABLES[lang].get(key)
    if text is None:
        log.error("no %s text for %r", lang, key)
        text = EN.get(key, key)
    return text.format(**values) if values else text


def aggrid_locale_text(tr: Callable[..., str] = t) -> dict[str, str]:
    """AG Grid's own words (its empty overlay, the column filter menu, screen-reader texts) in the page's language,
    for a grid's ``localeText`` option: every grid gets it, or its filter menu speaks English on a Chinese page."""
    return {key.removeprefix(GRID_PREFIX): tr(key) for key in EN if key.startswith(GRID_PREFIX)}


def set_language(lang: str) -> None:
    """Remember the operator's choice for this browser and show the page again in it."""
    app.storage.user[LANG_SETTING] = lang
    context.client.storage[LANG_SETTING] = lang
    ui.navigate.reload()


def language_switch() -> None:
    """The header's "English / 中文" switch: the current language is the one not offered as a link."""
    current = language()
    with ui.row().classes("items-center gap-1 no-wrap text-sm").mark("language-switch") as row:
        row.tooltip(t("header.language_tip"))
        for position, (lang, name) in enumerate(LANGUAGES.items()):
            if position:
                ui.label("/").classes("opacity-60 max-xl:hidden")
            if lang == current:  # below 1280 px only the other language shows: the header stays one row
                ui.label(name).classes("font-bold max-xl:hidden").mark(f"lang-{lang}")
            else:
                ui.button(name, on_click=lambda lang=lang: set_language(lang)).props(
                    "flat dense no-caps color=white"
                ).mark(f"lang-{lang}")
