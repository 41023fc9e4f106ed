"""Traffic KPIs on small series whose results can be computed by hand."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from kikz.errors import InvalidInput
from kikz.sensors.calendar import HESSE, DayType, SchoolHoliday, TrafficCalendar, load_school_holidays
from kikz.sensors.kpi import (
    BERLIN,
    CountSeries,
    combine,
    daily_totals,
    dtv,
    dtv_by_direction,
    dtvw,
    heavy_vehicle_share,
    local_day_numbers,
    modal_split,
    msv,
    peak_hour,
    speed_percentile_from_histogram,
    speed_percentile_from_samples,
)

QUARTER = dt.timedelta(minutes=15)


def local_day_quarters(day: dt.date) -> list[dt.datetime]:
    """Every quarter-hour start of a local Berlin day, walking in UTC so DST days get 92/100 entries."""
    start = dt.datetime.combine(day, dt.time(), BERLIN).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), BERLIN).astimezone(dt.UTC)
    out = []
    while start < end:
        out.append(start)
        start += QUARTER
    return out


def series_of_days(per_quarter: dict[dt.date, float], drop: dict[dt.date, int] | None = None) -> CountSeries:
    pairs: list[tuple[dt.datetime, float | None]] = []
    for day, value in per_quarter.items():
        quarters = local_day_quarters(day)
        missing = (drop or {}).get(day, 0)
        pairs += [(q, value) for q in quarters[missing:]]
    return CountSeries.from_pairs(pairs, step_minutes=15)


# Mon 27 May – Sun 2 June 2024; Thursday 30 May is Fronleichnam, a public holiday in Hessen.
WEEK = {dt.date(2024, 5, 27) + dt.timedelta(days=i): v for i, v in enumerate([2.5, 2.5, 2.5, 1.25, 2.5, 1.5, 1.0])}


def test_calendar_hessian_days() -> None:
    assert HESSE.public_holiday(dt.date(2024, 5, 30)) == "Fronleichnam"
    assert HESSE.day_type(dt.date(2024, 5, 30)) is DayType.SUNDAY_OR_HOLIDAY
    assert HESSE.day_type(dt.date(2024, 6, 1)) is DayType.SATURDAY
    assert HESSE.day_type(dt.date(2024, 5, 31)) is DayType.WORKING_DAY
    assert HESSE.is_school_holiday(dt.date(2025, 7, 7))
    assert not HESSE.is_school_holiday(dt.date(2025, 6, 30))


def test_city_school_holiday_file(tmp_path: Path) -> None:
    path = tmp_path / "ferien.json"
    path.write_text(json.dumps([{"name": "Brückentag", "first": "2024-05-31", "last": "2024-05-31"}]))
    calendar = TrafficCalendar(load_school_holidays(path))
    assert calendar.is_school_holiday(dt.date(2024, 5, 31))
    path.write_text(json.dumps([{"name": "kaputt", "first": "2024-06-02", "last": "2024-06-01"}]))
    with pytest.raises(InvalidInput, match="endet vor"):
        load_school_holidays(path)


def test_week_with_holiday() -> None:
    series = series_of_days(WEEK)
    totals = daily_totals(series)
    assert list(totals.totals) == [240, 240, 240, 120, 240, 144, 96]
    assert dtv(series).value == pytest.approx((4 * 240 + 120 + 144 + 96) / 7)
    working = dtvw(series)
    assert working.value == 240 and working.valid_days == 4  # the holiday Thursday is left out
    assert "Montag–Freitag" in working.definition
    older = dtvw(series, variant="mo-sa")
    assert older.value == pytest.approx((4 * 240 + 144) / 5) and older.valid_days == 5


def test_school_holidays_can_be_excluded() -> None:
    calendar = TrafficCalendar([SchoolHoliday("Test", dt.date(2024, 5, 27), dt.date(2024, 5, 28))])
    result = dtvw(series_of_days(WEEK), calendar=calendar, exclude_school_holidays=True)
    assert result.value == 240 and result.valid_days == 2 and "Schulferien" in result.definition


def test_incomplete_days() -> None:
    # Tuesday misses 5 of 96 quarters (valid, extrapolated), Wednesday 20 (below 90 %: left out)
    series = series_of_days(WEEK, drop={dt.date(2024, 5, 28): 5, dt.date(2024, 5, 29): 20})
    totals = daily_totals(series)
    assert totals.totals[1] == pytest.approx(240)
    assert not totals.valid[2] and np.isnan(totals.totals[2])
    assert list(totals.present[:3]) == [96, 91, 76]
    result = dtvw(series)
    assert result.value == pytest.approx(240) and result.valid_days == 3
    strict = dtvw(series, min_completeness=1.0)
    assert strict.valid_days == 2


def test_dst_days_have_their_own_length() -> None:
    spring, autumn = dt.date(2024, 3, 31), dt.date(2024, 10, 27)
    series = series_of_days({spring: 1.0, autumn: 1.0})
    totals = daily_totals(series)
    by_date = dict(zip(totals.dates, zip(totals.expected, totals.totals, strict=True), strict=True))
    assert by_date[spring] == (92, 92)
    assert by_date[autumn] == (100, 100)
    assert all(not totals.valid[i] for i, d in enumerate(totals.dates) if d not in (spring, autumn))
    assert dtv(series).valid_days == 2


def test_peak_hour_slides_over_quarters() -> None:
    day = dt.date(2024, 6, 4)
    pairs = []
    for q in local_day_quarters(day):
        local = q.astimezone(BERLIN)
        pairs.append((q, 10.0 if dt.time(7, 30) <= local.time() < dt.time(8, 30) else 1.0))
    result = peak_hour(CountSeries.from_pairs(pairs))
    assert result.value == 40
    assert result.details["begins"] == dt.datetime(2024, 6, 4, 7, 30, tzinfo=BERLIN)
    assert result.details["share_of_dtv"] == pytest.approx(40 / (92 + 40) * 100)
    assert result.details["mean_daily_share"] == pytest.approx(40 / 132 * 100)


def test_msv30_uses_complete_clock_hours() -> None:
    start = dt.datetime(2024, 1, 8, tzinfo=dt.UTC)
    hourly = CountSeries.from_pairs(
        [(start + dt.timedelta(hours=h), float(h + 1)) for h in range(100)], step_minutes=60
    )
    assert msv(hourly).value == 71
    assert msv(hourly, rank=1).value == 100
    assert msv(hourly, rank=101).value is None
    # quarter-hours: the hour with a missing quarter must not count even though it is the biggest
    quarters: list[tuple[dt.datetime, float | None]] = [(start + QUARTER * i, 1.0) for i in range(4 * 40)]
    quarters[0:4] = [(start, 100.0), (start + QUARTER, 100.0), (start + 2 * QUARTER, None), (start + 3 * QUARTER, 1.0)]
    result = msv(CountSeries.from_pairs(quarters), rank=1)
    assert result.value == 4 and result.details["complete_hours"] == 39


def test_directions_and_heavy_share() -> None:
    day = dt.date(2024, 6, 4)
    quarters = local_day_quarters(day)
    north = CountSeries.from_pairs([(q, 1.0) for q in quarters])
    south = CountSeries.from_pairs([(q, 2.0) for q in quarters[1:]])
    results = dtv_by_direction({"nord": north, "süd": south})
    assert results["nord"].value == 96
    assert results["süd"].value == pytest.approx(192)
    assert results["gesamt"].value == pytest.approx(95 * 3 * 96 / 95)
    assert np.isnan(combine([north, south]).values[0])  # south has no first quarter
    heavy = CountSeries.from_pairs([(q, 0.3) for q in quarters])
    total = combine([north, south])
    dtvsv, psv = heavy_vehicle_share(total, heavy)
    assert dtvsv.value == pytest.approx(0.3 * 96)
    assert psv.value == pytest.approx(10.0) and psv.valid_days == 1


def test_speed_percentiles() -> None:
    assert speed_percentile_from_samples(np.arange(1, 101, dtype=float)).value == pytest.approx(85.15)
    assert speed_percentile_from_histogram([0, 10, 20, 30], [50, 30, 20]).value == pytest.approx(22.5)
    assert speed_percentile_from_histogram([0, 10, float("inf")], [80, 20]).value == pytest.approx(12.5)
    assert speed_percentile_from_histogram([0, 10], [0]).value is None
    with pytest.raises(InvalidInput):
        speed_percentile_from_histogram([0, 10], [1, 2])


def test_modal_split() -> None:
    quarters = local_day_quarters(dt.date(2024, 6, 4))
    result = modal_split(
        {
            "kfz": CountSeries.from_pairs([(q, 3.0) for q in quarters]),
            "rad": CountSeries.from_pairs([(q, 1.0) for q in quarters]),
        }
    )
    assert result.details["shares"] == {"kfz": 75.0, "rad": 25.0}
    assert result.valid_days == 1


def test_series_validation() -> None:
    with pytest.raises(InvalidInput, match="Zeitzone"):
        CountSeries.from_pairs([(dt.datetime(2024, 1, 1), 1.0)])
    with pytest.raises(InvalidInput):
        CountSeries(np.array([0, 60], dtype=np.int64), np.array([1.0, 2.0]), 900)
    empty = CountSeries.from_pairs([])
    assert dtv(empty).value is None and peak_hour(empty).value is None


def test_local_days_match_zoneinfo_for_a_whole_year() -> None:
    start = int(dt.datetime(2024, 1, 1, tzinfo=dt.UTC).timestamp())
    epochs = np.arange(start, start + 366 * 86400, 900, dtype=np.int64)
    expected = [(dt.datetime.fromtimestamp(int(t), BERLIN).date() - dt.date(1970, 1, 1)).days for t in epochs]
    assert list(local_day_numbers(epochs, BERLIN)) == expected
