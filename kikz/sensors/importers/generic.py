"""Generic 15-minute counter CSVs (Datetime, total, per channel, status) read through a column mapping.

The mapping names the timestamp column, its format and zone, whether it marks the start or the
end of the interval, the total and channel columns and an optional status column. Rows whose
status is not in ``good_status`` become gaps with the status as reason, so a device fault is
recorded and never counted as zero traffic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from kikz.errors import InvalidInput
from kikz.sensors.importers._common import LocalClock, RowProblem, parse_count, read_csv, zone
from kikz.sensors.importers.records import CountRecord, Gap, ImportResult, RowError, deduplicated, missing_intervals


@dataclass(frozen=True)
class ColumnMapping:
    series_prefix: str
    """Identifies the counter, e.g. "giessen:zs-017"; series keys are "<prefix>:<channel>"."""
    timestamp: str
    timestamp_format: str | None = None
    """strptime format; None tries ISO 8601 and the usual German forms (31.12.2024 23:45)."""
    time_zone: str = "Europe/Berlin"
    timestamp_marks: Literal["start", "end"] = "start"
    total: str | None = None
    channels: Mapping[str, str] = field(default_factory=dict)
    """Column name → channel name (e.g. {"Richtung Nord": "nord"})."""
    status: str | None = None
    good_status: frozenset[str] = frozenset({"", "ok", "0", "valid", "gültig"})
    interval_minutes: int = 15
    unit: str = "count"

    def columns(self) -> dict[str, str]:
        mapped = dict(self.channels)
        if self.total is not None:
            mapped[self.total] = "total"
        return mapped


def import_counts(path: Path, mapping: ColumnMapping) -> ImportResult:
    if not mapping.columns():
        raise InvalidInput("Die Spaltenzuordnung nennt weder eine Summen- noch eine Kanalspalte.")
    if mapping.interval_minutes <= 0:
        raise InvalidInput("Die Intervalllänge muss positiv sein.")
    table = read_csv(path)
    needed = [mapping.timestamp, *mapping.columns(), *([mapping.status] if mapping.status else [])]
    unknown = [n for n in needed if n not in table.layout.names]
    if unknown:
        raise InvalidInput(
            f"Die Datei hat die Spalte(n) {', '.join(repr(n) for n in unknown)} nicht "
            f"(vorhanden: {', '.join(table.layout.names)})."
        )
    clock = LocalClock(zone(mapping.time_zone), [mapping.timestamp_format] if mapping.timestamp_format else [])
    step = dt.timedelta(minutes=mapping.interval_minutes)
    result = ImportResult()
    status_gaps: list[Gap] = []
    for line, row in table.rows:
        try:
            stamp = clock.to_utc(row[mapping.timestamp])
            start = stamp - step if mapping.timestamp_marks == "end" else stamp
            status = row[mapping.status].strip() if mapping.status else ""
            values = {
                channel: parse_count(row[column], table.layout.decimal, column)
                for column, channel in mapping.columns().items()
            }
        except RowProblem as problem:
            result.errors.append(RowError(line, str(problem)))
            continue
        for channel, value in values.items():
            key = f"{mapping.series_prefix}:{channel}"
            if status.lower() not in mapping.good_status:
                status_gaps.append(Gap(key, start, start + step, status))
            elif value is not None:
                result.records.append(CountRecord(key, start, start + step, value, mapping.unit, None, "ok"))
    result.records = deduplicated(result.records)
    status_gaps = list({g.idempotency_key: g for g in status_gaps}.values())
    result.gaps = sorted(
        status_gaps + missing_intervals(result.records, step, covered=status_gaps),
        key=lambda g: (g.series_key, g.start),
    )
    return result
