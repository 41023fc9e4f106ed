"""Shared parsing for counter files: local timestamps across DST, German numbers, CSV rows with line numbers.

Timestamps without a zone are local time in Europe/Berlin (or the zone configured). At the
autumn switch the hour 02:00–02:59 occurs twice: the first occurrence of such a wall-clock time
in a stream is read as summer time (CEST), a repeated one as winter time (CET). Files that list
that hour only once are therefore read as CEST, and the CET hour becomes a gap. At the spring
switch 02:00–02:59 does not exist; such a row is reported as a row error, not guessed.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kikz.catalog.tabular.csvfile import CsvLayout, analyse
from kikz.catalog.tabular.textfile import ASCII_COMPATIBLE, LENIENT
from kikz.catalog.tabular.values import NULL_MARKERS, parse_number
from kikz.errors import InvalidInput

BERLIN = ZoneInfo("Europe/Berlin")
TIMESTAMP_FORMATS = (
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%Y/%m/%d %H:%M",
)
"""Tried after ISO 8601 (which ``fromisoformat`` reads, with or without zone)."""


class RowProblem(ValueError):
    """A single value that cannot be read; becomes a RowError with the line number."""


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"Die Zeitzone '{name}' ist unbekannt.") from exc


def parse_naive(text: str, formats: Sequence[str] = ()) -> dt.datetime:
    value = text.strip()
    for fmt in formats:
        try:
            return dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
    try:
        return dt.datetime.fromisoformat(value.replace(" Uhr", ""))
    except ValueError:
        pass
    for fmt in TIMESTAMP_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise RowProblem(f"Der Zeitpunkt '{text}' ist nicht lesbar.")


class LocalClock:
    """Turns wall-clock timestamps into UTC, resolving the repeated autumn hour by order of appearance."""

    def __init__(self, tz: ZoneInfo = BERLIN, formats: Sequence[str] = ()) -> None:
        self.tz = tz
        self.formats = tuple(formats)
        self._seen: set[tuple[str, dt.datetime]] = set()

    def to_utc(self, text: str, stream: str = "") -> dt.datetime:
        when = parse_naive(text, self.formats)
        if when.tzinfo is not None:
            return when.astimezone(dt.UTC)
        first = when.replace(tzinfo=self.tz, fold=0)
        second = when.replace(tzinfo=self.tz, fold=1)
        if first.utcoffset() == second.utcoffset():
            return first.astimezone(dt.UTC)
        back = first.astimezone(dt.UTC).astimezone(self.tz).replace(tzinfo=None)
        if back != when:
            raise RowProblem(f"Den Zeitpunkt '{text}' gibt es in {self.tz.key} nicht (Umstellung auf Sommerzeit).")
        key = (stream, when)
        if key in self._seen:
            return second.astimezone(dt.UTC)
        self._seen.add(key)
        return first.astimezone(dt.UTC)


def parse_count(text: str, decimal: str, column: str) -> float | None:
    value = text.strip()
    if not value or value.lower() in NULL_MARKERS:
        return None
    number = parse_number(value, decimal)
    if number is None:
        raise RowProblem(f"Spalte '{column}': '{text}' ist keine Zahl.")
    if number < 0:
        raise RowProblem(f"Spalte '{column}': negative Zählwerte ({text}) sind nicht möglich.")
    return float(number)


@dataclass(frozen=True)
class CsvRows:
    layout: CsvLayout
    rows: Iterator[tuple[int, dict[str, str]]]
    """(physical line number, {column name: text}) for every data row."""


def read_csv(path: Path) -> CsvRows:
    """Dialect, encoding and header from the catalogue's CSV reader; rows with their line numbers."""
    layout = analyse(path)
    return CsvRows(layout, _rows(path, layout))


def _rows(path: Path, layout: CsvLayout) -> Iterator[tuple[int, dict[str, str]]]:
    errors = LENIENT if layout.encoding in ASCII_COMPATIBLE else "replace"
    with path.open(encoding=layout.encoding, errors=errors, newline="") as fh:
        reader = csv.reader(fh, delimiter=layout.delimiter, quotechar='"', strict=False)
        seen = 0
        try:
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                seen += 1
                if seen <= layout.skip:
                    continue
                cells = row + [""] * (layout.width - len(row))
                yield reader.line_num, dict(zip(layout.names, cells, strict=False))
        except csv.Error as exc:
            raise InvalidInput(f"Die CSV-Datei ist ab Zeile {reader.line_num + 1} nicht lesbar: {exc}") from exc
