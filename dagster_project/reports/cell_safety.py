"""Spreadsheet formula injection: the one rule every download and regulator file applies.

A cell whose text starts with = + - @ (or a tab or carriage return, which some programs skip
before reading a formula) is run as a formula by spreadsheet programs. Such text gets a leading
apostrophe, so it is always shown as the text it is.
"""

from __future__ import annotations

from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    """Text that a spreadsheet would run becomes plain text; every other value is returned as is."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
