"""Frictionless Table Schemas for tabular distributions: inferred from the catalogue's column description,
optionally replaced by a schema a data steward edited, and the cell checks against it.

Supported: field types string, integer, number, boolean, date, datetime, geojson, any; string formats
email, uri, uuid; constraints required, unique, minimum, maximum, minLength, maxLength, pattern, enum;
``primaryKey``. German number ("1.234,5") and date ("31.12.2024") spellings are valid for their types.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kikz.catalog.tabular.values import parse_boolean, parse_date, parse_datetime, parse_number
from kikz.errors import InvalidInput

TYPES = ("string", "integer", "number", "boolean", "date", "datetime", "geojson", "any")
STRING_FORMATS = ("default", "email", "uri", "uuid")
CONSTRAINTS = ("required", "unique", "minimum", "maximum", "minLength", "maxLength", "pattern", "enum")
# catalogue column type (kikz.catalog.tabular) -> Table Schema type
FROM_COLUMN_TYPE = {
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "date": "date",
    "datetime": "datetime",
    "string": "string",
    "geometry": "geojson",
}
ID_NAME = re.compile(
    r"(?:.*[-_ ])?(?:id|uuid|guid|key|nr\.?|kennung|kennziffer)|.*(?:nummer|schlüssel|schluessel)|[A-Z]*ID",
)
NOT_ID = re.compile(r"(?:haus|telefon|tel|fax|mobil)[-_ ]?(?:nummer|nr\.?)", re.IGNORECASE)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_URI = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:\S+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def infer_schema(columns: list[dict[str, Any]]) -> dict[str, Any]:
    """A Table Schema from ``Distribution.columns``; id-like columns become the primary-key candidate."""
    fields = [
        {"name": str(c.get("name", "")), "type": FROM_COLUMN_TYPE.get(str(c.get("type", "")), "string")}
        for c in columns
    ]
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    keys = [f["name"] for f in fields if f["type"] in ("integer", "string") and _id_like(f["name"].strip())]
    if keys:
        schema["x-kikz-detectedKey"] = keys[:1]  # a guess, not a declaration: checked, never enforced by name
    return schema


def _id_like(name: str) -> bool:
    if NOT_ID.fullmatch(name):
        return False
    return bool(ID_NAME.fullmatch(name) or ID_NAME.fullmatch(name.casefold()))


def check_schema(schema: Any, column_names: list[str]) -> dict[str, Any]:
    """Validate a steward's schema against the file's columns; the cleaned schema or InvalidInput (German)."""
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list) or not schema["fields"]:
        raise InvalidInput("Das Schema braucht eine nicht leere Liste 'fields'.")
    known = set(column_names)
    fields: list[dict[str, Any]] = []
    for i, raw in enumerate(schema["fields"], start=1):
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise InvalidInput(f"Feld {i}: jedes Feld braucht einen Namen ('name').")
        name = raw["name"]
        if name not in known:
            raise InvalidInput(f"Feld '{name}': diese Spalte gibt es in der Datei nicht.")
        kind = raw.get("type", "string")
        if kind not in TYPES:
            raise InvalidInput(f"Feld '{name}': unbekannter Typ '{kind}' (möglich: {', '.join(TYPES)}).")
        out: dict[str, Any] = {"name": name, "type": kind}
        fmt = raw.get("format", "default")
        if kind == "string" and fmt not in STRING_FORMATS:
            raise InvalidInput(f"Feld '{name}': unbekanntes Format '{fmt}' (möglich: {', '.join(STRING_FORMATS)}).")
        if fmt != "default":
            out["format"] = fmt
        for text_key in ("title", "description"):
            if isinstance(raw.get(text_key), str):
                out[text_key] = raw[text_key]
        constraints = raw.get("constraints") or {}
        if not isinstance(constraints, dict):
            raise InvalidInput(f"Feld '{name}': 'constraints' muss ein Objekt sein.")
        unknown = set(constraints) - set(CONSTRAINTS)
        if unknown:
            raise InvalidInput(f"Feld '{name}': unbekannte Bedingung(en) {', '.join(sorted(unknown))}.")
        if "pattern" in constraints:
            try:
                re.compile(str(constraints["pattern"]))
            except re.error as exc:
                raise InvalidInput(f"Feld '{name}': ungültiges Muster ({exc}).") from exc
        if "enum" in constraints and not isinstance(constraints["enum"], list):
            raise InvalidInput(f"Feld '{name}': 'enum' muss eine Liste sein.")
        for bound in ("minimum", "maximum", "minLength", "maxLength"):
            if bound in constraints and not isinstance(constraints[bound], int | float | str):
                raise InvalidInput(f"Feld '{name}': '{bound}' muss eine Zahl oder ein Datum sein.")
        if constraints:
            out["constraints"] = dict(constraints)
        fields.append(out)
    if len({f["name"] for f in fields}) != len(fields):
        raise InvalidInput("Jede Spalte darf im Schema nur einmal vorkommen.")
    result: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    key = schema.get("primaryKey")
    if key:
        names = [key] if isinstance(key, str) else key
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise InvalidInput("'primaryKey' muss ein Spaltenname oder eine Liste von Spaltennamen sein.")
        missing = [n for n in names if n not in {f["name"] for f in fields}]
        if missing:
            raise InvalidInput(f"'primaryKey' nennt unbekannte Spalte(n): {', '.join(missing)}.")
        result["primaryKey"] = names
    return result


def primary_key(schema: dict[str, Any]) -> tuple[list[str], bool]:
    """(key columns, declared?): the declared primaryKey, else the detected id-like column."""
    declared = schema.get("primaryKey")
    if declared:
        return ([declared] if isinstance(declared, str) else list(declared)), True
    return list(schema.get("x-kikz-detectedKey") or []), False


# --- cell checks ---------------------------------------------------------------------------------------

Typed = Callable[[object], object | None]
"""Returns the value in the field's type, or None when the value does not fit it."""


def _to_number(decimal: str) -> Typed:
    def convert(value: object) -> object | None:
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float | Decimal):
            return value
        if isinstance(value, str):
            return parse_number(value.strip(), decimal)
        return None

    return convert


def _to_integer(decimal: str) -> Typed:
    number = _to_number(decimal)

    def convert(value: object) -> object | None:
        parsed = number(value)
        if isinstance(parsed, float | Decimal):
            return int(parsed) if float(parsed).is_integer() else None
        return parsed

    return convert


def _to_date(value: object) -> object | None:
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0) else None
    if isinstance(value, dt.date):
        return value
    return parse_date(value.strip()) if isinstance(value, str) else None


def _to_datetime(value: object) -> object | None:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(0))
    if isinstance(value, str):
        text = value.strip()
        moment = parse_datetime(text)
        if moment is not None:
            return moment
        day = parse_date(text)
        return dt.datetime.combine(day, dt.time(0)) if day else None
    return None


def _to_boolean(value: object) -> object | None:
    if isinstance(value, bool):
        return value
    return parse_boolean(value.strip()) if isinstance(value, str) else None


def _to_string(value: object) -> object | None:
    return value if isinstance(value, str) else str(value)


def _to_geojson(value: object) -> object | None:
    return value if isinstance(value, dict) and "type" in value else None


def _any(value: object) -> object | None:
    return value


def _converter(kind: str, decimal: str) -> Typed:
    return {
        "integer": _to_integer(decimal),
        "number": _to_number(decimal),
        "date": _to_date,
        "datetime": _to_datetime,
        "boolean": _to_boolean,
        "string": _to_string,
        "geojson": _to_geojson,
    }.get(kind, _any)


NATIVE: dict[str, tuple[type, ...]] = {
    "integer": (int,),
    "number": (int, float, Decimal),
    "date": (dt.date,),
    "datetime": (dt.datetime,),
    "boolean": (bool,),
    "string": (str,),
    "any": (str, int, float, bool, dt.date, dt.datetime, Decimal, dict, list),
}
"""Python types the tabular reader delivers for a field type (``type(v) in``: a bool is not an integer)."""


@dataclass
class FieldCheck:
    """Checks one column's non-empty cells: type, string format and constraints (``unique`` is counted
    with the key columns, not here)."""

    name: str
    kind: str
    fmt: str
    constraints: dict[str, Any]
    convert: Typed
    pattern: re.Pattern[str] | None = None
    bounds: dict[str, object] = field(default_factory=dict)
    plain: bool = False
    native: tuple[type, ...] = ()

    @classmethod
    def build(cls, spec: dict[str, Any], decimal: str) -> FieldCheck:
        kind = str(spec.get("type", "string"))
        constraints = dict(spec.get("constraints") or {})
        check = cls(spec["name"], kind, str(spec.get("format", "default")), constraints, _converter(kind, decimal))
        if "pattern" in constraints:
            check.pattern = re.compile(str(constraints["pattern"]))
        for bound in ("minimum", "maximum"):
            if bound in constraints:
                raw = constraints[bound]
                check.bounds[bound] = check.convert(raw) if isinstance(raw, str) else raw
        check.plain = check.fmt == "default" and not (set(constraints) - {"required", "unique"})
        check.native = NATIVE.get(kind, ())
        return check

    @property
    def required(self) -> bool:
        return bool(self.constraints.get("required"))

    def problem(self, value: object) -> str | None:
        """None when ``value`` (not empty) is valid, else the kind of problem: type, format or constraint."""
        if self.plain and type(value) in self.native:  # the reader already typed it: nothing left to check
            return None
        typed = self.convert(value)
        if typed is None:
            return "type"
        if self.kind == "string" and self.fmt != "default":
            regex = {"email": _EMAIL, "uri": _URI, "uuid": _UUID}.get(self.fmt)
            if regex is not None and not regex.fullmatch(str(typed).strip()):
                return "format"
        c = self.constraints
        text = typed if isinstance(typed, str) else str(value)
        if self.pattern is not None and not self.pattern.fullmatch(text):
            return "constraint"
        if "enum" in c and typed not in c["enum"] and text not in [str(e) for e in c["enum"]]:
            return "constraint"
        if "minLength" in c and len(text) < int(c["minLength"]):
            return "constraint"
        if "maxLength" in c and len(text) > int(c["maxLength"]):
            return "constraint"
        try:
            if "minimum" in self.bounds and typed < self.bounds["minimum"]:  # type: ignore[operator]
                return "constraint"
            if "maximum" in self.bounds and typed > self.bounds["maximum"]:  # type: ignore[operator]
                return "constraint"
        except TypeError:
            return "constraint"
        return None
