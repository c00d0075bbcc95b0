"""Texts of the provider dialog (ui/provider_dialog.py, ui/provider_fields.py).

English and Simplified Chinese side by side: the same keys and placeholders in both (tests/test_i18n.py)."""

from __future__ import annotations

EN: dict[str, str] = {}

ZH: dict[str, str] = {}
