"""Eco-Counter (Eco-Visio) CSV exports: one time column, then one column per site and channel.

German exports use ``;`` and decimal commas, English ones ``,``; the catalogue's CSV reader
detects both (and a title line above the header). Channel columns named like "Lahnbrücke IN",
"Lahnbrücke (out)", "Lahnbrücke Richtung Eingang" are split into site and direction; a column
without direction is the site total. The timestamp marks the interval start, in local time
unless it carries a zone; the interval length is the most frequent step between rows.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import Counter
from pathlib import Path

from kikz.errors import InvalidInput
from kikz.sensors.importers._common import BERLIN, LocalClock, RowProblem, parse_count, read_csv, zone
from kikz.sensors.importers.records import CountRecord, ImportResult, RowError, deduplicated, missing_intervals

_TIME_NAMES = ("zeit", "time", "datum", "date", "timestamp", "datetime", "horodatage")
_DIRECTION = re.compile(
    r"^(?P<site>.*?)[\s\-_–(]*(?:richtung\s+)?(?P<dir>in|out|eingang|ausgang|einwärts|auswärts)\)?\s*$",
    re.IGNORECASE,
)
_DIRECTIONS = {"in": "in", "eingang": "in", "einwärts": "in", "out": "out", "ausgang": "out", "auswärts": "out"}


def channel_series(column: str) -> str:
    """Series key for a channel column: ecocounter:<site>:<in|out|total>."""
    match = _DIRECTION.match(column.strip())
    if match and match.group("site").strip():
        site, direction = match.group("site"), _DIRECTIONS[match.group("dir").lower()]
    else:
        site, direction = column, "total"
    slug = re.sub(r"[^0-9a-zäöüß]+", "-", site.strip().lower()).strip("-")
    return f"ecocounter:{slug}:{direction}"


def import_export(path: Path, *, interval_minutes: int | None = None, time_zone: str | None = None) -> ImportResult:
    table = read_csv(path)
    names = table.layout.names
    time_column = next((n for n in names if n.strip().lower() in _TIME_NAMES), names[0])
    channels = [n for n in names if n != time_column]
    if not channels:
        raise InvalidInput("Die Eco-Counter-Datei hat neben der Zeitspalte keine Zählkanäle.")
    keys = {c: channel_series(c) for c in channels}
    if len(set(keys.values())) != len(keys):
        raise InvalidInput("Zwei Spalten der Eco-Counter-Datei beschreiben denselben Kanal.")
    clock = LocalClock(BERLIN if time_zone is None else zone(time_zone))
    rows: list[tuple[dt.datetime, dict[str, float | None]]] = []
    result = ImportResult()
    for line, row in table.rows:
        try:
            start = clock.to_utc(row[time_column])
            values = {c: parse_count(row[c], table.layout.decimal, c) for c in channels}
        except RowProblem as problem:
            result.errors.append(RowError(line, str(problem)))
            continue
        rows.append((start, values))
    step = _step(rows, interval_minutes)
    for start, values in rows:
        for column, value in values.items():
            if value is not None:
                result.records.append(CountRecord(keys[column], start, start + step, value, "count"))
    result.records = deduplicated(result.records)
    result.gaps = missing_intervals(result.records, step)
    return result


def _step(rows: list[tuple[dt.datetime, dict[str, float | None]]], minutes: int | None) -> dt.timedelta:
    if minutes is not None:
        return dt.timedelta(minutes=minutes)
    starts = sorted({start for start, _values in rows})
    diffs = Counter(b - a for a, b in itertools.pairwise(starts))
    if not diffs:
        raise InvalidInput("Aus weniger als zwei Zeitpunkten lässt sich die Intervalllänge nicht bestimmen.")
    return diffs.most_common(1)[0][0]
