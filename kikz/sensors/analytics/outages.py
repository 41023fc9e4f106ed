"""Outage and anomaly detection for one count series: findings are data (:class:`Incident`), not errors.

Five checks, each a plain rule with its thresholds in :class:`DetectionRules`:

* **missing** – a run of intervals without a value (optionally up to a given period's end, so a
  counter that went silent is noticed);
* **flatline** – the same value repeated for a long time (a stuck sensor or a repeated import);
* **zero_run** – zeros where the day-type × time-of-day profile expects clearly more traffic;
* **low_uptime** – a quality series (Telraam ``uptime`` 0–1) below its threshold;
* **profile_deviation** – a sustained robust z-score against the median and MAD of the same day
  type and clock slot on days of *other* weeks (a single spike is not an incident).

Adjacent flagged intervals are merged into one incident; intervals already explained by a missing,
flatline or zero run are not reported again as a deviation.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from dataclasses import dataclass, field

import numpy as np

from kikz.errors import InvalidInput
from kikz.sensors.analytics.profile import Reference, other_weeks_reference, week_numbers
from kikz.sensors.analytics.timegrid import (
    LocalGrid,
    build_grid,
    day_number,
    format_duration,
    format_local,
    german_number,
    local_time,
    merge_runs,
    runs,
)
from kikz.sensors.calendar import HESSE, TrafficCalendar
from kikz.sensors.kpi import BoolArray, CountSeries, FloatArray, IntArray

WINSOR = 3.0
"""Per interval, values are capped at median ± 3 spreads before window sums are judged."""


class IncidentKind(enum.StrEnum):
    MISSING = "missing"
    FLATLINE = "flatline"
    ZERO_RUN = "zero_run"
    LOW_UPTIME = "low_uptime"
    PROFILE_DEVIATION = "profile_deviation"


KIND_LABELS: dict[IncidentKind, str] = {
    IncidentKind.MISSING: "Datenlücke",
    IncidentKind.FLATLINE: "Konstanter Wert",
    IncidentKind.ZERO_RUN: "Nullwerte zur Verkehrszeit",
    IncidentKind.LOW_UPTIME: "Geringe Verfügbarkeit",
    IncidentKind.PROFILE_DEVIATION: "Abweichung vom Wochenprofil",
}


class Severity(enum.StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True)
class DetectionRules:
    """Thresholds of the checks; the defaults suit 15-minute and hourly road and bike counters."""

    min_missing_minutes: int = 60
    """Shorter gaps are ignored (they barely touch daily totals, see the 90 % completeness rule)."""
    flatline_minutes: int = 180
    """A value above ``flatline_low_value`` repeated this long is a flatline."""
    flatline_max_probability: float = 1e-6
    """…and only if real counting noise (Poisson) would repeat that value so often with at most this chance."""
    flatline_low_value: float = 2.0
    flatline_low_minutes: int = 1440
    """Small values (0 … ``flatline_low_value``) repeat naturally at night; only a whole day counts."""
    zero_run_min_expected: float = 20.0
    """Zeros are an incident when the profile expects at least this many in the run (Poisson: P(0) ≈ e^−20)."""
    zero_run_min_minutes: int = 30
    min_uptime: float = 0.5
    """Telraam's own threshold: below 0.5 the counts are not trustworthy."""
    low_uptime_min_minutes: int = 60
    uptime_local_hours: tuple[int, int] = (0, 24)
    """Local clock hours [from, to) in which uptime is judged (Telraam V1 counts only in daylight)."""
    deviation_z: float = 4.0
    """|robust z| from which an interval counts as deviating."""
    deviation_min_minutes: int = 120
    deviation_min_expected: float = 30.0
    """Windows whose usual sum is below this are not judged (small counts scatter too wildly)."""
    """Deviating intervals of one sign must add up to this duration (no single spikes)."""
    min_reference_days: int = 3
    """Profile checks need at least this many days of the same type in other weeks."""
    merge_gap_minutes: int = 60
    """Low-uptime and deviation stretches closer than this are merged into one incident."""
    critical_minutes: int = 1440
    """From this duration an incident is critical."""

    def describe(self) -> list[str]:
        low = german_number(self.flatline_low_value, 0)
        lo, hi = self.uptime_local_hours
        return [
            f"Datenlücke: mindestens {self.min_missing_minutes} min ohne Messwert.",
            f"Konstanter Wert: derselbe Wert über {low} mindestens {self.flatline_minutes} min lang und so oft, "
            f"dass Zählrauschen (Poisson) das höchstens mit Wahrscheinlichkeit {self.flatline_max_probability:g} "
            "erklärt; "
            f"Werte bis {low} (auch 0) mindestens {self.flatline_low_minutes} min lang.",
            f"Nullwerte zur Verkehrszeit: mindestens {self.zero_run_min_minutes} min nur Nullen, wo das "
            f"Tagestyp-Profil zusammen mindestens {german_number(self.zero_run_min_expected, 0)} erwartet.",
            f"Geringe Verfügbarkeit: Uptime unter {german_number(self.min_uptime, 2)} mindestens "
            f"{self.low_uptime_min_minutes} min lang (bewertet {lo}–{hi} Uhr Ortszeit).",
            f"Abweichung vom Wochenprofil: robuster z-Wert |z| ≥ {german_number(self.deviation_z, 1)} gegenüber "
            f"Median und MAD der Summen über {self.deviation_min_minutes} min desselben Tagestyps und derselben "
            "Uhrzeit in anderen Wochen (Streuung mindestens Poisson-Rauschen plus übliche Tag-zu-Tag-Schwankung "
            "von wenigstens 10 %), jedes Intervall vorher auf Median ± 3 Streuungen begrenzt, damit Einzelspitzen "
            "nicht zählen; nur Fenster mit üblicherweise mindestens "
            f"{german_number(self.deviation_min_expected, 0)} Zählungen; mindestens {self.min_reference_days} "
            "Vergleichstage.",
            f"Schwere: ab {format_duration(self.critical_minutes * 60)} kritisch.",
        ]


@dataclass(frozen=True)
class Incident:
    kind: IncidentKind
    start: dt.datetime
    """Start of the first affected interval (aware, Europe/Berlin)."""
    end: dt.datetime
    """End of the last affected interval (exclusive)."""
    severity: Severity
    message: str
    """German first, English second."""
    details: dict[str, object] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def duration(self) -> dt.timedelta:
        # Subtracting datetimes of the same zone gives wall-clock time, wrong across a DST change.
        return dt.timedelta(seconds=self.end.timestamp() - self.start.timestamp())


@dataclass(frozen=True)
class IncidentReport:
    incidents: list[Incident]
    checked_from: dt.datetime
    checked_to: dt.datetime
    intervals: int
    measured: int
    rules: list[str]
    """The rules applied, in German."""
    notes: list[str]
    """Checks that could not run and why."""


def _span_text(grid: LocalGrid, a: int, b: int) -> str:
    return f"{format_local(int(grid.epochs[a]))} – {format_local(int(grid.epochs[b - 1]) + grid.step)}"


class _Collector:
    def __init__(self, grid: LocalGrid, rules: DetectionRules) -> None:
        self.grid = grid
        self.rules = rules
        self.incidents: list[Incident] = []

    def add(
        self, kind: IncidentKind, a: int, b: int, message: str, details: dict[str, object], *, flagged: int = 0
    ) -> None:
        grid = self.grid
        seconds = (flagged or (b - a)) * grid.step
        severity = Severity.CRITICAL if seconds >= self.rules.critical_minutes * 60 else Severity.WARNING
        if kind is IncidentKind.MISSING and seconds < 3 * 3600:
            severity = Severity.INFO
        base: dict[str, object] = {
            "intervals": b - a,
            "step_seconds": grid.step,
            "duration_seconds": (b - a) * grid.step,
        }
        self.incidents.append(
            Incident(
                kind,
                local_time(int(grid.epochs[a]), grid.tz),
                local_time(int(grid.epochs[b - 1]) + grid.step, grid.tz),
                severity,
                message,
                base | details,
            )
        )


def _missing(col: _Collector) -> BoolArray:
    grid, rules = col.grid, col.rules
    covered = np.zeros(grid.values.size, dtype=bool)
    for a, b in runs(~grid.present):
        if (b - a) * grid.step < rules.min_missing_minutes * 60:
            continue
        covered[a:b] = True
        length = format_duration((b - a) * grid.step)
        col.add(
            IncidentKind.MISSING,
            a,
            b,
            f"Datenlücke: keine Messwerte {_span_text(grid, a, b)} ({length}, {b - a} Intervalle). "
            f"/ Data gap: no measurements for {length}.",
            {},
        )
    return covered


def repeat_probability(value: float, length: int) -> float:
    """Chance that Poisson counts with mean ``value`` give the same number ``length`` times in a row.

    P(two equal draws) = Σ Pois(x)² ≈ 1 / (2·√(π·value)) for value ≥ 1; real counts scatter more than
    Poisson, so the true chance is smaller still and the rule errs towards not flagging.
    """
    same = min(1.0, 1.0 / (2.0 * math.sqrt(math.pi * max(value, 1.0))))
    return same ** max(length - 1, 0)


def _flat_runs(values: FloatArray) -> list[tuple[int, int]]:
    present = ~np.isnan(values)
    same = np.zeros(values.size, dtype=bool)
    same[1:] = present[1:] & present[:-1] & (np.abs(np.diff(np.nan_to_num(values))) <= 1e-9)
    return [(a - 1, b) for a, b in runs(same)]


def _flatlines_and_zero_runs(col: _Collector, reference: Reference) -> BoolArray:
    grid, rules = col.grid, col.rules
    covered = np.zeros(grid.values.size, dtype=bool)
    expected = grid.at(reference.median)
    reliable = grid.at(reference.days.astype(np.float64)) >= rules.min_reference_days
    for a, b in _flat_runs(grid.values):
        value = float(grid.values[a])
        seconds = (b - a) * grid.step
        length = format_duration(seconds)
        if value == 0:
            usable = reliable[a:b] & ~np.isnan(expected[a:b])
            expected_sum = float(expected[a:b][usable].sum())
            if seconds >= rules.zero_run_min_minutes * 60 and expected_sum >= rules.zero_run_min_expected:
                covered[a:b] = True
                col.add(
                    IncidentKind.ZERO_RUN,
                    a,
                    b,
                    f"Nullwerte zur Verkehrszeit: {_span_text(grid, a, b)} ({length}) wurde nichts gezählt, "
                    f"das Profil desselben Tagestyps erwartet zusammen etwa {german_number(expected_sum, 0)}. "
                    f"/ Zero counts for {length} where about {expected_sum:.0f} were expected.",
                    {
                        "expected_total": expected_sum,
                        "poisson_probability": float(np.exp(-expected_sum)),
                        "intervals_with_reference": int(usable.sum()),
                    },
                )
                continue
        limit = rules.flatline_minutes if value > rules.flatline_low_value else rules.flatline_low_minutes
        chance = repeat_probability(value, b - a)
        if seconds >= limit * 60 and (value <= rules.flatline_low_value or chance <= rules.flatline_max_probability):
            covered[a:b] = True
            shown = german_number(value, 0 if value == int(value) else 2)
            col.add(
                IncidentKind.FLATLINE,
                a,
                b,
                f"Konstanter Wert: {length} lang immer {shown} ({_span_text(grid, a, b)}); der Sensor hängt "
                f"vermutlich oder Daten wurden wiederholt. / Flatline: the value {value:g} repeated for {length}.",
                {"value": value, "threshold_minutes": limit, "poisson_repeat_probability": chance},
            )
    return covered


def _low_uptime(col: _Collector, uptime: CountSeries, calendar: TrafficCalendar) -> None:
    rules = col.rules
    grid = build_grid(uptime, calendar, tz=col.grid.tz)
    lo, hi = rules.uptime_local_hours
    hour = grid.slot * grid.step // 3600
    with np.errstate(invalid="ignore"):
        low = grid.present & (grid.values < rules.min_uptime) & (hour >= lo) & (hour < hi)
    gap = rules.merge_gap_minutes * 60 // grid.step
    for a, b in merge_runs(runs(low), gap):
        if (b - a) * grid.step < rules.low_uptime_min_minutes * 60:
            continue
        inside = grid.values[a:b][grid.present[a:b]]
        mean = float(inside.mean())
        length = format_duration((b - a) * grid.step)
        message = (
            f"Geringe Verfügbarkeit: Uptime im Mittel {german_number(mean, 2)} (Schwelle "
            f"{german_number(rules.min_uptime, 2)}) {_span_text(grid, a, b)} ({length}); die Zählwerte dieser Zeit "
            f"sind unsicher. / Low uptime: mean {mean:.2f} below {rules.min_uptime:g} for {length}."
        )
        sub = _Collector(grid, rules)
        sub.add(
            IncidentKind.LOW_UPTIME,
            a,
            b,
            message,
            {"mean_uptime": mean, "min_uptime": float(inside.min()), "threshold": rules.min_uptime},
            flagged=int(low[a:b].sum()),
        )
        col.incidents.extend(sub.incidents)


def _window_sums(values: FloatArray, width: int) -> FloatArray:
    """Sum of ``width`` consecutive intervals starting at each index; NaN if any is missing or past the end."""
    out = np.full(values.size, np.nan)
    if values.size < width:
        return out
    missing = np.isnan(values)
    sums = np.convolve(np.where(missing, 0.0, values), np.ones(width), mode="valid")
    gaps = np.convolve(missing.astype(np.int64), np.ones(width, dtype=np.int64), mode="valid")
    out[: sums.size] = np.where(gaps == 0, sums, np.nan)
    return out


def _deviations(col: _Collector, reference: Reference, explained: BoolArray, weeks: IntArray) -> None:
    grid, rules = col.grid, col.rules
    width = max(1, rules.deviation_min_minutes * 60 // grid.step)
    median = grid.at(reference.median)
    spread = grid.at(reference.spread)
    # A single spike must not make a window deviate: each interval counts at most 3 spreads off its median.
    capped = np.clip(grid.values, median - WINSOR * spread, median + WINSOR * spread)
    capped[explained] = np.nan
    sums = _window_sums(capped, width)
    window_ref = other_weeks_reference(grid.day_matrix(sums), grid.day_type_codes, weeks)
    reliable = grid.at(window_ref.days.astype(np.float64)) >= rules.min_reference_days
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (sums - grid.at(window_ref.median)) / grid.at(window_ref.spread)
    z[~reliable | np.isnan(z) | ~(grid.at(window_ref.median) >= rules.deviation_min_expected)] = 0.0
    gap = rules.merge_gap_minutes * 60 // grid.step
    kernel = np.ones(width, dtype=np.int64)
    for sign in (-1, 1):
        starts = sign * z >= rules.deviation_z
        covered = np.convolve(starts.astype(np.int64), kernel)[: starts.size] > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            leaning = sign * (grid.values - median) / spread >= 1.0
        for first, after in merge_runs(runs(covered), gap):
            a, b = first, after
            # A window reaches up to width − 1 intervals past the change: trim edges that do not deviate.
            while a < b and not leaning[a]:
                a += 1
            while b > a and not leaning[b - 1]:
                b -= 1
            if a == b:
                continue
            hit = covered[a:b]
            count = int(hit.sum())
            measured = hit & grid.present[a:b]
            observed = float(grid.values[a:b][measured].sum())
            expected = float(np.nansum(median[a:b][measured]))
            change = (observed / expected - 1) * 100 if expected > 0 else float("inf")
            amount = "wenig" if sign < 0 else "viel"
            window_z = z[first:after][starts[first:after]]
            z_median = float(np.median(window_z))
            length = format_duration(count * grid.step)
            percent = german_number(abs(change), 0) if np.isfinite(change) else "∞"
            col.add(
                IncidentKind.PROFILE_DEVIATION,
                a,
                b,
                f"Ungewöhnlich {amount} Verkehr: {_span_text(grid, a, b)} lag die Zählung in {length} "
                f"um {percent} % {'unter' if sign < 0 else 'über'} dem üblichen Wert desselben Tagestyps "
                f"(robuster z-Wert der {format_duration(width * grid.step)}-Summen im Median "
                f"{german_number(z_median, 1)}). / Unusually {'low' if sign < 0 else 'high'} traffic: "
                f"{change:+.0f} % against the weekday-hour profile.",
                {
                    "direction": "low" if sign < 0 else "high",
                    "observed_total": observed,
                    "expected_total": expected,
                    "change_percent": change,
                    "median_z": z_median,
                    "max_abs_z": float(np.max(np.abs(window_z))),
                    "window_minutes": width * grid.step // 60,
                    "deviating_intervals": count,
                    "reference_days_min": int(
                        grid.at(window_ref.days.astype(np.float64))[first:after][starts[first:after]].min()
                    ),
                },
                flagged=count,
            )


def _epoch(value: dt.datetime) -> int:
    if value.tzinfo is None:
        raise InvalidInput("Der Prüfzeitraum braucht Zeitangaben mit Zeitzone. / The period needs aware datetimes.")
    return int(value.timestamp())


def check_series(
    series: CountSeries,
    *,
    uptime: CountSeries | None = None,
    calendar: TrafficCalendar = HESSE,
    rules: DetectionRules = DetectionRules(),
    period: tuple[dt.datetime, dt.datetime] | None = None,
) -> IncidentReport:
    """All checks with the rules and notes that explain the result; ``period`` = [from, to) expected data."""
    if period is not None and _epoch(period[1]) <= _epoch(period[0]):
        raise InvalidInput("Der Prüfzeitraum endet vor seinem Beginn. / The period ends before it starts.")
    begin, end = (_epoch(period[0]), _epoch(period[1])) if period else (None, None)
    grid = build_grid(series, calendar, begin=begin, end=end)
    if period is not None:
        keep = (grid.epochs >= begin) & (grid.epochs < end)  # type: ignore[operator]
        grid = LocalGrid(
            grid.epochs[keep],
            grid.values[keep],
            grid.step,
            grid.day[keep],
            grid.slot[keep],
            grid.dates,
            grid.day_types,
            grid.tz,
        )
        if not grid.epochs.size:
            raise InvalidInput("Der Prüfzeitraum enthält kein Intervall. / The period holds no interval.")
    col = _Collector(grid, rules)
    notes: list[str] = []
    matrix = grid.day_matrix()
    weeks = week_numbers(np.array([day_number(d) for d in grid.dates], dtype=np.int64))
    reference = other_weeks_reference(matrix, grid.day_type_codes, weeks)
    reliable = grid.at(reference.days.astype(np.float64)) >= rules.min_reference_days
    if not reliable[grid.present].any():
        notes.append(
            f"Profilprüfungen (Nullwerte, Abweichungen) übersprungen: weniger als {rules.min_reference_days} "
            "Vergleichstage desselben Tagestyps in anderen Wochen. / Profile checks skipped: too few reference days."
        )
    explained = _missing(col)
    explained |= _flatlines_and_zero_runs(col, reference)
    _deviations(col, reference, explained, weeks)
    if uptime is not None:
        _low_uptime(col, uptime, calendar)
    order = list(IncidentKind)
    incidents = sorted(col.incidents, key=lambda i: (i.start, order.index(i.kind)))
    return IncidentReport(
        incidents=incidents,
        checked_from=local_time(int(grid.epochs[0]), grid.tz),
        checked_to=local_time(int(grid.epochs[-1]) + grid.step, grid.tz),
        intervals=int(grid.values.size),
        measured=int(grid.present.sum()),
        rules=rules.describe(),
        notes=notes,
    )


def detect_incidents(
    series: CountSeries,
    *,
    uptime: CountSeries | None = None,
    calendar: TrafficCalendar = HESSE,
    rules: DetectionRules = DetectionRules(),
    period: tuple[dt.datetime, dt.datetime] | None = None,
) -> list[Incident]:
    """The incidents of :func:`check_series`, ordered by start."""
    return check_series(series, uptime=uptime, calendar=calendar, rules=rules, period=period).incidents
