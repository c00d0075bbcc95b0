"""Texts of the Import and restore page (ui/import_page.py, ui/import_review.py).

English and Simplified Chinese side by side: the same keys and placeholders in both (tests/test_i18n.py)."""

from __future__ import annotations

EN: dict[str, str] = {}

ZH: dict[str, str] = {}
