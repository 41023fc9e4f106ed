"""Day-type × time-of-day profiles: the "normal day" a counter is compared with or filled from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kikz.sensors.analytics.timegrid import DAY_TYPES, quiet_nanmedian
from kikz.sensors.kpi import BoolArray, FloatArray, IntArray

MAD_TO_SIGMA = 1.4826
"""Scales a median absolute deviation to a standard deviation under normality."""


def week_numbers(dates_day_numbers: IntArray) -> IntArray:
    """Monday-based week number of epoch day numbers (1970-01-05 was a Monday)."""
    return np.asarray((dates_day_numbers + 3) // 7, dtype=np.int64)


def day_type_profile(matrix: FloatArray, codes: IntArray, use: BoolArray | None = None) -> tuple[FloatArray, IntArray]:
    """Median per day type and slot over the days in ``use``; also how many days fed each cell."""
    slots = matrix.shape[1]
    profile = np.full((len(DAY_TYPES), slots), np.nan)
    counts = np.zeros((len(DAY_TYPES), slots), dtype=np.int64)
    chosen = np.ones(matrix.shape[0], dtype=bool) if use is None else use
    for code in range(len(DAY_TYPES)):
        rows = matrix[chosen & (codes == code)]
        if rows.size:
            profile[code] = quiet_nanmedian(rows, axis=0)
            counts[code] = (~np.isnan(rows)).sum(axis=0)
    return profile, counts


@dataclass(frozen=True)
class Reference:
    """Per day and slot: median, robust spread and number of reference days (days of other weeks)."""

    median: FloatArray
    spread: FloatArray
    days: IntArray


def other_weeks_reference(
    matrix: FloatArray, codes: IntArray, weeks: IntArray, *, relative_floor: float = 0.1
) -> Reference:
    """For each day: the same day type and slot over all days that lie in *other* weeks.

    Spread = max(1.4826 · MAD, √(median + 1 + (cv · median)²)) · √(1 + π / (2n)): never below
    Poisson noise plus the day-to-day variation ``cv`` (pooled over the day type's slots, Poisson
    part removed, at least ``relative_floor``), widened for the error of a median of n days. A MAD
    from a handful of days alone is too unstable to judge against.
    """
    median = np.full(matrix.shape, np.nan)
    mad = np.full(matrix.shape, np.nan)
    cv = np.full(matrix.shape, relative_floor)
    days = np.zeros(matrix.shape, dtype=np.int64)
    for code in range(len(DAY_TYPES)):
        of_type = codes == code
        for week in np.unique(weeks[of_type]):
            target = of_type & (weeks == week)
            rows = matrix[of_type & (weeks != week)]
            if not rows.size:
                continue
            med = quiet_nanmedian(rows, axis=0)
            spread = quiet_nanmedian(np.abs(rows - med), axis=0)
            median[target] = med
            mad[target] = spread
            days[target] = (~np.isnan(rows)).sum(axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                busy = med >= 5
                excess = (MAD_TO_SIGMA * spread[busy] / med[busy]) ** 2 - 1 / med[busy]
            if excess.size and not np.isnan(excess).all():
                cv[target] = max(relative_floor, float(np.sqrt(max(float(np.nanmedian(excess)), 0.0))))
    with np.errstate(invalid="ignore", divide="ignore"):
        base = np.sqrt(np.fmax(median, 0.0) + 1.0 + (cv * median) ** 2)
        spread = np.fmax(MAD_TO_SIGMA * mad, base) * np.sqrt(1 + np.pi / (2 * np.maximum(days, 1)))
    return Reference(median, spread, days)
