"""Typed SQL values of the compiler: each expression carries its OData type so mismatches are a clean 400."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement

from kikz.sensors.odata.errors import NotImplementedOption, QueryError

SqlExpr = ColumnElement[Any]

# number string datetime date time bool null any json
KINDS_OF_JSON = ("number", "string", "bool")


@dataclass
class Value:
    expr: SqlExpr
    kind: str
    integral: bool = False  # an integer number: ``div`` and ``mod`` stay integer arithmetic
    # a JSON property read as each scalar type (null where the stored value has another type)
    variants: Mapping[str, SqlExpr] = field(default_factory=dict)

    def as_kind(self, kind: str, where: str) -> Value:
        """This value used where ``kind`` is expected; JSON properties are read as that type."""
        if self.kind == "json":
            if kind in self.variants:
                return Value(self.variants[kind], kind)
            raise NotImplementedOption(
                f"{where!r}: JSON-Eigenschaften lassen sich nicht als {kind} lesen. / JSON value cannot be {kind}."
            )
        if self.kind not in (kind, "any"):
            raise QueryError(f"{where!r} erwartet {kind}, nicht {self.kind}. / Type mismatch.")
        return self


def number(expr: Any, integral: bool = False) -> Value:
    return Value(expr, "number", integral)


def boolean(expr: Any) -> Value:
    return Value(expr, "bool")
