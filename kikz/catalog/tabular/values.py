"""Reading cell values the way German municipal exports write them, and inferring column types.

A column's type is decided by a tolerant majority: a few stray values ("k.A.", "x", "#DIV/0!")
do not turn a number column into text, but a real mix does. Values that do not fit their
column's type are kept as the original text so that later checks can point at them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from decimal import Decimal

from kikz.catalog.tabular.model import BOOLEAN, DATE, DATETIME, GEOMETRY, INTEGER, NUMBER, STRING

TYPE_MAJORITY = 0.9
"""Share of the non-empty sample values one kind must reach; below it the column is text."""

TRUE_WORDS = frozenset({"ja", "true", "wahr", "x", "yes"})
FALSE_WORDS = frozenset({"nein", "false", "falsch", "no"})
NULL_MARKERS = frozenset({"k.a.", "k. a.", "n/a", "n.a.", "null", "none", "nan", "-", "–", "—"})
"""Ways exports say "no value"; treated as empty in typed columns, kept as text in text columns."""

_GERMAN_NUMBER = re.compile(r"[+-]?(?:0|[1-9]\d{0,2}(?:[.\u00a0\u202f]\d{3})+|[1-9]\d*)(?:,\d+)?")
_ENGLISH_NUMBER = re.compile(r"[+-]?(?:0|[1-9]\d{0,2}(?:,\d{3})+|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_GERMAN_THOUSANDS = str.maketrans({".": None, "\u00a0": None, "\u202f": None, ",": "."})
_ENGLISH_THOUSANDS = str.maketrans({",": None})

# Unambiguous evidence for a decimal convention; "1.234" and "1,234" alone prove nothing.
_GERMAN_EVIDENCE = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+,\d+|\d+,(?:\d{1,2}|\d{4,})|\d{1,3}(?:\.\d{3}){2,})")
_ENGLISH_EVIDENCE = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+\.\d+|\d+\.(?:\d{1,2}|\d{4,})|\d{1,3}(?:,\d{3}){2,})")

_GERMAN_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_GERMAN_DATETIME = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}),?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*Uhr)?")
_ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?\s?(?:Z|[+-]\d{2}(?::?\d{2})?)?"
)

Parsed = tuple[str, object]


def parse_number(text: str, decimal: str) -> int | float | None:
    if decimal == ",":
        if not _GERMAN_NUMBER.fullmatch(text):
            return None
        plain = text.translate(_GERMAN_THOUSANDS)
    else:
        if not _ENGLISH_NUMBER.fullmatch(text):
            return None
        plain = text.translate(_ENGLISH_THOUSANDS)
    if "." in plain or "e" in plain or "E" in plain:
        return float(plain)
    return int(plain)


def parse_date(text: str) -> dt.date | None:
    m = _GERMAN_DATE.fullmatch(text)
    try:
        if m:
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
        m = _ISO_DATE.fullmatch(text)
        if m:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None
    return None


def parse_datetime(text: str) -> dt.datetime | None:
    try:
        if _ISO_DATETIME.fullmatch(text):
            return dt.datetime.fromisoformat(text.replace(" ", "T", 1).replace(" ", "").replace(",", "."))
        m = _GERMAN_DATETIME.fullmatch(text)
        if m:
            return dt.datetime(int(m[3]), int(m[2]), int(m[1]), int(m[4]), int(m[5]), int(m[6] or 0))
    except ValueError:
        return None
    return None


def parse_boolean(text: str) -> bool | None:
    low = text.lower()
    if low in TRUE_WORDS:
        return True
    if low in FALSE_WORDS:
        return False
    return None


def classify_text(text: str, decimal: str) -> Parsed | None:
    """(type, value) of one cell written as text, or None when it is empty or says "no value"."""
    s = text.strip()
    if not s or s.lower() in NULL_MARKERS:
        return None
    first = s[0]
    if first.isdigit() or first in "+-":
        number = parse_number(s, decimal)
        if number is not None:
            return (NUMBER if isinstance(number, float) else INTEGER, number)
        day = parse_date(s)
        if day is not None:
            return DATE, day
        moment = parse_datetime(s)
        if moment is not None:
            return DATETIME, moment
        return STRING, text
    flag = parse_boolean(s)
    if flag is not None:
        return BOOLEAN, flag
    return STRING, text


def classify(value: object, decimal: str) -> Parsed | None:
    """(type, value) of a cell as a reader delivered it (text from CSV, native values from XLSX/JSON)."""
    if value is None:
        return None
    if isinstance(value, str):
        return classify_text(value, decimal)
    if isinstance(value, bool):
        return BOOLEAN, value
    if isinstance(value, int):
        return INTEGER, value
    if isinstance(value, float | Decimal):
        return NUMBER, value
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return DATE, value.date()
        return DATETIME, value
    if isinstance(value, dt.date):
        return DATE, value
    return STRING, value


def infer_decimal(cells: Iterable[object], default: str) -> str:
    """ "," or "." from the text cells that are unambiguous; the default when they are not."""
    german = english = 0
    for cell in cells:
        if not isinstance(cell, str):
            continue
        s = cell.strip()
        if not s or not (s[0].isdigit() or s[0] in "+-"):
            continue
        if _GERMAN_EVIDENCE.fullmatch(s):
            german += 1
        elif _ENGLISH_EVIDENCE.fullmatch(s):
            english += 1
    if german > english:
        return ","
    if english > german:
        return "."
    return default


def infer_type(values: Iterable[object], decimal: str) -> str:
    kinds: Counter[str] = Counter()
    for value in values:
        parsed = classify(value, decimal)
        if parsed is not None:
            kinds[parsed[0]] += 1
    total = sum(kinds.values())
    if not total:
        return STRING
    groups = {
        NUMBER if kinds[NUMBER] else INTEGER: kinds[INTEGER] + kinds[NUMBER],
        DATETIME if kinds[DATETIME] else DATE: kinds[DATE] + kinds[DATETIME],
        BOOLEAN: kinds[BOOLEAN],
    }
    best, count = max(groups.items(), key=lambda item: item[1])
    return best if count >= TYPE_MAJORITY * total else STRING


Converter = Callable[[object], object]


def converter(column_type: str, decimal: str) -> Converter:
    """A function turning one delivered cell into the column's Python type (None for empty)."""
    if column_type == GEOMETRY:
        return lambda value: value
    if column_type == STRING:
        return _to_text

    def convert(value: object) -> object:
        parsed = classify(value, decimal)
        if parsed is None:
            return None
        kind, typed = parsed
        if kind == column_type:
            return typed
        if column_type == NUMBER and kind == INTEGER:
            return float(typed)  # type: ignore[arg-type]
        if column_type == DATETIME and kind == DATE:
            return dt.datetime.combine(typed, dt.time(0))  # type: ignore[arg-type]
        if column_type == INTEGER and kind == NUMBER and float(typed).is_integer():  # type: ignore[arg-type]
            return int(typed)  # type: ignore[call-overload]
        return value

    return convert


def _to_text(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    return display(value)


def display(value: object) -> str:
    """How a typed value is shown in a preview table."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} Bytes>"
    if isinstance(value, dict) and isinstance(value.get("type"), str) and "coordinates" in value:
        return _geometry_label(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _geometry_label(geometry: dict[str, object]) -> str:
    kind = str(geometry["type"])
    coords = geometry.get("coordinates")
    if kind == "Point" and isinstance(coords, list) and len(coords) >= 2:
        return f"POINT ({coords[0]} {coords[1]})"
    return kind.upper()


def unique_names(names: Iterable[object]) -> list[str]:
    """Column names as shown: blanks become "Spalte N", repeats get a suffix (_2, _3, ...)."""
    seen: set[str] = set()
    result: list[str] = []
    for i, raw in enumerate(names):
        base = display(raw).strip() or f"Spalte {i + 1}"
        name, k = base, 2
        while name.casefold() in seen:
            name, k = f"{base}_{k}", k + 1
        seen.add(name.casefold())
        result.append(name)
    return result
