"""The translation table (``ui.i18n``), English and Simplified Chinese: one module per part of the UI, each with
its ``EN`` and ``ZH`` side by side, merged here. A key defined by two parts is a mistake caught at import.

Product names (GPT-Load, uni-api, api.yaml) stay as they are in Chinese, as in GPT-Load's own Chinese UI.
"""

from __future__ import annotations

from types import ModuleType

from core.phrases import one_table
from ui.locales import (
    assistant,
    common,
    dashboard,
    grids,
    importing,
    inbox,
    models,
    phrases,
    providers,
    session,
    sync,
    workbench,
)

PARTS: tuple[ModuleType, ...] = (
    grids,
    common,
    phrases,
    dashboard,
    sync,
    workbench,
    importing,
    models,
    assistant,
    inbox,
    providers,
    session,
)


def merged(parts: tuple[ModuleType, ...], language: str) -> dict[str, str]:
    return one_table(*(getattr(part, language) for part in parts))


EN = merged(PARTS, "EN")
ZH = merged(PARTS, "ZH")
