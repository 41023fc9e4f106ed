"""A count series laid on a gap-free grid with its local day, clock slot and day type per interval.

Every analytic here compares an interval with "the same time of day on days of the same type",
so this is where local time is worked out once: days are Europe/Berlin days (via the KPI module's
helpers), the clock slot is the local wall-clock time of day divided by the step. On the spring DST
day the slots of 02:00–02:59 do not exist; on the autumn DST day two intervals share each slot of
02:00–02:59. Day types come from :class:`~kikz.sensors.calendar.TrafficCalendar` (public holidays
in Hessen count as Sundays, as German counting practice does).
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np

from kikz.errors import InvalidInput
from kikz.sensors.calendar import DayType, TrafficCalendar
from kikz.sensors.kpi import _EPOCH, BERLIN, BoolArray, CountSeries, FloatArray, IntArray, _offsets_at

DAY_TYPES: tuple[DayType, ...] = (DayType.WORKING_DAY, DayType.SATURDAY, DayType.SUNDAY_OR_HOLIDAY)
DAY_TYPE_LABELS: dict[DayType, str] = {
    DayType.WORKING_DAY: "Werktag (Mo–Fr)",
    DayType.SATURDAY: "Samstag",
    DayType.SUNDAY_OR_HOLIDAY: "Sonn- und Feiertag",
}
WEEKDAY_LABELS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")


def local_offsets(epochs: IntArray, tz: ZoneInfo = BERLIN) -> IntArray:
    """UTC offset in seconds at each epoch; looked up once per UTC hour (offsets change on whole hours)."""
    if not epochs.size:
        return np.zeros(0, dtype=np.int64)
    hours, inverse = np.unique(epochs // 3600, return_inverse=True)
    return np.asarray(_offsets_at(hours * 3600, tz)[inverse], dtype=np.int64)


def date_of(day_number: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=int(day_number))


def day_number(day: dt.date) -> int:
    return (day - _EPOCH).days


def local_time(epoch: int, tz: ZoneInfo = BERLIN) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(epoch), tz)


def local_midnight(day: dt.date, tz: ZoneInfo = BERLIN) -> int:
    return int(dt.datetime.combine(day, dt.time(), tz).timestamp())


def format_local(epoch: int, tz: ZoneInfo = BERLIN) -> str:
    """German short form, e.g. "12.03.2024 08:00"."""
    return local_time(epoch, tz).strftime("%d.%m.%Y %H:%M")


def format_duration(seconds: int) -> str:
    minutes = seconds // 60
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes / 60
    if hours < 48:
        return f"{hours:.1f} h".replace(".0 h", " h").replace(".", ",")
    return f"{hours / 24:.1f} Tage".replace(".", ",")


def german_number(value: float, digits: int = 1) -> str:
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\u202f").replace(".", ",")


def quiet_nanmedian(values: FloatArray, axis: int = 0) -> FloatArray:
    """``np.nanmedian`` without the warning for all-NaN slices (they simply give NaN)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(np.nanmedian(values, axis=axis), dtype=np.float64)


@dataclass(frozen=True)
class LocalGrid:
    """The series from its first to its last interval (or a given period), NaN where not measured."""

    epochs: IntArray
    values: FloatArray
    step: int
    day: IntArray
    """Index of the local day, 0 = ``dates[0]``."""
    slot: IntArray
    """Local clock time of day divided by the step (0 … slots_per_day − 1)."""
    dates: list[dt.date]
    day_types: list[DayType]
    tz: ZoneInfo

    @property
    def slots_per_day(self) -> int:
        return 86400 // self.step

    @property
    def present(self) -> BoolArray:
        return ~np.isnan(self.values)

    @property
    def day_type_codes(self) -> IntArray:
        """Per day: index into :data:`DAY_TYPES`."""
        return np.array([DAY_TYPES.index(t) for t in self.day_types], dtype=np.int64)

    def series(self, values: FloatArray | None = None) -> CountSeries:
        return CountSeries(self.epochs.copy(), (self.values if values is None else values).copy(), self.step)

    def day_matrix(self, values: FloatArray | None = None) -> FloatArray:
        """Days × clock slots; the doubled autumn hour holds the mean of its two intervals."""
        data = self.values if values is None else values
        use = ~np.isnan(data)
        cells = self.day[use] * self.slots_per_day + self.slot[use]
        size = len(self.dates) * self.slots_per_day
        sums = np.bincount(cells, weights=data[use], minlength=size)
        counts = np.bincount(cells, minlength=size)
        with np.errstate(invalid="ignore", divide="ignore"):
            matrix = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        return np.asarray(matrix.reshape(len(self.dates), self.slots_per_day), dtype=np.float64)

    def at(self, matrix: FloatArray) -> FloatArray:
        """A days × slots matrix read back per interval."""
        return np.asarray(matrix[self.day, self.slot], dtype=np.float64)


def build_grid(
    series: CountSeries,
    calendar: TrafficCalendar,
    *,
    begin: int | None = None,
    end: int | None = None,
    tz: ZoneInfo = BERLIN,
) -> LocalGrid:
    """Lay ``series`` on a regular grid; ``begin``/``end`` (epochs, end exclusive) widen it to a period."""
    step = series.step
    if not series.start.size and (begin is None or end is None):
        raise InvalidInput("Die Zählreihe enthält keine Intervalle. / The count series has no intervals.")
    first = int(series.start[0]) if series.start.size else int(begin or 0)
    last = int(series.start[-1]) if series.start.size else int(end or 0) - step
    if begin is not None:
        first = min(first, begin // step * step)
    if end is not None:
        last = max(last, -(-end // step) * step - step)
    epochs = np.arange(first, last + step, step, dtype=np.int64)
    values = np.full(epochs.size, np.nan)
    values[(series.start - first) // step] = series.values
    local = epochs + local_offsets(epochs, tz)
    day_numbers = local // 86400
    first_day = int(day_numbers[0]) if epochs.size else 0
    n_days = int(day_numbers[-1]) - first_day + 1 if epochs.size else 0
    dates = [date_of(first_day + i) for i in range(n_days)]
    return LocalGrid(
        epochs=epochs,
        values=values,
        step=step,
        day=np.asarray(day_numbers - first_day, dtype=np.int64),
        slot=np.asarray((local % 86400) // step, dtype=np.int64),
        dates=dates,
        day_types=[calendar.day_type(d) for d in dates],
        tz=tz,
    )


def runs(mask: BoolArray) -> list[tuple[int, int]]:
    """Maximal runs of True as (first index, index after the last)."""
    if not mask.size:
        return []
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def merge_runs(spans: list[tuple[int, int]], max_gap: int) -> list[tuple[int, int]]:
    """Join runs separated by at most ``max_gap`` intervals."""
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a - merged[-1][1] <= max_gap:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged
