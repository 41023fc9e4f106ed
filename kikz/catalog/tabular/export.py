"""Cells for CSV files we write: spreadsheets must not run what a data provider typed into a cell."""

from __future__ import annotations

import re
from decimal import Decimal

from kikz.catalog.tabular.values import display

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
"""Characters that make Excel or LibreOffice read a cell as a formula (OWASP CSV injection)."""
_PLAIN_NUMBER = re.compile(r"[+-]?\d[\d.,]*(?:[eE][+-]?\d+)?")


def csv_safe_cell(value: object) -> str:
    """The cell as text; text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    text = display(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text
