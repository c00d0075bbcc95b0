"""Texts of the login page (ui/session.py).

English and Simplified Chinese side by side: the same keys and placeholders in both (tests/test_i18n.py)."""

from __future__ import annotations

EN: dict[str, str] = {}

ZH: dict[str, str] = {}
