"""What every counter importer yields: normalised counts, explicit gaps and per-row problems.

Findings are data: a bad row becomes a :class:`RowError` with its line number and the rest of the
file is kept, so one typo does not cost a year of counts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

STATUS_OK = "ok"


@dataclass(frozen=True, slots=True)
class CountRecord:
    series_key: str
    """Source, site and quantity, e.g. "telraam:9000001234:car_lft"."""
    phenomenon_start: dt.datetime
    """UTC, timezone-aware."""
    phenomenon_end: dt.datetime
    value: float
    unit: str
    quality: float | None = None
    """Telraam uptime (0–1) or another 0–1 quality figure of the source; None if unknown."""
    status: str = STATUS_OK

    @property
    def idempotency_key(self) -> str:
        """Same series and interval → same key, so re-importing a file replaces instead of duplicating."""
        return _key(self.series_key, self.phenomenon_start, self.phenomenon_end)


@dataclass(frozen=True, slots=True)
class Gap:
    series_key: str
    start: dt.datetime
    end: dt.datetime
    reason: str
    """"missing" (no row for the interval) or "low_uptime" (Telraam uptime below 0.5) or a source status."""

    @property
    def idempotency_key(self) -> str:
        return _key(self.series_key, self.start, self.end)


@dataclass(frozen=True, slots=True)
class SpeedHistogram:
    series_key: str
    phenomenon_start: dt.datetime
    phenomenon_end: dt.datetime
    edges: tuple[float, ...]
    """Class limits in km/h, one more than shares; the last may be inf (open class)."""
    shares: tuple[float, ...]
    """Percent of the cars per class, as the source reports it."""


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    """1-based physical line in the file (or 1-based entry in a JSON list)."""
    message: str
    """German, names the field and the value."""


@dataclass
class ImportResult:
    records: list[CountRecord] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    histograms: list[SpeedHistogram] = field(default_factory=list)


def _key(series_key: str, start: dt.datetime, end: dt.datetime) -> str:
    text = f"{series_key}|{start.astimezone(dt.UTC).isoformat()}|{end.astimezone(dt.UTC).isoformat()}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def deduplicated(records: Iterable[CountRecord]) -> list[CountRecord]:
    """One record per idempotency key (the later row wins), ordered by series and time."""
    latest: dict[str, CountRecord] = {}
    for record in records:
        latest[record.idempotency_key] = record
    return sorted(latest.values(), key=lambda r: (r.series_key, r.phenomenon_start))


def missing_intervals(records: Iterable[CountRecord], step: dt.timedelta, *, covered: Iterable[Gap] = ()) -> list[Gap]:
    """Gaps between the first and last interval of each series where no record (and no other gap) exists."""
    seen: dict[str, set[dt.datetime]] = defaultdict(set)
    for record in records:
        seen[record.series_key].add(record.phenomenon_start)
    for gap in covered:
        start = gap.start
        while start < gap.end:
            seen[gap.series_key].add(start)
            start += step
    gaps = []
    for key, starts in seen.items():
        ordered = sorted(starts)
        for before, after in itertools.pairwise(ordered):
            if after - before > step:
                gaps.append(Gap(key, before + step, after, "missing"))
    return sorted(gaps, key=lambda g: (g.series_key, g.start))
