"""Parquet via pyarrow: the schema and row count come from the footer; rows are read group by group."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kikz.catalog.tabular.model import (
    BOOLEAN,
    DATE,
    DATETIME,
    GEOMETRY,
    INTEGER,
    NUMBER,
    STRING,
    Column,
    Preview,
    TableInfo,
)
from kikz.catalog.tabular.values import display
from kikz.errors import InvalidInput

BATCH_ROWS = 8192
_MAGIC = b"PAR1"


def _open(path: Path) -> Any:
    import pyarrow as pa
    import pyarrow.parquet as pq

    with path.open("rb") as fh:
        start = fh.read(4)
        fh.seek(max(0, path.stat().st_size - 4))
        end = fh.read(4)
    if start != _MAGIC or end != _MAGIC:
        raise InvalidInput("Die Datei ist keine gültige Parquet-Datei (Kennung 'PAR1' fehlt oder Datei abgeschnitten).")
    try:
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InvalidInput(f"Die Parquet-Datei kann nicht gelesen werden: {exc}") from exc


def _geometry_columns(schema: Any) -> set[str]:
    """GeoParquet names its geometry columns in the 'geo' metadata."""
    raw = (schema.metadata or {}).get(b"geo")
    if not raw:
        return set()
    try:
        geo = json.loads(raw)
        names = set(geo.get("columns", {}))
        if geo.get("primary_column"):
            names.add(geo["primary_column"])
        return names
    except (ValueError, TypeError, AttributeError):
        return set()


def _column_type(arrow_type: Any) -> str:
    import pyarrow.types as t

    if t.is_dictionary(arrow_type):
        return _column_type(arrow_type.value_type)
    if t.is_boolean(arrow_type):
        return BOOLEAN
    if t.is_integer(arrow_type):
        return INTEGER
    if t.is_floating(arrow_type) or t.is_decimal(arrow_type):
        return NUMBER
    if t.is_date(arrow_type):
        return DATE
    if t.is_timestamp(arrow_type):
        return DATETIME
    return STRING


def _columns(pf: Any) -> list[Column]:
    schema = pf.schema_arrow
    geometry = _geometry_columns(schema)
    return [Column(field.name, GEOMETRY if field.name in geometry else _column_type(field.type)) for field in schema]


def describe(path: Path) -> TableInfo:
    pf = _open(path)
    return TableInfo("", "", ".", _columns(pf), pf.metadata.num_rows)


def header(path: Path) -> list[str]:
    return [c.name for c in _columns(_open(path))]


def _batches(pf: Any, batch_rows: int) -> Iterator[list[list[object]]]:
    import pyarrow as pa

    try:
        for batch in pf.iter_batches(batch_size=batch_rows):
            columns = []
            for column in batch.columns:
                if pa.types.is_timestamp(column.type) and column.type.unit == "ns":
                    # Python datetimes hold microseconds; nanoseconds are cut rather than refused.
                    column = column.cast(pa.timestamp("us", column.type.tz), safe=False)
                columns.append(column.to_pylist())
            yield [list(row) for row in zip(*columns, strict=True)]
    except (pa.ArrowException, OSError) as exc:
        raise InvalidInput(f"Die Parquet-Datei ist beschädigt: {exc}") from exc


def preview(path: Path, rows: int) -> Preview:
    pf = _open(path)
    shown: list[list[str]] = []
    if rows > 0:
        for batch in _batches(pf, rows):  # reads only the row groups the first batch needs
            shown = [[display(v) for v in row] for row in batch]
            break
    return Preview([c.name for c in _columns(pf)], shown, pf.metadata.num_rows)


def iter_rows(path: Path) -> Iterator[list[object]]:
    pf = _open(path)
    return (row for batch in _batches(pf, BATCH_ROWS) for row in batch)
