"""Writing generated tables as the files cities really publish: CSV (UTF-8 or German Excel style), XLSX,
JSON, GeoJSON and Parquet. Output is deterministic: the same table always gives the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Value = str | int | float | bool | dt.date | dt.datetime | None

# Output formats of the demo: the part after the dot is how the file is written.
CSV_UTF8 = "csv"  # UTF-8, comma, decimal point, ISO dates
CSV_DE = "csv-de"  # Windows-1252, semicolon, decimal comma, German dates (what Excel on German Windows writes)
XLSX = "xlsx"
JSON = "json"
GEOJSON = "geojson"
PARQUET = "parquet"
EXTENSIONS = {
    CSV_UTF8: ".csv",
    CSV_DE: ".csv",
    XLSX: ".xlsx",
    JSON: ".json",
    GEOJSON: ".geojson",
    PARQUET: ".parquet",
}


@dataclass
class Table:
    """Rows of typed values; GeoJSON takes geometries from ``geometries`` or from the lat/lon columns."""

    columns: list[str]
    rows: Sequence[Sequence[Value]]
    geometries: list[dict[str, Any]] | None = None
    nested: list[dict[str, Any]] | None = None  # JSON records when they are not flat rows

    @property
    def has_points(self) -> bool:
        return "lat" in self.columns and "lon" in self.columns

    def property_columns(self) -> list[str]:
        """Columns that stay properties in GeoJSON (coordinates move into the geometry)."""
        if self.geometries is not None or not self.has_points:
            return list(self.columns)
        return [c for c in self.columns if c not in ("lat", "lon")]

    def records(self) -> list[dict[str, Any]]:
        if self.nested is not None:
            return self.nested
        return [{c: _json_value(v) for c, v in zip(self.columns, row, strict=True)} for row in self.rows]


def _json_value(value: Value) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _plain(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e-3 and value else _trim(f"{value:.6f}")
    return str(value)


def _trim(number: str) -> str:
    return number.rstrip("0").rstrip(".") if "." in number else number


def _german(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, dt.datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float):
        return _trim(f"{value:.6f}").replace(".", ",")
    return str(value)


def write_csv(table: Table, *, german: bool) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=";" if german else ",", lineterminator="\r\n" if german else "\n")
    writer.writerow(table.columns)
    fmt = _german if german else _plain
    # Text and integers are written as they are; converting only the other columns keeps big files fast.
    raw = {str, int, type(None)}
    convert = [i for i in range(len(table.columns)) if {type(row[i]) for row in table.rows} - raw]
    if not convert:
        writer.writerows(table.rows)
    for row in table.rows if convert else ():
        values = list(row)
        for i in convert:
            values[i] = fmt(values[i])
        writer.writerow(values)
    return buf.getvalue().encode("cp1252" if german else "utf-8")


def write_xlsx(table: Table, *, sheet: str = "Daten") -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31])
    ws.append(table.columns)
    for row in table.rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return _fixed_zip_times(buf.getvalue())


def _fixed_zip_times(data: bytes) -> bytes:
    """openpyxl stamps the current time into the archive and core properties; pin both for stable hashes."""
    import re
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2025-01-01T00:00:00Z", content)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2025, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, content)
    return out.getvalue()


def write_json(table: Table) -> bytes:
    return json.dumps(table.records(), ensure_ascii=False, indent=1).encode("utf-8")


def write_geojson(table: Table, *, name: str = "") -> bytes:
    props = table.property_columns()
    features = []
    for i, row in enumerate(table.rows):
        values = dict(zip(table.columns, row, strict=True))
        if table.geometries is not None:
            geometry = table.geometries[i]
        else:
            geometry = {"type": "Point", "coordinates": [values["lon"], values["lat"]]}
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {c: _json_value(values[c]) for c in props},
            }
        )
    collection: dict[str, Any] = {"type": "FeatureCollection"}
    if name:
        collection["name"] = name
    collection["features"] = features
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def write_parquet(table: Table) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = {name: [row[i] for row in table.rows] for i, name in enumerate(table.columns)}
    data = pa.table(arrays)
    buf = io.BytesIO()
    pq.write_table(data, buf, compression="zstd")
    return buf.getvalue()


def render(table: Table, fmt: str, *, name: str = "") -> bytes:
    if fmt == CSV_UTF8:
        return write_csv(table, german=False)
    if fmt == CSV_DE:
        return write_csv(table, german=True)
    if fmt == XLSX:
        return write_xlsx(table)
    if fmt == JSON:
        return write_json(table)
    if fmt == GEOJSON:
        return write_geojson(table, name=name)
    if fmt == PARQUET:
        return write_parquet(table)
    raise ValueError(f"unknown demo file format {fmt}")


def expected_columns(table: Table, fmt: str) -> Sequence[str]:
    """The column names a reader should find in the rendered file (GeoJSON: properties, then the geometry)."""
    return [*table.property_columns(), "geometry"] if fmt == GEOJSON else table.columns
