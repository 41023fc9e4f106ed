"""Gap filling: truth hidden from a synthetic counter must land inside the stated intervals."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from kikz.errors import InvalidInput
from kikz.sensors.analytics.gapfill import fill_gaps
from kikz.sensors.analytics.synthetic import synthetic_counts
from kikz.sensors.kpi import BERLIN, CountSeries, daily_totals


def _hide(series: CountSeries, begin: dt.datetime, hours: float) -> tuple[CountSeries, slice]:
    a = int(np.searchsorted(series.start, int(begin.timestamp())))
    gap = slice(a, a + int(hours * 3600 // series.step))
    values = series.values.copy()
    values[gap] = np.nan
    return CountSeries(series.start, values, series.step), gap


@pytest.mark.parametrize("seed", [1, 2])
def test_three_day_gap_truth_inside_interval(seed: int) -> None:
    truth = synthetic_counts(dt.date(2024, 4, 29), 35, seed=seed).series  # May holidays: 1 May, Ascension
    holed, gap = _hide(truth, dt.datetime(2024, 5, 14, 9, 0, tzinfo=BERLIN), 72)
    result = fill_gaps(holed)
    inside = (truth.values[gap] >= result.lower[gap]) & (truth.values[gap] <= result.upper[gap])
    assert 0.8 <= inside.mean() <= 0.99  # stated: 90 %
    assert result.filled[gap].all() and result.filled.sum() == 288
    assert np.array_equal(result.series.values[~result.filled], truth.values[~result.filled])
    assert result.status[gap.start] == "filled" and result.status[0] == "measured"
    (filled_gap,) = result.gaps
    assert filled_gap.filled and filled_gap.intervals == 288
    assert filled_gap.start == dt.datetime(2024, 5, 14, 9, 0, tzinfo=BERLIN)
    assert 0.85 < (filled_gap.level_factor or 0) < 1.15
    assert filled_gap.lower is not None and filled_gap.upper is not None
    assert filled_gap.lower <= truth.values[gap].sum() <= filled_gap.upper
    # daily totals of the four touched days, each with its uncertainty
    days = {d.date: d for d in result.days}
    assert sorted(days) == [dt.date(2024, 5, 14) + dt.timedelta(days=i) for i in range(4)]
    measured = daily_totals(truth)
    true_totals = dict(zip(measured.dates, measured.totals, strict=True))
    hits = [days[d].lower <= true_totals[d] <= days[d].upper for d in days]
    assert sum(hits) >= 3
    assert days[dt.date(2024, 5, 15)].filled_intervals == 96 and days[dt.date(2024, 5, 15)].measured_total == 0
    assert "Auslassprüfung" in result.definition and "90 %" in result.definition
    assert result.check_days >= 20


def test_gap_over_the_autumn_dst_day_uses_its_25_hours() -> None:
    truth = synthetic_counts(dt.date(2024, 10, 7), 35, step_minutes=60, seed=4).series
    holed, gap = _hide(truth, dt.datetime(2024, 10, 27, 0, 0, tzinfo=BERLIN), 25)
    result = fill_gaps(holed)
    (day,) = [d for d in result.days if d.date == dt.date(2024, 10, 27)]
    assert day.intervals == 25 and day.filled_intervals == 25 and day.measured_total == 0
    assert day.lower < day.total < day.upper
    # the doubled 02:00 hour gets the 02:00 profile value twice
    assert result.series.values[gap][2] == pytest.approx(result.series.values[gap][3])


def test_refuses_without_enough_days_for_a_profile() -> None:
    truth = synthetic_counts(dt.date(2024, 6, 3), 5, seed=5).series  # Monday–Friday only
    holed, _ = _hide(truth, dt.datetime(2024, 6, 4, 8, 0, tzinfo=BERLIN), 3)
    with pytest.raises(InvalidInput, match="Zu wenige vollständig gemessene Tage"):
        fill_gaps(holed)
    two_weeks = synthetic_counts(dt.date(2024, 6, 3), 14, seed=5).series
    saturday_gap, _ = _hide(two_weeks, dt.datetime(2024, 6, 8, 0, 0, tzinfo=BERLIN), 24)
    holed_more, _ = _hide(saturday_gap, dt.datetime(2024, 6, 15, 0, 0, tzinfo=BERLIN), 20)
    with pytest.raises(InvalidInput, match="Samstag: 0"):
        fill_gaps(holed_more)


def test_long_gaps_stay_empty_and_are_reported() -> None:
    truth = synthetic_counts(dt.date(2024, 1, 8), 49, step_minutes=60, seed=6).series
    holed, gap = _hide(truth, dt.datetime(2024, 1, 20, 0, 0, tzinfo=BERLIN), 24 * 16)
    short_holed, short_gap = _hide(holed, dt.datetime(2024, 2, 20, 6, 0, tzinfo=BERLIN), 2)
    result = fill_gaps(short_holed)
    assert [g.filled for g in result.gaps] == [False, True]
    assert not result.filled[gap].any() and np.isnan(result.series.values[gap]).all()
    assert result.filled[short_gap].all()
    assert any("länger als 14 Tage" in w for w in result.warnings)
    assert "missing" in result.status
    with pytest.raises(InvalidInput, match="Intervallbreite"):
        fill_gaps(short_holed, coverage=1.0)
