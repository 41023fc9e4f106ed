"""Telraam traffic reports (API JSON ``{"report": [...]}`` or the CSV download), hourly or quarter-hourly.

Per row and segment: car, heavy, bike, pedestrian, night, each also ``_lft``/``_rgt``; ``uptime``
(0–1, the share of the interval the camera actually watched; Telraam scales the counts up by it,
so they are fractional); ``v85``; car speed histograms. Rows with uptime below 0.5 are not
trustworthy (Telraam's own threshold): they become ``low_uptime`` gaps instead of counts.
Telraam's ``date`` is UTC with a zone; a timestamp without zone is read as Europe/Berlin.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path

from kikz.errors import InvalidInput
from kikz.sensors.importers._common import LocalClock, RowProblem, parse_count, read_csv
from kikz.sensors.importers.records import (
    CountRecord,
    Gap,
    ImportResult,
    RowError,
    SpeedHistogram,
    deduplicated,
    missing_intervals,
)

MODES = ("car", "heavy", "bike", "pedestrian", "night")
SIDES = ("", "_lft", "_rgt")
MIN_UPTIME = 0.5
HISTOGRAMS = {"car_speed_hist_0to70plus": 70.0, "car_speed_hist_0to120plus": 120.0}
"""Histogram field → lower limit of its open top class (km/h); the classes below are equally wide."""
INTERVALS = {"hourly": 60, "hour": 60, "quarterly": 15, "quarter": 15, "15min": 15, "quarter-hourly": 15}


def import_report(path: Path, *, interval_minutes: int | None = None) -> ImportResult:
    """A Telraam report file; ``.json`` is read as API JSON, everything else as the CSV download."""
    clock = LocalClock()
    if path.suffix.lower() == ".json":
        rows: Iterable[tuple[int, Mapping[str, object]]] = _json_rows(path)
        decimal = "."
    else:
        table = read_csv(path)
        rows = table.rows
        decimal = table.layout.decimal
    result = ImportResult()
    steps: set[int] = set()
    for line, row in rows:
        try:
            step = _row(row, clock, decimal, interval_minutes, result)
        except RowProblem as problem:
            result.errors.append(RowError(line, str(problem)))
            continue
        steps.add(step)
    result.records = deduplicated(result.records)
    if len(steps) > 1:
        raise InvalidInput("Die Telraam-Datei mischt Stunden- und Viertelstundenwerte; bitte getrennt importieren.")
    if steps:
        low = _unique_gaps(result.gaps)
        missing = missing_intervals(result.records, dt.timedelta(minutes=steps.pop()), covered=low)
        result.gaps = sorted(low + missing, key=_gap_order)
    return result


def _gap_order(gap: Gap) -> tuple[str, dt.datetime]:
    return gap.series_key, gap.start


def _unique_gaps(gaps: list[Gap]) -> list[Gap]:
    return list({g.idempotency_key: g for g in gaps}.values())


def _json_rows(path: Path) -> Iterable[tuple[int, Mapping[str, object]]]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"Die Telraam-Datei ist kein lesbares JSON: {exc}") from exc
    entries = document.get("report") if isinstance(document, dict) else document
    if not isinstance(entries, list):
        raise InvalidInput("Die Telraam-Datei enthält keine Liste 'report'.")
    return [(n, e if isinstance(e, dict) else {}) for n, e in enumerate(entries, start=1)]


def _text(row: Mapping[str, object], name: str) -> str:
    value = row.get(name)
    return "" if value is None else str(value)


def _number(row: Mapping[str, object], name: str, decimal: str) -> float | None:
    value = row.get(name)
    if isinstance(value, bool):
        raise RowProblem(f"Feld '{name}': '{value}' ist keine Zahl.")
    if isinstance(value, int | float):
        if isinstance(value, float) and math.isnan(value):
            return None
        if value < 0:
            raise RowProblem(f"Feld '{name}': negative Werte ({value}) sind nicht möglich.")
        return float(value)
    return parse_count(_text(row, name), decimal, name)


def _row(
    row: Mapping[str, object], clock: LocalClock, decimal: str, interval_minutes: int | None, result: ImportResult
) -> int:
    segment = _text(row, "segment_id").strip() or _text(row, "instance_id").strip()
    if not segment:
        raise RowProblem("Feld 'segment_id' fehlt.")
    minutes = interval_minutes or INTERVALS.get(_text(row, "interval").strip().lower())
    if minutes is None:
        raise RowProblem(f"Feld 'interval': '{_text(row, 'interval')}' ist weder 'hourly' noch 'quarterly'.")
    start = clock.to_utc(_text(row, "date"), stream=segment)
    end = start + dt.timedelta(minutes=minutes)
    uptime = _number(row, "uptime", decimal)
    if uptime is not None and uptime > 1:
        raise RowProblem(f"Feld 'uptime': {uptime} liegt nicht zwischen 0 und 1.")
    prefix = f"telraam:{segment}"
    present = [m + s for m in MODES for s in SIDES if m + s in row]
    if uptime is None or uptime < MIN_UPTIME:
        for name in [*present, *(["v85"] if "v85" in row else [])]:
            result.gaps.append(Gap(f"{prefix}:{name}", start, end, "low_uptime"))
        return minutes
    records = []
    for name in present:
        value = _number(row, name, decimal)
        if value is not None:
            records.append(CountRecord(f"{prefix}:{name}", start, end, value, "count", uptime))
    v85 = _number(row, "v85", decimal)
    if v85 is not None:
        records.append(CountRecord(f"{prefix}:v85", start, end, v85, "km/h", uptime))
    histograms = [_histogram(row, f"{prefix}:{field}", field, top, start, end) for field, top in HISTOGRAMS.items()]
    # only a fully readable row is kept, so a row is never half imported
    result.records.extend(records)
    result.histograms.extend(h for h in histograms if h is not None)
    return minutes


def _histogram(
    row: Mapping[str, object], key: str, field: str, top: float, start: dt.datetime, end: dt.datetime
) -> SpeedHistogram | None:
    raw = row.get(field)
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise RowProblem(f"Feld '{field}': '{raw}' ist keine Liste von Zahlen.") from exc
    if not isinstance(raw, list) or len(raw) < 2 or not all(isinstance(v, int | float) for v in raw):
        raise RowProblem(f"Feld '{field}' ist keine Liste von Zahlen.")
    width = top / (len(raw) - 1)
    edges = (*tuple(i * width for i in range(len(raw))), math.inf)
    return SpeedHistogram(key, start, end, edges, tuple(float(v) for v in raw))
