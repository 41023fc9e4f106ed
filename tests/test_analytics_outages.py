"""Incident detection on synthetic counters with known, inserted faults."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from kikz.errors import InvalidInput
from kikz.sensors.analytics.outages import (
    DetectionRules,
    IncidentKind,
    Severity,
    check_series,
    detect_incidents,
)
from kikz.sensors.analytics.synthetic import synthetic_counts
from kikz.sensors.analytics.timegrid import build_grid, local_time
from kikz.sensors.calendar import HESSE
from kikz.sensors.kpi import BERLIN, CountSeries, local_day_numbers

# Four weeks around the spring DST change (31 March 2024) with Easter (29 March – 1 April).
FIRST = dt.date(2024, 3, 11)


@pytest.fixture(scope="module")
def clean() -> CountSeries:
    return synthetic_counts(FIRST, 35, seed=11).series


def _index(series: CountSeries, when: dt.datetime) -> int:
    return int(np.searchsorted(series.start, int(when.timestamp())))


def _with(series: CountSeries, values: np.ndarray) -> CountSeries:
    return CountSeries(series.start, values, series.step)


def test_clean_series_has_no_incidents_across_dst_and_easter(clean: CountSeries) -> None:
    report = check_series(clean)
    assert report.incidents == []
    assert report.measured == report.intervals == clean.values.size
    assert any("robuster z-Wert" in rule for rule in report.rules)
    assert report.checked_from == dt.datetime(2024, 3, 11, tzinfo=BERLIN)


def test_flatline_found_with_exact_bounds(clean: CountSeries) -> None:
    begin = dt.datetime(2024, 3, 20, 9, 0, tzinfo=BERLIN)
    a = _index(clean, begin)
    values = clean.values.copy()
    values[a : a + 20] = 17.0  # five hours of the same count
    incidents = detect_incidents(_with(clean, values))
    assert [i.kind for i in incidents] == [IncidentKind.FLATLINE]
    flat = incidents[0]
    assert flat.start == begin and flat.end == begin + dt.timedelta(hours=5)
    assert flat.details["value"] == 17.0 and flat.details["intervals"] == 20
    assert flat.severity is Severity.WARNING
    assert "Konstanter Wert" in flat.message and " / Flatline" in flat.message


def test_natural_repeats_of_small_hourly_counts_are_not_flatlines() -> None:
    hourly = synthetic_counts(FIRST, 35, step_minutes=60, seed=12).series
    night = int(np.searchsorted(hourly.start, int(dt.datetime(2024, 3, 20, 1, tzinfo=BERLIN).timestamp())))
    values = hourly.values.copy()
    values[night : night + 3] = 6.0  # three hours of 6 at night: Poisson noise does that now and then
    values[night + 24 : night + 36] = 6.0  # twelve hours of 6 from 01:00 on: it does not
    incidents = detect_incidents(_with(hourly, values))
    assert [(i.kind, i.start) for i in incidents if i.kind is IncidentKind.FLATLINE] == [
        (IncidentKind.FLATLINE, dt.datetime(2024, 3, 21, 1, tzinfo=BERLIN))
    ]
    assert float(incidents[0].details["poisson_repeat_probability"]) < 1e-6  # type: ignore[arg-type]


def test_flatline_across_the_dst_change_keeps_real_duration(clean: CountSeries) -> None:
    begin = dt.datetime(2024, 3, 31, 0, 0, tzinfo=BERLIN)
    a = _index(clean, begin)
    values = clean.values.copy()
    values[a : a + 16] = 5.0  # 00:00–05:00 local = four real hours, the clock skips 02:00
    (flat,) = detect_incidents(_with(clean, values))
    assert flat.kind is IncidentKind.FLATLINE
    assert flat.end == dt.datetime(2024, 3, 31, 5, 0, tzinfo=BERLIN)
    assert flat.duration == dt.timedelta(hours=4)


def test_zero_run_in_busy_hours_but_not_at_night(clean: CountSeries) -> None:
    begin = dt.datetime(2024, 3, 26, 7, 0, tzinfo=BERLIN)
    a = _index(clean, begin)
    values = clean.values.copy()
    values[a : a + 8] = 0.0
    incidents = detect_incidents(_with(clean, values))
    assert [i.kind for i in incidents] == [IncidentKind.ZERO_RUN]
    zero = incidents[0]
    assert zero.start == begin and zero.end == begin + dt.timedelta(hours=2)
    assert float(zero.details["expected_total"]) > 100  # type: ignore[arg-type]
    assert float(zero.details["poisson_probability"]) < 1e-40  # type: ignore[arg-type]
    # the clean series has natural zeros at night (quiet quarter-hours) and none of them is an incident
    assert (clean.values == 0).sum() > 0


def test_missing_runs_and_a_counter_that_went_silent(clean: CountSeries) -> None:
    begin = dt.datetime(2024, 3, 14, 10, 0, tzinfo=BERLIN)
    a = _index(clean, begin)
    keep = np.ones(clean.start.size, dtype=bool)
    keep[a : a + 2] = False  # 30 minutes: below the 60-minute rule
    keep[a + 40 : a + 52] = False  # three hours
    cut = CountSeries(clean.start[keep], clean.values[keep], clean.step)
    incidents = detect_incidents(cut)
    assert [i.kind for i in incidents] == [IncidentKind.MISSING]
    assert incidents[0].start == begin + dt.timedelta(hours=10)
    assert incidents[0].duration == dt.timedelta(hours=3)
    assert incidents[0].severity is Severity.WARNING
    short = detect_incidents(cut, rules=DetectionRules(min_missing_minutes=15))
    assert [i.duration for i in short] == [dt.timedelta(minutes=30), dt.timedelta(hours=3)]
    assert short[0].severity is Severity.INFO
    # expected until 18 April: the last two days without data are a critical gap at the end
    period = (dt.datetime(2024, 3, 11, tzinfo=BERLIN), dt.datetime(2024, 4, 17, tzinfo=BERLIN))
    silent = detect_incidents(cut, period=period)
    assert silent[-1].kind is IncidentKind.MISSING and silent[-1].severity is Severity.CRITICAL
    assert silent[-1].start == dt.datetime(2024, 4, 15, tzinfo=BERLIN) and silent[-1].end == period[1]
    with pytest.raises(InvalidInput, match="Zeitzone"):
        detect_incidents(cut, period=(dt.datetime(2024, 3, 11), dt.datetime(2024, 4, 1)))


def test_low_uptime_merges_adjacent_hours(clean: CountSeries) -> None:
    start = dt.datetime(2024, 3, 18, tzinfo=BERLIN)
    hours = [start + dt.timedelta(hours=h) for h in range(72)]
    uptime = [0.9] * 72
    uptime[30:34] = [0.3, 0.2, 0.7, 0.1]  # 06:00–10:00 on the 19th; the good hour is bridged
    uptime[50] = 0.4  # a single hour on the 20th
    quality = CountSeries.from_pairs(list(zip(hours, uptime, strict=True)), step_minutes=60)
    incidents = detect_incidents(clean, uptime=quality)
    assert [i.kind for i in incidents] == [IncidentKind.LOW_UPTIME] * 2
    low = incidents[0]
    assert low.start == dt.datetime(2024, 3, 19, 6, tzinfo=BERLIN) and low.duration == dt.timedelta(hours=4)
    assert low.details["mean_uptime"] == pytest.approx(0.325)
    assert low.details["min_uptime"] == pytest.approx(0.1)
    assert incidents[1].start == dt.datetime(2024, 3, 20, 2, tzinfo=BERLIN)
    longer = detect_incidents(clean, uptime=quality, rules=DetectionRules(low_uptime_min_minutes=120))
    assert [i.start for i in longer] == [low.start]
    daylight = detect_incidents(clean, uptime=quality, rules=DetectionRules(uptime_local_hours=(8, 20)))
    assert [i.start for i in daylight] == [dt.datetime(2024, 3, 19, 9, tzinfo=BERLIN)]
    assert daylight[0].duration == dt.timedelta(hours=1)


def test_sustained_deviation_found_single_spike_ignored(clean: CountSeries) -> None:
    begin = dt.datetime(2024, 4, 3, 8, 0, tzinfo=BERLIN)
    a = _index(clean, begin)
    values = clean.values.copy()
    values[a : a + 36] = np.round(values[a : a + 36] * 0.35)  # nine hours at a third: a detour
    spike = _index(clean, dt.datetime(2024, 3, 21, 12, 0, tzinfo=BERLIN))
    values[spike] += 400
    incidents = detect_incidents(_with(clean, values))
    assert [i.kind for i in incidents] == [IncidentKind.PROFILE_DEVIATION]
    deviation = incidents[0]
    assert deviation.details["direction"] == "low"
    assert -75 < float(deviation.details["change_percent"]) < -55  # type: ignore[arg-type]
    assert abs(deviation.start - begin) <= dt.timedelta(minutes=30)
    assert abs(deviation.end - (begin + dt.timedelta(hours=9))) <= dt.timedelta(minutes=30)
    assert "Ungewöhnlich wenig Verkehr" in deviation.message


def test_too_little_history_skips_profile_checks() -> None:
    short = synthetic_counts(dt.date(2024, 6, 3), 6, seed=2).series  # one week: no other weeks to compare
    values = short.values.copy()
    values[40:48] = 0.0
    report = check_series(_with(short, values))
    assert report.incidents == []
    assert report.notes and "Vergleichstage" in report.notes[0]


def test_grid_local_days_and_slots_follow_berlin_time() -> None:
    start = int(dt.datetime(2024, 10, 26, tzinfo=BERLIN).timestamp())
    epochs = np.arange(start, start + 3 * 86400 + 3600, 900, dtype=np.int64)
    grid = build_grid(CountSeries(epochs, np.ones(epochs.size), 900), HESSE)
    day_numbers = local_day_numbers(epochs, BERLIN)
    assert list(grid.day + (grid.dates[0] - dt.date(1970, 1, 1)).days) == list(day_numbers)
    autumn = grid.day == 1
    assert autumn.sum() == 100  # 25 hours
    assert np.bincount(grid.slot[autumn], minlength=96)[8:12].tolist() == [2, 2, 2, 2]  # 02:xx twice
    assert grid.day_types[1].value == "sunday_or_holiday"
    assert local_time(int(epochs[0])) == dt.datetime(2024, 10, 26, tzinfo=BERLIN)
