"""What a tabular file looks like to the catalogue: columns, dialect, size and a first look."""

from __future__ import annotations

from dataclasses import dataclass

INTEGER = "integer"
NUMBER = "number"
BOOLEAN = "boolean"
DATE = "date"
DATETIME = "datetime"
STRING = "string"
GEOMETRY = "geometry"

COLUMN_TYPES = (INTEGER, NUMBER, BOOLEAN, DATE, DATETIME, STRING, GEOMETRY)


@dataclass(frozen=True)
class Column:
    name: str
    type: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "type": self.type}


@dataclass(frozen=True)
class TableInfo:
    """encoding and delimiter are empty for formats that have none (XLSX, Parquet; delimiter for JSON)."""

    encoding: str
    delimiter: str
    decimal: str
    columns: list[Column]
    row_count: int
    sheet: str = ""

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]


@dataclass(frozen=True)
class Preview:
    header: list[str]
    rows: list[list[str]]
    total_rows: int
