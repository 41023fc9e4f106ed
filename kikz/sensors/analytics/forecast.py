"""Short-term forecast (hours up to 14 days) with prediction intervals, and a backtest that states its quality.

Model, in two layers:

* **Daily totals**: a regression on the logarithm of daily totals with a dummy per weekday class
  (Monday … Saturday, Sunday; Hessian public holidays are treated as Sundays, as German counting
  practice does) and a school-holiday dummy for working days, with AR(1) errors so the recent
  level carries forward (statsmodels ``ARIMA`` with exogenous regressors, fitted on the last
  ``history_days`` days; missing days are handled by the Kalman filter). The intervals come from the
  model and are transformed back from the log scale (the point forecast is the median).
* **Hours**: the daily forecast is split by the median share of each clock hour in the daily total
  on recent complete days of the same class. Hourly intervals combine the daily interval with the
  observed scatter of hourly shares (Monte Carlo, fixed seed, so results are reproducible).

:func:`backtest` repeats the forecast from several past origins and compares MAE, MAPE and WAPE
with the seasonal-naive forecast "same time one week earlier".
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Literal

import numpy as np
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.arima.model import ARIMA

from kikz.errors import InvalidInput
from kikz.sensors.analytics.timegrid import (
    build_grid,
    date_of,
    day_number,
    german_number,
    local_midnight,
    local_offsets,
    local_time,
    quiet_nanmedian,
)
from kikz.sensors.calendar import HESSE, DayType, TrafficCalendar
from kikz.sensors.kpi import BERLIN, CountSeries, FloatArray, daily_totals

Resolution = Literal["hour", "day"]
MAX_DAYS = 14
CLASS_LABELS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonn-/Feiertag")
DRAWS = 2000


@dataclass(frozen=True)
class ForecastPoint:
    start: dt.datetime
    """Start of the hour or local day (aware, Europe/Berlin)."""
    value: float
    lower: float
    upper: float
    day_class: str


@dataclass(frozen=True)
class Forecast:
    resolution: Resolution
    points: list[ForecastPoint]
    coverage: float
    history_from: dt.date
    history_to: dt.date
    days_used: int
    """Valid days the daily model was fitted on."""
    method: str
    parameters: dict[str, float]
    """Day-class effects in % against Monday, school holidays in %, AR(1) coefficient, residual sd (log)."""
    warnings: list[str] = field(default_factory=list)


def day_class(day: dt.date, calendar: TrafficCalendar) -> int:
    """0 = Monday … 5 = Saturday, 6 = Sunday or Hessian public holiday."""
    return 6 if calendar.day_type(day) is DayType.SUNDAY_OR_HOLIDAY else day.weekday()


def _exog(days: list[dt.date], calendar: TrafficCalendar) -> FloatArray:
    classes = np.array([day_class(d, calendar) for d in days])
    columns = [(classes == k).astype(np.float64) for k in range(1, 7)]
    columns.append(
        np.array([c < 5 and calendar.is_school_holiday(d) for d, c in zip(days, classes, strict=True)], float)
    )
    return np.column_stack(columns)


EXOG_NAMES = (*(f"{label} (%)" for label in CLASS_LABELS[1:]), "Schulferien an Werktagen (%)")


@dataclass(frozen=True)
class _DailyModel:
    mean: FloatArray
    """Log(total + 1) forecast for the days from the first forecast day on."""
    sd: FloatArray
    days_used: int
    history_from: dt.date
    parameters: dict[str, float]
    warnings: list[str]


def _fit_daily(
    series: CountSeries,
    first_day: dt.date,
    steps: int,
    calendar: TrafficCalendar,
    history_days: int,
    min_history_days: int,
) -> _DailyModel:
    daily = daily_totals(series)
    totals = {d: float(t) for d, t, ok in zip(daily.dates, daily.totals, daily.valid, strict=True) if ok}
    start = max(daily.dates[0], first_day - dt.timedelta(days=history_days)) if daily.dates else first_day
    days = [start + dt.timedelta(days=i) for i in range((first_day - start).days)]
    endog = np.array([math.log(totals[d] + 1) if d in totals else np.nan for d in days])
    used = int((~np.isnan(endog)).sum())
    if used < min_history_days:
        raise InvalidInput(
            f"Für eine Prognose braucht es mindestens {min_history_days} gültige Tage vor dem Prognosebeginn, "
            f"vorhanden sind {used}. / At least {min_history_days} valid days of history are needed."
        )
    exog = _exog(days, calendar)
    future_days = [first_day + dt.timedelta(days=i) for i in range(steps)]
    future = _exog(future_days, calendar)
    seen = exog[~np.isnan(endog)].any(axis=0)
    notes: list[str] = []
    if (future[:, ~seen] != 0).any():
        notes.append(
            "Im Prognosezeitraum liegen Tagesklassen (z. B. Schulferien), die in der Vergangenheit nicht vorkamen; "
            "sie werden wie Montage außerhalb der Ferien behandelt. / Day classes without history in the horizon."
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fitted = ARIMA(endog, exog=exog[:, seen], order=(1, 0, 0), trend="c").fit()
        prediction = fitted.get_forecast(steps=steps, exog=future[:, seen])
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        notes.append(
            "Die Modellschätzung ist nicht sauber konvergiert; die Intervalle sind mit Vorsicht zu lesen. "
            "/ The model fit did not converge cleanly."
        )
    params = np.asarray(fitted.params)
    names = [n for n, s in zip(EXOG_NAMES, seen, strict=True) if s]
    parameters = {name: (math.exp(float(params[1 + i])) - 1) * 100 for i, name in enumerate(names)}
    parameters["AR(1)"] = float(params[1 + len(names)])
    parameters["Streuung (log)"] = math.sqrt(max(float(params[-1]), 0.0))
    return _DailyModel(
        np.asarray(prediction.predicted_mean, dtype=np.float64),
        np.asarray(prediction.se_mean, dtype=np.float64),
        used,
        start,
        parameters,
        notes,
    )


def _hourly(series: CountSeries) -> CountSeries:
    """Clock-hour sums of complete hours (Berlin's offsets are whole hours, so UTC hours are local hours)."""
    if series.step == 3600:
        return series
    mask = series.present
    hours, inverse = np.unique(series.start[mask] // 3600, return_inverse=True)
    sums = np.bincount(inverse, weights=series.values[mask], minlength=hours.size)
    counts = np.bincount(inverse, minlength=hours.size)
    full = counts == 3600 // series.step
    return CountSeries((hours[full] * 3600).astype(np.int64), sums[full], 3600)


@dataclass(frozen=True)
class _Shares:
    shares: FloatArray
    """7 classes × 24 clock hours, each row summing to 1."""
    residuals: FloatArray
    """log((y + 1) / (ŷ + 1)) of hours on the days the shares came from, given the true daily total."""


def _shares(hourly: CountSeries, first_day: dt.date, calendar: TrafficCalendar, weeks: int) -> _Shares:
    grid = build_grid(hourly, calendar)
    matrix = grid.day_matrix()
    hours_in_day = np.bincount(grid.day[grid.present], minlength=len(grid.dates))
    complete = (hours_in_day == 24) & ~np.isnan(matrix).any(axis=1)
    recent = np.array([first_day - dt.timedelta(weeks=weeks) <= d < first_day for d in grid.dates])
    use = complete & recent
    totals = matrix.sum(axis=1)
    use &= totals > 0
    classes = np.array([day_class(d, calendar) for d in grid.dates])
    shares = np.full((7, 24), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        fractions = matrix / totals[:, None]
    pools = {k: [k] for k in range(7)} | {k: [0, 1, 2, 3, 4] for k in range(5)}
    for k in range(7):
        rows = use & (classes == k)
        if rows.sum() < 2:
            rows = use & np.isin(classes, pools[k])
        if rows.sum() < 1:
            raise InvalidInput(
                f"Für die Stundenaufteilung fehlen vollständig gemessene Tage der Klasse {CLASS_LABELS[k]} in den "
                f"letzten {weeks} Wochen. / No complete days of this class for the hourly profile."
            )
        row = quiet_nanmedian(fractions[rows], axis=0)
        shares[k] = row / row.sum()
    predicted = shares[classes[use]] * totals[use, None]
    residuals = np.log((matrix[use] + 1) / (predicted + 1)).ravel()
    return _Shares(shares, residuals)


def _start_epoch(series: CountSeries, resolution: Resolution) -> int:
    end = int(series.start[-1]) + series.step
    if resolution == "hour":
        return -(-end // 3600) * 3600
    return end


def _local_day(epoch: int) -> dt.date:
    return date_of(int((epoch + int(local_offsets(np.array([epoch], dtype=np.int64))[0])) // 86400))


def forecast(
    series: CountSeries,
    *,
    horizon: int,
    resolution: Resolution = "hour",
    calendar: TrafficCalendar = HESSE,
    coverage: float = 0.9,
    history_days: int = 182,
    min_history_days: int = 28,
    share_weeks: int = 8,
) -> Forecast:
    """Forecast ``horizon`` hours or days from the end of ``series`` on (at most 14 days)."""
    limit = MAX_DAYS * 24 if resolution == "hour" else MAX_DAYS
    if not 1 <= horizon <= limit:
        unit = "Stunden" if resolution == "hour" else "Tage"
        raise InvalidInput(
            f"Der Prognosehorizont muss zwischen 1 und {limit} {unit} liegen. / Horizon must be 1…{limit}."
        )
    if not 0.5 <= coverage < 1:
        raise InvalidInput("Die Intervallbreite muss zwischen 50 % und 99 % liegen. / Coverage must be in [0.5, 1).")
    if not series.present.any():
        raise InvalidInput("Die Zählreihe enthält keine Messwerte. / The series holds no measurements.")
    start = _start_epoch(series, resolution)
    first_day = _local_day(start)
    z = NormalDist().inv_cdf(0.5 + coverage / 2)
    notes: list[str] = []
    if resolution == "day":
        if start != local_midnight(first_day):
            notes.append(
                f"Der {first_day:%d.%m.%Y} ist teilweise gemessen; seine Prognose gilt für den ganzen Tag und nutzt "
                "die Messwerte dieses Tages nicht. / The first day is partly measured; its forecast ignores them."
            )
        model = _fit_daily(series, first_day, horizon, calendar, history_days, min_history_days)
        points = [
            ForecastPoint(
                dt.datetime.combine(first_day + dt.timedelta(days=i), dt.time(), BERLIN),
                math.exp(model.mean[i]) - 1,
                max(math.exp(model.mean[i] - z * model.sd[i]) - 1, 0.0),
                math.exp(model.mean[i] + z * model.sd[i]) - 1,
                CLASS_LABELS[day_class(first_day + dt.timedelta(days=i), calendar)],
            )
            for i in range(horizon)
        ]
    else:
        epochs = start + 3600 * np.arange(horizon, dtype=np.int64)
        local = epochs + local_offsets(epochs)
        day_index = np.asarray(local // 86400 - day_number(first_day), dtype=np.int64)
        slots = np.asarray((local % 86400) // 3600, dtype=np.int64)
        steps = int(day_index[-1]) + 1
        model = _fit_daily(series, first_day, steps, calendar, history_days, min_history_days)
        profile = _shares(_hourly(series), first_day, calendar, share_weeks)
        days = [first_day + dt.timedelta(days=i) for i in range(steps)]
        classes = np.array([day_class(d, calendar) for d in days])
        norms = np.array([_day_share_sum(profile.shares[classes[i]], d) for i, d in enumerate(days)])
        share = profile.shares[classes[day_index], slots] / norms[day_index]
        rng = np.random.default_rng(0)
        level = rng.standard_normal((DRAWS, steps))
        day_totals = np.exp(model.mean[None, :] + model.sd[None, :] * level) - 1
        scatter = rng.choice(profile.residuals, size=(DRAWS, horizon))
        draws = np.maximum((day_totals[:, day_index] * share + 1) * np.exp(scatter) - 1, 0.0)
        tail = (1 - coverage) / 2
        low, high = np.quantile(draws, [tail, 1 - tail], axis=0)
        centre = (np.exp(model.mean[day_index]) - 1) * share
        points = [
            ForecastPoint(
                local_time(int(epochs[i])),
                float(centre[i]),
                float(low[i]),
                float(high[i]),
                CLASS_LABELS[int(classes[day_index[i]])],
            )
            for i in range(horizon)
        ]
    method = (
        "Prognose: Regression der logarithmierten Tagessummen auf Wochentagsklasse (Montag … Samstag, Sonntag; "
        "Feiertage in Hessen wie Sonntage) und Schulferien an Werktagen, mit AR(1)-Fehlern (statsmodels ARIMA), "
        f"geschätzt über die letzten {history_days} Tage"
        + (
            f"; Stundenwerte als Median-Anteil jeder Uhrzeit an der Tagessumme über die letzten {share_weeks} Wochen "
            "derselben Tagesklasse"
            if resolution == "hour"
            else ""
        )
        + f". Punktwert = Median; {german_number(coverage * 100, 0)}-%-Vorhersageintervall"
        + (" aus Modell- und Stundenanteils-Streuung (Monte Carlo)." if resolution == "hour" else " aus dem Modell.")
    )
    return Forecast(
        resolution=resolution,
        points=points,
        coverage=coverage,
        history_from=model.history_from,
        history_to=first_day - dt.timedelta(days=1),
        days_used=model.days_used,
        method=method,
        parameters=model.parameters,
        warnings=notes + model.warnings,
    )


def _day_share_sum(row: FloatArray, day: dt.date) -> float:
    """Sum of the clock-hour shares over the hours the local day really has (23, 24 or 25)."""
    begin, end = local_midnight(day), local_midnight(day + dt.timedelta(days=1))
    epochs = np.arange(begin, end, 3600, dtype=np.int64)
    slots = ((epochs + local_offsets(epochs)) % 86400) // 3600
    return float(row[slots].sum())


@dataclass(frozen=True)
class BacktestResult:
    resolution: Resolution
    horizon: int
    origins: list[dt.date]
    """First forecast day of each run (local midnight), latest first."""
    points: int
    mae: float
    mape: float | None
    wape: float
    interval_hit_rate: float
    """Share of actual values inside the stated prediction interval."""
    naive_mae: float
    naive_mape: float | None
    naive_wape: float
    skill_percent: float | None
    """(1 − MAE / MAE of seasonal naive) · 100; positive = better than "same time last week"."""
    mape_min_count: float
    summary: str
    definition: str


def _mape(actual: FloatArray, predicted: FloatArray, minimum: float) -> float | None:
    use = actual >= minimum
    return float(np.mean(np.abs(predicted[use] - actual[use]) / actual[use]) * 100) if use.any() else None


def backtest(
    series: CountSeries,
    *,
    horizon: int,
    resolution: Resolution = "day",
    origins: int = 4,
    calendar: TrafficCalendar = HESSE,
    coverage: float = 0.9,
    mape_min_count: float = 10.0,
    history_days: int = 182,
    min_history_days: int = 28,
    share_weeks: int = 8,
) -> BacktestResult:
    """Forecast from ``origins`` past local midnights (each ``horizon`` apart) and compare with what was counted.

    Seasonal naive: the value at the same local clock time 7 days earlier (14 for days 8–14 of the
    horizon), so it only uses data known at the origin. Only points where the actual value, the
    forecast and the naive value all exist are compared.
    """
    if origins < 1:
        raise InvalidInput("Es braucht mindestens einen Prognosezeitpunkt. / At least one origin is needed.")
    if not series.present.any():
        raise InvalidInput("Die Zählreihe enthält keine Messwerte. / The series holds no measurements.")
    span = horizon if resolution == "day" else -(-horizon // 24)
    last_day = _local_day(int(series.start[series.present][-1]))
    if resolution == "day":
        daily = daily_totals(series)
        actual_of = {
            local_midnight(d): float(t) for d, t, ok in zip(daily.dates, daily.totals, daily.valid, strict=True) if ok
        }
    else:
        hourly = _hourly(series)
        actual_of = {int(e): float(v) for e, v in zip(hourly.start, hourly.values, strict=True) if not math.isnan(v)}
    starts: list[dt.date] = []
    actual: list[float] = []
    predicted: list[float] = []
    naive: list[float] = []
    inside: list[bool] = []
    for k in range(1, origins + 1):
        origin = last_day + dt.timedelta(days=1 - k * span)
        cut_at = local_midnight(origin)
        keep = series.start < cut_at
        if not series.present[keep].any():
            break
        cut = CountSeries(series.start[keep], series.values[keep], series.step)
        try:
            result = forecast(
                cut,
                horizon=horizon,
                resolution=resolution,
                calendar=calendar,
                coverage=coverage,
                history_days=history_days,
                min_history_days=min_history_days,
                share_weeks=share_weeks,
            )
        except InvalidInput:
            break  # not enough history this far back
        starts.append(origin)
        for point in result.points:
            epoch = int(point.start.timestamp())
            day = point.start.date()
            lag_days = 7 * ((day - origin).days // 7 + 1) if day >= origin else 7
            before = dt.datetime.combine(day - dt.timedelta(days=lag_days), point.start.time(), BERLIN)
            reference = actual_of.get(int(before.timestamp()))
            truth = actual_of.get(epoch)
            if truth is None or reference is None:
                continue
            actual.append(truth)
            predicted.append(point.value)
            naive.append(reference)
            inside.append(point.lower <= truth <= point.upper)
    if not actual:
        raise InvalidInput(
            "Für den Rückblicktest gibt es keine vergleichbaren Zeitpunkte (zu wenig Daten). "
            "/ No comparable points for the backtest (too little data)."
        )
    a, p, n = np.array(actual), np.array(predicted), np.array(naive)
    mae, naive_mae = float(np.mean(np.abs(p - a))), float(np.mean(np.abs(n - a)))
    total = float(np.sum(a))
    wape = float(np.sum(np.abs(p - a)) / total * 100) if total else float("nan")
    naive_wape = float(np.sum(np.abs(n - a)) / total * 100) if total else float("nan")
    skill = (1 - mae / naive_mae) * 100 if naive_mae > 0 else None
    hit = float(np.mean(inside))
    unit = "Stunden" if resolution == "hour" else "Tagen"
    per = "Fz/h" if resolution == "hour" else "Fz/Tag"
    if skill is None:
        verdict = "Ein Vergleich mit der naiven Prognose ist nicht möglich (sie trifft exakt)."
    elif skill > 0:
        verdict = f"Das Modell ist damit um {german_number(skill, 0)} % genauer als „wie vor einer Woche“."
    else:
        verdict = (
            f"Das Modell ist hier um {german_number(-skill, 0)} % ungenauer als „wie vor einer Woche“; "
            "die Prognose sollte an dieser Zählstelle nur mit Vorsicht verwendet werden."
        )
    summary = (
        f"Rückblicktest an {len(starts)} Zeitpunkten mit je {horizon} {unit} Vorhersage "
        f"({len(actual)} Vergleichswerte): "
        f"mittlerer absoluter Fehler {german_number(mae, 1)} {per} (WAPE {german_number(wape, 1)} %), "
        f"saisonal-naive Prognose „wie vor einer Woche“ {german_number(naive_mae, 1)} {per} "
        f"(WAPE {german_number(naive_wape, 1)} %). {verdict} Das {german_number(coverage * 100, 0)}-%-Intervall "
        f"enthielt den gezählten Wert in {german_number(hit * 100, 0)} % der Fälle."
    )
    definition = (
        "Rückblicktest: Prognose ab mehreren vergangenen Mitternächten nur mit den bis dahin bekannten Daten. "
        "MAE = mittlerer absoluter Fehler; MAPE = mittlerer absoluter prozentualer Fehler über Werte ab "
        f"{german_number(mape_min_count, 0)} Zählungen; WAPE = Summe der absoluten Fehler / Summe der Zählwerte. "
        "Saisonal-naiv: Wert zur selben Uhrzeit 7 Tage zuvor (14 Tage ab dem 8. Prognosetag)."
    )
    return BacktestResult(
        resolution=resolution,
        horizon=horizon,
        origins=starts,
        points=len(actual),
        mae=mae,
        mape=_mape(a, p, mape_min_count),
        wape=wape,
        interval_hit_rate=hit,
        naive_mae=naive_mae,
        naive_mape=_mape(a, n, mape_min_count),
        naive_wape=naive_wape,
        skill_percent=skill,
        mape_min_count=mape_min_count,
        summary=summary,
        definition=definition,
    )
