"""Before/after comparison on synthetic counters with a known effect of the measure."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from kikz.errors import InvalidInput
from kikz.sensors.analytics.before_after import compare
from kikz.sensors.analytics.synthetic import synthetic_counts
from kikz.sensors.calendar import DayType

MEASURE = dt.date(2024, 9, 2)


def season(day: dt.date) -> float:
    """A cycle as on a bike counter: high in summer, low in winter."""
    return 1 + 0.3 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 200) / 365.25)


def with_effect(effect: float):  # type: ignore[no-untyped-def]
    return lambda day: season(day) * (1 + effect if day >= MEASURE else 1.0)


def test_twenty_percent_step_over_two_years() -> None:
    counter = synthetic_counts(dt.date(2023, 9, 4), 730, step_minutes=60, factor=with_effect(0.2), seed=21)
    result = compare(counter.series, MEASURE)
    assert result.seasonality == "month"
    assert result.ci_low_percent < 20 < result.ci_high_percent
    assert result.ci_low_percent > 0 and result.significant and result.p_value < 0.001
    assert result.days_before == 364 and result.days_after == 366
    assert result.warnings == []
    assert "deutlich mehr Verkehr" in result.summary and "Jahreszeit" in result.summary
    assert "95-%-Konfidenzintervall" in result.summary and "Newey-West" in result.definition
    terms = {t.name: t for t in result.terms}
    assert terms["public_holiday"].coefficient < -0.3  # holidays look like Sundays
    assert terms["school_holiday"].coefficient < 0
    assert terms["weekday_6"].coefficient == pytest.approx(math.log(0.55), abs=0.05)
    working = result.raw_means[0]
    assert working.day_type is DayType.WORKING_DAY and working.days_before > 200
    assert result.summary_en.startswith("Effect of the measure of 2024-09-02: +")


def test_no_effect_is_not_claimed() -> None:
    counter = synthetic_counts(dt.date(2023, 9, 4), 730, step_minutes=60, factor=with_effect(0.0), seed=22)
    result = compare(counter.series, MEASURE)
    assert result.ci_low_percent < 0 < result.ci_high_percent
    assert not result.significant
    assert "keine sichere Veränderung" in result.summary


def test_season_confounding_is_warned_and_a_control_series_removes_it() -> None:
    counter = synthetic_counts(dt.date(2024, 6, 3), 154, step_minutes=60, factor=with_effect(0.2), seed=23)
    alone = compare(counter.series, MEASURE)
    assert alone.seasonality == "none"
    assert any("Jahreszeiten-Verzerrung" in w for w in alone.warnings)
    assert "Hinweis: Jahreszeiten-Verzerrung" in alone.summary
    control = synthetic_counts(dt.date(2024, 6, 3), 154, step_minutes=60, factor=season, daily_total=6000, seed=24)
    paired = compare(counter.series, MEASURE, control=control.series)
    assert paired.ci_low_percent < 20 < paired.ci_high_percent and paired.ci_low_percent > 0
    assert not any("Jahreszeiten" in w for w in paired.warnings)
    assert paired.control is not None and paired.control.correlation_before > 0.5
    assert paired.control.raw_did_percent == pytest.approx(20, abs=6)
    assert "Vergleichszählstelle" in paired.summary
    assert not any(t.name == "control_log" for t in paired.terms)
    assert "Offset" in paired.definition
    elastic = compare(counter.series, MEASURE, control=control.series, control_mode="covariate")
    assert any(t.name == "control_log" for t in elastic.terms)
    assert elastic.effect_percent < paired.effect_percent  # the noisy control's coefficient is attenuated


def test_exclusions_transition_and_covariates() -> None:
    counter = synthetic_counts(dt.date(2024, 6, 3), 154, step_minutes=60, factor=with_effect(0.1), seed=25)
    building = [MEASURE - dt.timedelta(days=i) for i in range(1, 8)]
    result = compare(counter.series, MEASURE, exclude_days=building, transition_days=14)
    assert result.days_left_out == {"ausgeschlossen": 7, "Übergangszeit": 14}
    assert result.before_period[1] == MEASURE - dt.timedelta(days=8)
    assert result.after_period[0] == MEASURE + dt.timedelta(days=14)
    rain = {dt.date(2024, 6, 3) + dt.timedelta(days=i): float(i % 5) for i in range(154)}
    with_rain = compare(counter.series, MEASURE, covariates={"Niederschlag mm": rain})
    assert any(t.label == "Niederschlag mm" for t in with_rain.terms)
    assert "Kovariaten (Niederschlag mm)" in with_rain.definition


def test_too_few_days_are_refused_and_few_days_warned() -> None:
    counter = synthetic_counts(dt.date(2024, 8, 12), 30, step_minutes=60, seed=26)
    with pytest.raises(InvalidInput, match="Zu wenige gültige Tage"):
        compare(counter.series, dt.date(2024, 9, 5))
    result = compare(counter.series, dt.date(2024, 8, 27))
    assert any("Wenige Tage" in w for w in result.warnings)
