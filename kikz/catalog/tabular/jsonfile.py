"""JSON tables (a list of objects, possibly wrapped in {"data": [...]}) and GeoJSON FeatureCollections."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kikz.catalog.tabular.model import GEOMETRY, Column, Preview, TableInfo
from kikz.catalog.tabular.textfile import decode_sample, detect_encoding, ensure_text
from kikz.catalog.tabular.values import converter, display, infer_decimal, infer_type, unique_names
from kikz.errors import InvalidInput, TooLarge

MAX_JSON_BYTES = 256 * 1024 * 1024
"""JSON is parsed as a whole; larger files would need several GB of memory (CSV and Parquet stream)."""
INFER_ROWS = 1000
WRAPPER_KEYS = ("data", "records", "items", "features", "results", "rows")
GEOMETRY_TYPES = frozenset(
    {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"}
)


@dataclass(frozen=True)
class JsonTable:
    encoding: str
    keys: list[str]
    """Property keys in order of first appearance; for GeoJSON the geometry comes last."""
    records: list[dict[str, object]]
    geo: bool

    def cells(self, record: dict[str, object]) -> list[object]:
        if not self.geo:
            return [record.get(k) for k in self.keys]
        props = record.get("properties") or {}
        return [props.get(k) for k in self.keys] + [record.get("geometry")]  # type: ignore[attr-defined]


def load(path: Path, *, geojson: bool) -> JsonTable:
    size = path.stat().st_size
    if size > MAX_JSON_BYTES:
        raise TooLarge(
            f"JSON-Dateien über {MAX_JSON_BYTES // (1024 * 1024)} MB werden nicht ausgewertet; "
            "bitte als CSV oder Parquet bereitstellen."
        )
    raw = path.read_bytes()
    encoding = detect_encoding(raw, complete=True)
    text = decode_sample(raw, encoding, complete=True)
    ensure_text(text[:65536], raw[:16], "JSON")
    if not text.strip():
        raise InvalidInput("Die Datei enthält keine Daten, nur Leerzeichen.")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        document = _json_lines(text, exc)
    records, geo = _records(document, geojson=geojson)
    keys: dict[str, None] = {}
    for i, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            what = "Feature" if geo else "Eintrag"
            raise InvalidInput(f"{what} {i} ist kein JSON-Objekt, sondern {_kind(record)}.")
        if geo:
            _check_feature(i, record)
            props = record.get("properties") or {}
            keys.update(dict.fromkeys(props))  # type: ignore[call-overload]
        else:
            keys.update(dict.fromkeys(record))
    return JsonTable(encoding, list(keys), records, geo)


def _json_lines(text: str, error: json.JSONDecodeError) -> object:
    """A file of one JSON object per line (JSON Lines) reads as a list of those objects."""
    if error.msg != "Extra data":
        raise InvalidInput(f"Ungültiges JSON in Zeile {error.lineno}, Spalte {error.colno}: {error.msg}.")
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"Ungültiges JSON in Zeile {number}, Spalte {exc.colno}: {exc.msg}.") from exc
    return records


def _kind(value: object) -> str:
    names = {list: "eine Liste", str: "ein Text", bool: "ein Wahrheitswert", type(None): "null"}
    return names.get(type(value), "eine Zahl")


def _records(document: object, *, geojson: bool) -> tuple[list[dict[str, object]], bool]:
    if isinstance(document, dict) and document.get("type") == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list):
            raise InvalidInput("Die GeoJSON-FeatureCollection hat keine Liste 'features'.")
        return features, True
    if isinstance(document, dict) and document.get("type") == "Feature":
        return [document], True
    if geojson:
        raise InvalidInput('Die Datei ist keine GeoJSON-FeatureCollection ("type": "FeatureCollection" fehlt).')
    if isinstance(document, list):
        records = document
    elif isinstance(document, dict):
        records = _wrapped(document)
    else:
        raise InvalidInput(f"Die JSON-Datei enthält {_kind(document)} statt einer Liste von Datensätzen.")
    if not records:
        raise InvalidInput("Die JSON-Datei enthält keine Datensätze; daraus lassen sich keine Spalten bestimmen.")
    return records, False


def _wrapped(document: dict[str, object]) -> list[dict[str, object]]:
    for key in WRAPPER_KEYS:
        value = document.get(key)
        if isinstance(value, list):
            return value
    lists = [v for v in document.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
    if len(lists) == 1:
        return lists[0]
    raise InvalidInput(
        "Die JSON-Datei enthält ein Objekt ohne Liste von Datensätzen "
        f"(erwartet z. B. unter {', '.join(repr(k) for k in WRAPPER_KEYS[:4])})."
    )


def _check_feature(number: int, feature: dict[str, object]) -> None:
    props = feature.get("properties")
    if props is not None and not isinstance(props, dict):
        raise InvalidInput(f"Feature {number}: 'properties' ist kein JSON-Objekt.")
    geometry = feature.get("geometry")
    if geometry is None:
        return
    if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
        raise InvalidInput(f"Feature {number}: die Geometrie ist kein gültiges GeoJSON.")
    if geometry["type"] != "GeometryCollection" and not isinstance(geometry.get("coordinates"), list):
        raise InvalidInput(f"Feature {number}: die Geometrie hat keine Koordinaten.")


def _layout(table: JsonTable) -> tuple[list[str], list[str], str]:
    sample = [table.cells(r) for r in table.records[:INFER_ROWS]]
    width = len(table.keys)
    decimal = infer_decimal((c for r in sample for c in r[:width]), ".")
    types = [infer_type((r[i] for r in sample), decimal) for i in range(width)]
    names = unique_names(table.keys)
    if table.geo:
        types.append(GEOMETRY)
        names = unique_names([*names, "geometry"]) if "geometry" in names else [*names, "geometry"]
    return names, types, decimal


def describe(path: Path, *, geojson: bool) -> TableInfo:
    table = load(path, geojson=geojson)
    names, types, decimal = _layout(table)
    columns = [Column(n, t) for n, t in zip(names, types, strict=True)]
    return TableInfo(table.encoding, "", decimal, columns, len(table.records))


def header(path: Path, *, geojson: bool) -> list[str]:
    return _layout(load(path, geojson=geojson))[0]


def preview(path: Path, rows: int, *, geojson: bool) -> Preview:
    table = load(path, geojson=geojson)
    names = _layout(table)[0]
    shown = [[display(v) for v in table.cells(r)] for r in table.records[:rows]]
    return Preview(names, shown, len(table.records))


def iter_rows(path: Path, *, geojson: bool) -> Iterator[list[object]]:
    table = load(path, geojson=geojson)
    _names, types, decimal = _layout(table)
    convert = [converter(t, decimal) for t in types]
    return ([c(v) for c, v in zip(convert, table.cells(r), strict=True)] for r in table.records)
