"""Gap filling with a stated prediction interval, from a day-type × time-of-day profile.

Method (the text of :data:`DEFINITION` is what a page shows):

1. **Profile**: for each day type (Werktag, Samstag, Sonn-/Feiertag; Hessian public holidays count
   as Sundays) and each clock slot, the median over all days that are at least 90 % measured.
2. **Level**: the profile is scaled to the counter's level around the gap: factor = measured sum /
   profile sum over the measured intervals within ± ``level_window_days`` days of the gap.
3. **Uncertainty**: a leave-out check on measured data. Whole measured days are hidden one at a
   time, predicted the same way (profile without that day, level from around it), and the errors
   kept. Interval bounds are empirical quantiles of the standardised errors (y − ŷ)/√(ŷ + 1),
   separately for up to four level classes of ŷ. For daily totals the relative errors of hidden
   6-hour blocks and whole days are used, applied to the filled part of the day.

Limits: the profile assumes the gap's days behave like other days of their type; events, road
works or a trend inside the gap are not seen. Gaps longer than ``max_gap_days`` stay empty.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from kikz.errors import InvalidInput
from kikz.sensors.analytics.profile import day_type_profile
from kikz.sensors.analytics.timegrid import (
    DAY_TYPE_LABELS,
    DAY_TYPES,
    LocalGrid,
    build_grid,
    day_number,
    format_duration,
    german_number,
    local_time,
    quiet_nanmedian,
    runs,
)
from kikz.sensors.calendar import HESSE, TrafficCalendar
from kikz.sensors.kpi import BoolArray, CountSeries, FloatArray, IntArray, _day_seconds

DEFINITION = (
    "Lückenfüllung: Tagestyp-Profil (Median je Tagestyp Werktag/Samstag/Sonn- und Feiertag und Uhrzeit über Tage "
    "mit mindestens 90 % Messwerten; Feiertage in Hessen wie Sonntage), skaliert auf das gemessene Niveau in "
    "± {window} Tagen um die Lücke. Vorhersageintervall {coverage}: empirische Quantile der Fehler einer "
    "Auslassprüfung, in der {check_days} gemessene Tage einzeln verborgen und ebenso geschätzt wurden "
    "(standardisiert als (y − ŷ)/√(ŷ + 1), je Niveauklasse). Tagessummen: gemessener Teil plus gefüllter Teil mit "
    "dem relativen Fehler verborgener 6-Stunden-Blöcke bzw. ganzer Tage."
)
BLOCK_HOURS = 6


@dataclass(frozen=True)
class FilledGap:
    start: dt.datetime
    end: dt.datetime
    """Exclusive: end of the last missing interval."""
    intervals: int
    filled: bool
    level_factor: float | None
    """Measured / profile around the gap; None when not filled."""
    window_intervals: int
    """Measured intervals the level factor rests on."""
    total: float | None
    lower: float | None
    upper: float | None
    reason: str = ""


@dataclass(frozen=True)
class FilledDay:
    date: dt.date
    total: float
    measured_total: float
    filled_total: float
    lower: float
    upper: float
    filled_intervals: int
    intervals: int


@dataclass(frozen=True)
class LevelBand:
    """Interval error quantiles for predictions ŷ up to ``up_to`` (standardised by √(ŷ + 1))."""

    up_to: float
    low: float
    high: float
    residuals: int


@dataclass(frozen=True)
class GapFillResult:
    series: CountSeries
    """The full grid from the first to the last interval; filled values where gaps were filled."""
    filled: BoolArray
    """Per interval: True = filled (estimated), False = measured or still missing."""
    lower: FloatArray
    upper: FloatArray
    """Prediction interval per interval; equal to the value where measured, NaN where still missing."""
    coverage: float
    gaps: list[FilledGap]
    days: list[FilledDay]
    """Every local day that contains filled intervals, with the uncertainty of its total."""
    bands: list[LevelBand]
    block_error: tuple[float, float]
    day_error: tuple[float, float]
    """Relative error quantiles (e.g. −0.08, +0.07) of hidden 6-hour blocks and whole days."""
    check_days: int
    definition: str
    warnings: list[str] = field(default_factory=list)

    @property
    def status(self) -> list[str]:
        """Per interval: "measured", "filled" or "missing"."""
        measured = ~np.isnan(self.series.values) & ~self.filled
        return ["filled" if f else "measured" if m else "missing" for f, m in zip(self.filled, measured, strict=True)]


class _Model:
    """Profile and level estimation, shared by the real fill and the leave-out check."""

    def __init__(self, grid: LocalGrid, matrix: FloatArray, profile_days: BoolArray, window_days: int) -> None:
        self.grid = grid
        self.matrix = matrix
        self.codes = grid.day_type_codes
        self.profile_days = profile_days
        self.window = window_days * 86400 // grid.step
        self.profile, self.counts = day_type_profile(matrix, self.codes, profile_days)

    def profile_without(self, day: int) -> FloatArray:
        code = int(self.codes[day])
        use = self.profile_days & (self.codes == code)
        use[day] = False
        profile = self.profile.copy()
        profile[code] = quiet_nanmedian(self.matrix[use], axis=0)
        return profile

    def predict(self, a: int, b: int, profile: FloatArray) -> tuple[FloatArray, int, float]:
        """Prediction for grid[a:b], the measured intervals the level rests on and the level factor."""
        grid = self.grid
        expected = profile[self.codes[grid.day], grid.slot]
        lo, hi = max(0, a - self.window), min(grid.values.size, b + self.window)
        around = np.zeros(grid.values.size, dtype=bool)
        around[lo:hi] = True
        around[a:b] = False
        around &= grid.present & ~np.isnan(expected)
        base = float(expected[around].sum())
        factor = float(grid.values[around].sum()) / base if base > 0 else 1.0
        return expected[a:b] * factor, int(around.sum()), factor


def _bands(predicted: FloatArray, errors: FloatArray, coverage: float) -> list[LevelBand]:
    count = min(4, max(1, predicted.size // 150))
    edges = np.quantile(predicted, np.linspace(0, 1, count + 1)[1:-1]) if count > 1 else np.zeros(0)
    which = np.searchsorted(edges, predicted, side="right")
    tail = (1 - coverage) / 2
    bands = []
    for k in range(count):
        chosen = errors[which == k]
        if not chosen.size:
            continue
        up_to = float(edges[k]) if k < edges.size else float("inf")
        bands.append(
            LevelBand(up_to, float(np.quantile(chosen, tail)), float(np.quantile(chosen, 1 - tail)), int(chosen.size))
        )
    return bands


def _bounds(predicted: FloatArray, bands: list[LevelBand]) -> tuple[FloatArray, FloatArray]:
    limits = np.array([b.up_to for b in bands])
    which = np.minimum(np.searchsorted(limits[:-1], predicted, side="right"), len(bands) - 1)
    scale = np.sqrt(np.maximum(predicted, 0.0) + 1.0)
    low = np.array([b.low for b in bands])[which]
    high = np.array([b.high for b in bands])[which]
    return np.maximum(predicted + low * scale, 0.0), np.maximum(predicted + high * scale, 0.0)


def _relative(measured: FloatArray, predicted: FloatArray) -> float | None:
    base = float(predicted.sum())
    return (float(measured.sum()) - base) / base if base > 0 else None


def fill_gaps(
    series: CountSeries,
    *,
    calendar: TrafficCalendar = HESSE,
    coverage: float = 0.9,
    level_window_days: int = 7,
    min_profile_days: int = 3,
    max_gap_days: int = 14,
    max_check_days: int = 60,
    min_check_days: int = 7,
) -> GapFillResult:
    """Fill every gap up to ``max_gap_days`` long; refuses (InvalidInput) without enough data for a profile."""
    if not 0.5 <= coverage < 1:
        raise InvalidInput("Die Intervallbreite muss zwischen 50 % und 99 % liegen. / Coverage must be in [0.5, 1).")
    if not series.present.any():
        raise InvalidInput("Die Zählreihe enthält keine Messwerte. / The series holds no measurements.")
    grid = build_grid(series, calendar)
    matrix = grid.day_matrix()
    day_intervals = np.array([_day_seconds(day_number(d), grid.tz) // grid.step for d in grid.dates])
    measured_per_day = np.bincount(grid.day[grid.present], minlength=len(grid.dates))
    profile_days = measured_per_day >= np.ceil(0.9 * day_intervals)
    model = _Model(grid, matrix, profile_days, level_window_days)
    codes = model.codes
    gaps = runs(~grid.present)
    needed = {int(codes[d]) for a, b in gaps for d in np.unique(grid.day[a:b])}
    available = {code: int((profile_days & (codes == code)).sum()) for code in range(len(DAY_TYPES))}
    short = [code for code in sorted(needed) if available[code] < min_profile_days]
    if short:
        listed = ", ".join(f"{DAY_TYPE_LABELS[DAY_TYPES[c]]}: {available[c]}" for c in short)
        raise InvalidInput(
            f"Zu wenige vollständige Messtage für ein Tagesprofil ({listed}; nötig sind je Tagestyp mindestens "
            f"{min_profile_days} Tage mit 90 % Messwerten). / Too few complete days to build a profile."
        )
    candidates = [
        d
        for d in range(len(grid.dates))
        if measured_per_day[d] >= day_intervals[d] and available[int(codes[d])] > min_profile_days
    ]
    if len(candidates) < min_check_days:
        raise InvalidInput(
            f"Zu wenige vollständig gemessene Tage ({len(candidates)}) für die Fehlerprüfung; nötig sind "
            f"{min_check_days}. / Too few complete days to estimate the uncertainty."
        )
    picked = [candidates[int(i)] for i in np.unique(np.linspace(0, len(candidates) - 1, max_check_days).round())]
    predictions: list[FloatArray] = []
    errors: list[FloatArray] = []
    block_errors: list[float] = []
    day_errors: list[float] = []
    block = BLOCK_HOURS * 3600 // grid.step
    for d in picked:
        inside = np.flatnonzero(grid.day == d)
        a, b = int(inside[0]), int(inside[-1]) + 1
        predicted, _, _ = model.predict(a, b, model.profile_without(d))
        actual = grid.values[a:b]
        ok = ~np.isnan(predicted) & ~np.isnan(actual)
        predictions.append(predicted[ok])
        errors.append((actual[ok] - predicted[ok]) / np.sqrt(np.maximum(predicted[ok], 0.0) + 1.0))
        day_error = _relative(actual[ok], predicted[ok])
        if day_error is not None:
            day_errors.append(day_error)
        for offset in range(0, b - a, block):
            part = slice(offset, offset + block)
            block_error = _relative(actual[part][ok[part]], predicted[part][ok[part]])
            if block_error is not None:
                block_errors.append(block_error)
    all_predicted = np.concatenate(predictions)
    bands = _bands(all_predicted, np.concatenate(errors), coverage)
    tail = (1 - coverage) / 2
    block_q = (float(np.quantile(block_errors, tail)), float(np.quantile(block_errors, 1 - tail)))
    day_q = (float(np.quantile(day_errors, tail)), float(np.quantile(day_errors, 1 - tail)))

    values = grid.values.copy()
    filled = np.zeros(values.size, dtype=bool)
    lower = values.copy()
    upper = values.copy()
    warnings: list[str] = []
    results: list[FilledGap] = []
    longest = max_gap_days * 86400 // grid.step
    for a, b in gaps:
        start, end = local_time(int(grid.epochs[a]), grid.tz), local_time(int(grid.epochs[b - 1]) + grid.step, grid.tz)
        if b - a > longest:
            reason = (
                f"Lücke länger als {max_gap_days} Tage ({format_duration((b - a) * grid.step)}): nicht gefüllt. "
                f"/ Gap longer than {max_gap_days} days: not filled."
            )
            warnings.append(reason)
            results.append(FilledGap(start, end, b - a, False, None, 0, None, None, None, reason))
            continue
        predicted, window_intervals, level = model.predict(a, b, model.profile)
        ok = ~np.isnan(predicted)
        low, high = _bounds(np.nan_to_num(predicted), bands)
        values[a:b][ok] = predicted[ok]
        lower[a:b][ok] = low[ok]
        upper[a:b][ok] = high[ok]
        filled[a:b] = ok
        if not window_intervals:
            warnings.append(
                f"Um die Lücke ab {start:%d.%m.%Y %H:%M} gibt es keine Messwerte: das Profil wurde ungeskaliert "
                "verwendet. / No measurements around the gap: profile used unscaled."
            )
        relative = block_q if b - a <= block else day_q
        total = float(predicted[ok].sum())
        results.append(
            FilledGap(
                start,
                end,
                b - a,
                True,
                level,
                window_intervals,
                total,
                max(total * (1 + relative[0]), 0.0),
                total * (1 + relative[1]),
            )
        )
    days = _filled_days(grid, values, filled, day_intervals, block, block_q, day_q)
    if any(d.filled_intervals > 0.5 * d.intervals for d in days):
        warnings.append(
            "Tage mit mehr als der Hälfte geschätzter Intervalle sind kaum gemessen; ihre Summen beruhen "
            "überwiegend auf dem Profil. / Days with more than half of their intervals filled rest mainly on "
            "the profile."
        )
    definition = DEFINITION.format(
        window=level_window_days, coverage=f"{german_number(coverage * 100, 0)} %", check_days=len(picked)
    )
    return GapFillResult(
        series=grid.series(values),
        filled=filled,
        lower=lower,
        upper=upper,
        coverage=coverage,
        gaps=results,
        days=days,
        bands=bands,
        block_error=block_q,
        day_error=day_q,
        check_days=len(picked),
        definition=definition,
        warnings=warnings,
    )


def _filled_days(
    grid: LocalGrid,
    values: FloatArray,
    filled: BoolArray,
    day_intervals: IntArray,
    block: int,
    block_q: tuple[float, float],
    day_q: tuple[float, float],
) -> list[FilledDay]:
    days = []
    for d in np.unique(grid.day[filled]):
        inside = grid.day == d
        if np.isnan(values[inside]).any() or inside.sum() < day_intervals[d]:
            continue  # still incomplete (a long gap or the series' first/last day): no total
        measured = float(values[inside & ~filled].sum())
        estimate = float(values[inside & filled].sum())
        count = int((inside & filled).sum())
        low, high = block_q if count <= block else day_q
        days.append(
            FilledDay(
                grid.dates[d],
                measured + estimate,
                measured,
                estimate,
                measured + max(estimate * (1 + low), 0.0),
                measured + estimate * (1 + high),
                count,
                int(day_intervals[d]),
            )
        )
    return days
