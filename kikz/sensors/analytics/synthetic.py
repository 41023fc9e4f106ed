"""Synthetic counter data with a known truth, for tests, benchmarks and demonstrations of the analytics.

The series follows what road counters show: a working-day profile with morning and afternoon
peaks, a broader weekend profile, lower Saturdays and Sundays/holidays, slightly lower working
days in school holidays, day-to-day variation (log-normal) and Poisson counting noise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from kikz.sensors.analytics.timegrid import build_grid, local_midnight
from kikz.sensors.calendar import HESSE, DayType, TrafficCalendar
from kikz.sensors.kpi import CountSeries, FloatArray

DAY_TYPE_FACTORS: dict[DayType, float] = {
    DayType.WORKING_DAY: 1.0,
    DayType.SATURDAY: 0.75,
    DayType.SUNDAY_OR_HOLIDAY: 0.55,
}
SCHOOL_HOLIDAY_FACTOR = 0.9


def _bump(hours: FloatArray, centre: float, width: float) -> FloatArray:
    return np.asarray(np.exp(-0.5 * ((hours - centre) / width) ** 2), dtype=np.float64)


def _raw_shape(hours: FloatArray, day_type: DayType) -> FloatArray:
    if day_type is DayType.WORKING_DAY:
        return 0.03 + 1.0 * _bump(hours, 7.75, 1.2) + 0.9 * _bump(hours, 17.0, 1.6) + 0.5 * _bump(hours, 12.5, 3.0)
    return 0.03 + 0.8 * _bump(hours, 14.0, 3.5)


def intraday_shape(hours: FloatArray, day_type: DayType) -> FloatArray:
    """Relative intensity by local clock hour (fractional), normalised to a mean of 1 per hour over a day."""
    norm = float(_raw_shape(np.arange(0, 24, 0.25), day_type).sum() * 0.25)
    return np.asarray(_raw_shape(hours, day_type) / norm, dtype=np.float64)


@dataclass(frozen=True)
class SyntheticCounts:
    series: CountSeries
    expected: FloatArray
    """The mean each interval was drawn from (after day-to-day variation, before counting noise)."""


def synthetic_counts(
    first_day: dt.date,
    days: int,
    *,
    step_minutes: int = 15,
    daily_total: float = 2400.0,
    day_noise: float = 0.08,
    factor: Callable[[dt.date], float] | None = None,
    calendar: TrafficCalendar = HESSE,
    seed: int = 0,
) -> SyntheticCounts:
    """``days`` local days from ``first_day``; ``factor(day)`` multiplies a day (season, a measure, …)."""
    step = step_minutes * 60
    begin = local_midnight(first_day)
    end = local_midnight(first_day + dt.timedelta(days=days))
    epochs = np.arange(begin, end, step, dtype=np.int64)
    empty = CountSeries(epochs, np.zeros(epochs.size), step)
    grid = build_grid(empty, calendar)
    rng = np.random.default_rng(seed)
    day_level = np.array(
        [
            daily_total
            * DAY_TYPE_FACTORS[kind]
            * (SCHOOL_HOLIDAY_FACTOR if kind is DayType.WORKING_DAY and calendar.is_school_holiday(day) else 1.0)
            * (factor(day) if factor else 1.0)
            for day, kind in zip(grid.dates, grid.day_types, strict=True)
        ]
    ) * np.exp(rng.normal(0.0, day_noise, len(grid.dates)))
    hours = (grid.slot * step + step / 2) / 3600
    shape = np.zeros(epochs.size)
    for kind in DAY_TYPE_FACTORS:
        inside = np.array([grid.day_types[d] is kind for d in grid.day])
        shape[inside] = intraday_shape(hours[inside], kind)
    expected = day_level[grid.day] * shape * step / 3600
    values = rng.poisson(expected).astype(np.float64)
    return SyntheticCounts(CountSeries(epochs, values, step), expected)
