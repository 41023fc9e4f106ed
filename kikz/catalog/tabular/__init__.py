"""Reading tabular files (CSV, XLSX, JSON, GeoJSON, Parquet): describe, preview, stream rows.

Every unreadable file raises InvalidInput with a German message naming the problem, so an
upload is refused with a reason and never stored half-described.

    info = describe(path, "CSV")          # encoding, delimiter, decimal, columns, row_count
    page = preview(path, "CSV", rows=20)  # header and the first rows as text
    names = header(path, "CSV")
    for row in iter_rows(path, "CSV"):    # typed values, header excluded, streamed
        ...
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from kikz.catalog.tabular import csvfile, jsonfile, parquetfile, xlsxfile
from kikz.catalog.tabular.export import csv_safe_cell
from kikz.catalog.tabular.model import COLUMN_TYPES, Column, Preview, TableInfo
from kikz.errors import InvalidInput, NotFound

TABULAR_FORMATS = frozenset({"CSV", "XLSX", "JSON", "GEOJSON", "PARQUET"})

__all__ = [
    "COLUMN_TYPES",
    "TABULAR_FORMATS",
    "Column",
    "Preview",
    "TableInfo",
    "csv_safe_cell",
    "describe",
    "header",
    "iter_rows",
    "preview",
]


def _checked(path: Path, fmt: str) -> tuple[str, int, int]:
    kind = fmt.upper()
    if kind not in TABULAR_FORMATS:
        raise InvalidInput(
            f"Das Format '{fmt}' ist kein Tabellenformat (möglich: {', '.join(sorted(TABULAR_FORMATS))})."
        )
    try:
        stat = path.stat()
    except FileNotFoundError as exc:
        raise NotFound(f"Die Datei '{path.name}' wurde nicht gefunden.") from exc
    if stat.st_size == 0:
        raise InvalidInput("Die Datei ist leer.")
    return kind, stat.st_size, stat.st_mtime_ns


def describe(path: Path, fmt: str) -> TableInfo:
    """Columns with types, dialect and row count; the result is cached per file version."""
    kind, size, mtime = _checked(path, fmt)
    return _describe(str(path), kind, size, mtime)


@lru_cache(maxsize=64)
def _describe(path: str, kind: str, size: int, mtime_ns: int) -> TableInfo:
    # size and mtime are part of the key so that a changed file is read again
    file = Path(path)
    if kind == "CSV":
        return csvfile.describe(file)
    if kind == "XLSX":
        return xlsxfile.describe(file)
    if kind == "PARQUET":
        return parquetfile.describe(file)
    return jsonfile.describe(file, geojson=kind == "GEOJSON")


def preview(path: Path, fmt: str, *, rows: int = 20) -> Preview:
    """The header and the first rows as display text, with the total row count."""
    kind, _size, _mtime = _checked(path, fmt)
    rows = max(0, rows)
    if kind == "CSV":
        return csvfile.preview(path, rows, describe(path, fmt).row_count)
    if kind == "XLSX":
        return xlsxfile.preview(path, rows, describe(path, fmt).row_count)
    if kind == "PARQUET":
        return parquetfile.preview(path, rows)
    return jsonfile.preview(path, rows, geojson=kind == "GEOJSON")


def header(path: Path, fmt: str) -> list[str]:
    """Column names in the order iter_rows delivers the values."""
    kind, _size, _mtime = _checked(path, fmt)
    if kind == "CSV":
        return csvfile.header(path)
    if kind == "XLSX":
        return xlsxfile.header(path)
    if kind == "PARQUET":
        return parquetfile.header(path)
    return jsonfile.header(path, geojson=kind == "GEOJSON")


def iter_rows(path: Path, fmt: str) -> Iterator[list[object]]:
    """Data rows as typed values (int, float, bool, date, datetime, str, geometry; None when empty).

    A cell that does not fit its column's type is delivered as its original text. CSV, XLSX and
    Parquet are streamed; JSON is parsed as a whole (it is limited in size).
    """
    kind, _size, _mtime = _checked(path, fmt)
    if kind == "CSV":
        return csvfile.iter_rows(path)
    if kind == "XLSX":
        return xlsxfile.iter_rows(path)
    if kind == "PARQUET":
        return parquetfile.iter_rows(path)
    return jsonfile.iter_rows(path, geojson=kind == "GEOJSON")
