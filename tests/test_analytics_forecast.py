"""Short-term forecast: holiday-aware, DST-correct, and its quality stated by a backtest."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from kikz.errors import InvalidInput
from kikz.sensors.analytics.forecast import backtest, forecast
from kikz.sensors.analytics.synthetic import synthetic_counts
from kikz.sensors.kpi import BERLIN, CountSeries


@pytest.fixture(scope="module")
def hourly() -> CountSeries:
    # 13 weeks up to Sunday 29 September 2024; Thursday 3 October is a public holiday.
    return synthetic_counts(dt.date(2024, 7, 1), 91, step_minutes=60, day_noise=0.12, seed=31).series


def test_daily_forecast_treats_a_public_holiday_as_sunday(hourly: CountSeries) -> None:
    result = forecast(hourly, horizon=7, resolution="day")
    assert [p.start for p in result.points][:2] == [
        dt.datetime(2024, 9, 30, tzinfo=BERLIN),
        dt.datetime(2024, 10, 1, tzinfo=BERLIN),
    ]
    by_day = {p.start.date(): p for p in result.points}
    holiday, wednesday, sunday = (
        by_day[dt.date(2024, 10, 3)],
        by_day[dt.date(2024, 10, 2)],
        by_day[dt.date(2024, 10, 6)],
    )
    assert holiday.day_class == "Sonn-/Feiertag"
    assert holiday.value == pytest.approx(sunday.value, rel=0.05)
    assert holiday.value < 0.7 * wednesday.value
    assert all(p.lower < p.value < p.upper for p in result.points)
    assert result.days_used == 91 and result.history_to == dt.date(2024, 9, 29)
    assert result.parameters["Sonn-/Feiertag (%)"] == pytest.approx(-45, abs=8)
    assert "Feiertage in Hessen wie Sonntage" in result.method


def test_hourly_forecast_over_the_autumn_dst_day() -> None:
    series = synthetic_counts(dt.date(2024, 8, 26), 56, step_minutes=15, seed=32).series  # ends Sat 19 October
    result = forecast(series, horizon=9 * 24, resolution="hour")
    assert result.points[0].start == dt.datetime(2024, 10, 21, tzinfo=BERLIN)
    autumn = [p for p in result.points if p.start.date() == dt.date(2024, 10, 27)]
    assert len(autumn) == 25  # the clock hour 02:00 happens twice
    daily = forecast(series, horizon=9, resolution="day")
    (day_value,) = [p.value for p in daily.points if p.start.date() == dt.date(2024, 10, 27)]
    assert sum(p.value for p in autumn) == pytest.approx(day_value, rel=1e-6)
    values = np.array([p.value for p in result.points])
    assert values[8] > 5 * values[3]  # the morning peak is there
    assert all(p.lower <= p.value <= p.upper for p in result.points)


def test_backtest_reports_quality_against_seasonal_naive(hourly: CountSeries) -> None:
    daily = backtest(hourly, horizon=7, resolution="day", origins=4)
    assert daily.points == 28 and len(daily.origins) == 4
    assert daily.origins[0] == dt.date(2024, 9, 23)
    assert daily.skill_percent is not None and daily.skill_percent > 0  # noisy weeks: the model beats "last week"
    assert daily.mae < daily.naive_mae and daily.mape is not None and daily.naive_mape is not None
    assert 0.6 <= daily.interval_hit_rate <= 1.0
    assert "wie vor einer Woche" in daily.summary and "genauer" in daily.summary
    hours = backtest(hourly, horizon=24, resolution="hour", origins=2)
    assert hours.points == 48 and hours.mape_min_count == 10
    assert hours.wape > 0 and hours.naive_wape > 0
    assert "Stunden" in hours.summary


def test_limits_are_refused(hourly: CountSeries) -> None:
    with pytest.raises(InvalidInput, match="Prognosehorizont"):
        forecast(hourly, horizon=15, resolution="day")
    with pytest.raises(InvalidInput, match="Prognosehorizont"):
        forecast(hourly, horizon=14 * 24 + 1, resolution="hour")
    short = synthetic_counts(dt.date(2024, 9, 2), 20, step_minutes=60, seed=33).series
    with pytest.raises(InvalidInput, match="mindestens 28 gültige Tage"):
        forecast(short, horizon=3, resolution="day")
