"""Before/after comparison of a measure (a new bike lane, a closure, a speed limit) on daily totals.

Model: ordinary least squares on the logarithm of valid daily totals with

* weekday (six dummies, Monday = reference), Hessian public holiday, Hessian school holiday;
* seasonality where the data can carry it: calendar-month dummies when some calendar month was
  observed both before and after the measure (then the effect is judged *within* those months);
  otherwise none, and a warning when before and after lie in different seasons. Fourier terms
  (annual sine/cosine) on request; with less than a year they are only weakly identified;
* optionally a **control counter** without the measure (difference-in-differences): by default as
  an offset, i.e. the model explains log(counter / control), so season, weather and everything else
  the two share cancel (parallel proportional trends assumed). ``control_mode="covariate"`` instead
  estimates an elasticity for log(control); with a noisy control that coefficient is attenuated
  towards 0 and part of the shared season leaks into the effect, so the offset is the default;
* optionally daily covariates such as precipitation (weather-free otherwise);
* an *after* indicator from the measure date on: effect = exp(β) − 1.

Standard errors are Newey-West (HAC, default 7 days) so weekly and day-to-day autocorrelation does
not make the interval too narrow; t-based 95 % interval. Columns the data cannot identify (a month
seen on one side only, school holidays absent, …) are dropped and listed.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import statsmodels.api as sm

from kikz.errors import InvalidInput
from kikz.sensors.analytics.timegrid import DAY_TYPE_LABELS, DAY_TYPES, WEEKDAY_LABELS, german_number
from kikz.sensors.calendar import HESSE, DayType, TrafficCalendar
from kikz.sensors.kpi import MIN_COMPLETENESS, CountSeries, FloatArray, daily_totals

Seasonality = Literal["auto", "month", "fourier", "none"]
ControlMode = Literal["offset", "covariate"]
MONTHS = ("Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez")
MIN_MONTH_OVERLAP = 7
"""A calendar month identifies the effect only with at least this many days on each side."""
SEASON_OF_MONTH = (0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 0)
"""Meteorological seasons: winter (Dec–Feb), spring, summer, autumn."""


@dataclass(frozen=True)
class DayTypeMeans:
    day_type: DayType
    label: str
    before: float | None
    after: float | None
    days_before: int
    days_after: int
    change_percent: float | None


@dataclass(frozen=True)
class Term:
    name: str
    label: str
    coefficient: float
    std_error: float
    p_value: float


@dataclass(frozen=True)
class ControlComparison:
    before_mean: float
    after_mean: float
    change_percent: float
    raw_did_percent: float
    """(after/before at the counter) ÷ (after/before at the control) − 1, from raw means, in %."""
    correlation_before: float
    """Correlation of the log daily totals of counter and control before the measure."""


@dataclass(frozen=True)
class BeforeAfterResult:
    measure_date: dt.date
    effect_percent: float
    ci_low_percent: float
    ci_high_percent: float
    confidence: float
    p_value: float
    significant: bool
    days_before: int
    days_after: int
    before_period: tuple[dt.date, dt.date]
    after_period: tuple[dt.date, dt.date]
    raw_means: list[DayTypeMeans]
    seasonality: str
    """The seasonality actually used: "month", "fourier" or "none"."""
    terms: list[Term]
    dropped_terms: list[str]
    """Terms the data could not identify (German labels)."""
    days_left_out: dict[str, int]
    control: ControlComparison | None
    r_squared: float
    hac_lags: int
    summary: str
    """Plain German for a council member."""
    summary_en: str
    definition: str
    warnings: list[str] = field(default_factory=list)


def _pct(value: float) -> str:
    sign = "+" if value >= 0 else "−"
    return f"{sign}{german_number(abs(value), 1)} %"


def _p_text(p: float) -> str:
    return "p < 0,001" if p < 0.001 else f"p = {german_number(p, 3)}"


def _valid_totals(series: CountSeries, min_completeness: float) -> dict[dt.date, float]:
    daily = daily_totals(series, min_completeness=min_completeness)
    return {d: float(t) for d, t, ok in zip(daily.dates, daily.totals, daily.valid, strict=True) if ok and float(t) > 0}


def _identifiable(columns: list[tuple[str, str, FloatArray]]) -> tuple[list[tuple[str, str, FloatArray]], list[str]]:
    """Keep columns in order while each adds rank; the rest cannot be estimated from these days."""
    kept: list[tuple[str, str, FloatArray]] = []
    dropped: list[str] = []
    rank = 0
    for column in columns:
        trial = np.column_stack([c[2] for c in [*kept, column]])
        new_rank = int(np.linalg.matrix_rank(trial))
        if new_rank > rank:
            kept.append(column)
            rank = new_rank
        else:
            dropped.append(column[1])
    return kept, dropped


def _season_shares(dates: list[dt.date]) -> FloatArray:
    counts = np.bincount([SEASON_OF_MONTH[d.month - 1] for d in dates], minlength=4).astype(np.float64)
    return counts / max(counts.sum(), 1.0)


def compare(
    series: CountSeries,
    measure_date: dt.date,
    *,
    exclude_days: Iterable[dt.date] = (),
    calendar: TrafficCalendar = HESSE,
    control: CountSeries | None = None,
    control_mode: ControlMode = "offset",
    covariates: Mapping[str, Mapping[dt.date, float]] | None = None,
    seasonality: Seasonality = "auto",
    transition_days: int = 0,
    min_completeness: float = MIN_COMPLETENESS,
    confidence: float = 0.95,
    hac_lags: int = 7,
    min_days_per_side: int = 14,
    recommended_days_per_side: int = 28,
    location: str = "der Zählstelle",
) -> BeforeAfterResult:
    """Effect of a measure in effect from ``measure_date`` on; ``transition_days`` after it are left out."""
    if not 0.5 < confidence < 1:
        raise InvalidInput("Das Konfidenzniveau muss zwischen 50 % und 100 % liegen. / Confidence must be in (0.5, 1).")
    totals = _valid_totals(series, min_completeness)
    left_out: dict[str, int] = {}
    excluded = set(exclude_days)
    start_after = measure_date + dt.timedelta(days=transition_days)
    dates = sorted(totals)
    left_out["ausgeschlossen"] = sum(1 for d in dates if d in excluded)
    left_out["Übergangszeit"] = sum(1 for d in dates if measure_date <= d < start_after and d not in excluded)
    dates = [d for d in dates if d not in excluded and not measure_date <= d < start_after]
    control_totals: dict[dt.date, float] = {}
    if control is not None:
        control_totals = _valid_totals(control, min_completeness)
        left_out["ohne Vergleichswert"] = sum(1 for d in dates if d not in control_totals)
        dates = [d for d in dates if d in control_totals]
    names = sorted(covariates or {})
    if covariates:
        usable = [d for d in dates if all(math.isfinite(covariates[n].get(d, math.nan)) for n in names)]
        left_out["ohne Kovariate"] = len(dates) - len(usable)
        dates = usable
    before = [d for d in dates if d < measure_date]
    after = [d for d in dates if d >= start_after]
    if len(before) < min_days_per_side or len(after) < min_days_per_side:
        raise InvalidInput(
            f"Zu wenige gültige Tage für einen Vorher-Nachher-Vergleich: {len(before)} vorher, {len(after)} nachher; "
            f"nötig sind je Seite mindestens {min_days_per_side}. / Too few valid days on one side of the measure."
        )
    y = np.log(np.array([totals[d] for d in dates]))
    is_after = np.array([d >= start_after for d in dates], dtype=np.float64)
    columns: list[tuple[str, str, FloatArray]] = [
        ("const", "Konstante", np.ones(len(dates))),
        ("after", "Nachher (Maßnahme)", is_after),
    ]
    if control is not None:
        log_control = np.log([control_totals[d] for d in dates])
        if control_mode == "offset":
            y = y - log_control
        else:
            columns.append(("control_log", "Vergleichszählstelle (log)", log_control))
    for weekday in range(1, 7):
        columns.append(
            (f"weekday_{weekday}", WEEKDAY_LABELS[weekday], np.array([d.weekday() == weekday for d in dates], float))
        )
    columns.append(
        ("public_holiday", "Feiertag", np.array([calendar.public_holiday(d) is not None for d in dates], float))
    )
    columns.append(("school_holiday", "Schulferien", np.array([calendar.is_school_holiday(d) for d in dates], float)))
    used_season, season_columns, notes = _season(seasonality, before, after, dates)
    columns += season_columns
    for name in names:
        columns.append((f"cov:{name}", name, np.array([covariates[name][d] for d in dates], float)))  # type: ignore[index,arg-type]
    kept, dropped = _identifiable(columns)
    design = np.column_stack([c[2] for c in kept])
    if design.shape[0] - design.shape[1] < 5:
        raise InvalidInput("Zu wenige Tage für die Zahl der Modellterme. / Too few days for the number of model terms.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = sm.OLS(y, design)
        robust = model.fit(cov_type="HAC", cov_kwds={"maxlags": hac_lags}, use_t=True)
        classical = model.fit()
    # Newey-West underestimates the error of a term resting on few high-leverage days: never go below OLS.
    fit = robust if robust.bse[1] >= classical.bse[1] else classical
    params = np.asarray(fit.params)
    errors = np.asarray(fit.bse)
    pvalues = np.asarray(fit.pvalues)
    low, high = np.asarray(fit.conf_int(alpha=1 - confidence))[1]
    beta, p_value = float(params[1]), float(pvalues[1])
    effect = (math.exp(beta) - 1) * 100
    ci = ((math.exp(low) - 1) * 100, (math.exp(high) - 1) * 100)
    terms = [
        Term(name, label, float(params[i]), float(errors[i]), float(pvalues[i]))
        for i, (name, label, _) in enumerate(kept)
    ]
    raw = _raw_means(totals, before, after, calendar)
    comparison = None
    if control is not None:
        comparison = _control_comparison(totals, control_totals, before, after)
    found = _warnings(
        before, after, raw, used_season, control is not None, comparison, recommended_days_per_side, notes
    )
    significant = p_value < 1 - confidence
    result_text = _summary(
        measure_date, effect, ci, p_value, significant, confidence, before, after, used_season, control is not None,
        names, found, location,
    )  # fmt: skip
    season_text = {"month": "Kalendermonat", "fourier": "Jahres-Sinus/Kosinus (2 Harmonische)", "none": "keine"}
    definition = (
        "Vorher-Nachher-Vergleich: lineare Regression des Logarithmus der gültigen Tagessummen (mindestens "
        f"{german_number(min_completeness * 100, 0)} % Messwerte, Europe/Berlin-Ortstage) auf Wochentag, gesetzlichen "
        f"Feiertag und Schulferien in Hessen, Jahreszeit ({season_text[used_season]})"
        + (
            (
                ", Vergleichszählstelle als Offset (erklärt wird log(Zählstelle / Vergleichszählstelle))"
                if control_mode == "offset"
                else ", Vergleichszählstelle (log) als Kovariate"
            )
            if control is not None
            else ""
        )
        + (f", Kovariaten ({', '.join(names)})" if names else "")
        + f" und einen Nachher-Indikator ab {start_after:%d.%m.%Y}; Effekt = exp(β_nachher) − 1. "
        f"Standardfehler nach Newey-West (HAC, {hac_lags} Tage), mindestens der klassische OLS-Fehler; t-Verteilung, "
        f"{german_number(confidence * 100, 0)}-%-Konfidenzintervall."
    )
    return BeforeAfterResult(
        measure_date=measure_date,
        effect_percent=effect,
        ci_low_percent=ci[0],
        ci_high_percent=ci[1],
        confidence=confidence,
        p_value=p_value,
        significant=significant,
        days_before=len(before),
        days_after=len(after),
        before_period=(before[0], before[-1]),
        after_period=(after[0], after[-1]),
        raw_means=raw,
        seasonality=used_season,
        terms=terms,
        dropped_terms=dropped,
        days_left_out={k: v for k, v in left_out.items() if v},
        control=comparison,
        r_squared=float(fit.rsquared),
        hac_lags=hac_lags,
        summary=result_text[0],
        summary_en=result_text[1],
        definition=definition,
        warnings=found,
    )


def _season(
    requested: Seasonality, before: list[dt.date], after: list[dt.date], dates: list[dt.date]
) -> tuple[str, list[tuple[str, str, FloatArray]], list[str]]:
    per_before = np.bincount([d.month for d in before], minlength=13)
    per_after = np.bincount([d.month for d in after], minlength=13)
    overlap = {m for m in range(1, 13) if min(per_before[m], per_after[m]) >= MIN_MONTH_OVERLAP}
    notes: list[str] = []
    chosen: str = requested
    if requested == "auto":
        chosen = "month" if overlap else "none"
    if chosen == "month":
        shared = int(sum(min(per_before[m], per_after[m]) for m in overlap))
        if not overlap:
            notes.append(
                f"Kein Kalendermonat ist vorher und nachher mit je mindestens {MIN_MONTH_OVERLAP} Tagen beobachtet: "
                "Monatseffekte und Maßnahme sind kaum trennbar. / No calendar month well observed on both sides."
            )
        elif shared < 28:
            notes.append(
                f"Der Effekt beruht auf wenigen Tagen in Monaten, die vorher und nachher beobachtet sind "
                f"({', '.join(MONTHS[m - 1] for m in sorted(overlap))}: {shared} Tagespaare). "
                "/ Few days in months seen on both sides."
            )
        months = sorted({d.month for d in dates})
        return (
            "month",
            [
                (f"month_{m:02d}", f"Monat {MONTHS[m - 1]}", np.array([d.month == m for d in dates], float))
                for m in months[1:]
            ],
            notes,
        )
    if chosen == "fourier":
        if (dates[-1] - dates[0]).days < 365:
            notes.append(
                "Jahresgang als Fourier-Terme bei weniger als einem Jahr Daten: Jahreszeit und Maßnahme sind kaum "
                "trennbar, das Ergebnis hängt an der angenommenen Kurvenform. / Fourier season with < 1 year of data."
            )
        day_of_year = np.array([d.timetuple().tm_yday for d in dates], float)
        return (
            "fourier",
            [
                (f"{fn.__name__}{k}", f"Jahresgang {fn.__name__} {k}", fn(2 * np.pi * k * day_of_year / 365.25))
                for k in (1, 2)
                for fn in (np.sin, np.cos)
            ],
            notes,
        )
    return "none", [], notes


def _raw_means(
    totals: Mapping[dt.date, float], before: list[dt.date], after: list[dt.date], calendar: TrafficCalendar
) -> list[DayTypeMeans]:
    out = []
    for kind in DAY_TYPES:
        b = [totals[d] for d in before if calendar.day_type(d) is kind]
        a = [totals[d] for d in after if calendar.day_type(d) is kind]
        mb = float(np.mean(b)) if b else None
        ma = float(np.mean(a)) if a else None
        change = (ma / mb - 1) * 100 if mb and ma is not None else None
        out.append(DayTypeMeans(kind, DAY_TYPE_LABELS[kind], mb, ma, len(b), len(a), change))
    return out


def _control_comparison(
    totals: Mapping[dt.date, float], control: Mapping[dt.date, float], before: list[dt.date], after: list[dt.date]
) -> ControlComparison:
    cb = float(np.mean([control[d] for d in before]))
    ca = float(np.mean([control[d] for d in after]))
    tb = float(np.mean([totals[d] for d in before]))
    ta = float(np.mean([totals[d] for d in after]))
    log_target = np.log([totals[d] for d in before])
    log_control = np.log([control[d] for d in before])
    correlation = (
        float(np.corrcoef(log_target, log_control)[0, 1]) if np.std(log_target) and np.std(log_control) else 0.0
    )
    return ControlComparison(cb, ca, (ca / cb - 1) * 100, ((ta / tb) / (ca / cb) - 1) * 100, correlation)


def _warnings(
    before: list[dt.date],
    after: list[dt.date],
    raw: list[DayTypeMeans],
    season: str,
    has_control: bool,
    control: ControlComparison | None,
    recommended: int,
    notes: list[str],
) -> list[str]:
    found = list(notes)
    if min(len(before), len(after)) < recommended:
        found.append(
            f"Wenige Tage: {len(before)} vorher und {len(after)} nachher; empfohlen sind je Seite mindestens "
            f"{recommended} (vier Wochen). / Few days: at least {recommended} per side recommended."
        )
    if season == "none" and not has_control:
        distance = 0.5 * float(np.abs(_season_shares(before) - _season_shares(after)).sum())
        if distance > 0.25:
            found.append(
                "Jahreszeiten-Verzerrung möglich: Vorher- und Nachher-Zeitraum liegen in verschiedenen Jahreszeiten "
                "und kein Kalendermonat ist auf beiden Seiten beobachtet; ein Teil des Unterschieds kann saisonal "
                "sein. Abhilfe: eine Vergleichszählstelle angeben oder ein volles Jahr vorher/nachher abwarten. "
                "/ Season confounding: before and after lie in different seasons."
            )
    missing = [m.label for m in raw if (m.days_before == 0) != (m.days_after == 0)]
    if missing:
        found.append(
            f"Tagestyp nur auf einer Seite vorhanden: {', '.join(missing)}. / Day type present on one side only."
        )
    if control is not None and control.correlation_before < 0.3:
        found.append(
            f"Die Vergleichszählstelle folgt der Zählstelle vorher kaum (Korrelation "
            f"{german_number(control.correlation_before, 2)}); sie taugt wenig als Vergleich. "
            "/ The control hardly follows the counter before the measure."
        )
    return found


def _summary(
    measure_date: dt.date,
    effect: float,
    ci: tuple[float, float],
    p_value: float,
    significant: bool,
    confidence: float,
    before: list[dt.date],
    after: list[dt.date],
    season: str,
    has_control: bool,
    covariates: list[str],
    found: list[str],
    location: str,
) -> tuple[str, str]:
    level = german_number(confidence * 100, 0)
    if significant:
        amount = "mehr" if effect > 0 else "weniger"
        head = (
            f"Seit der Maßnahme am {measure_date:%d.%m.%Y} wird an {location} deutlich {amount} Verkehr gezählt, "
            f"als ohne Maßnahme zu erwarten wäre: geschätzt {_pct(effect)}. Der plausible Bereich "
            f"({level}-%-Konfidenzintervall) reicht von {_pct(ci[0])} bis {_pct(ci[1])}; ein Zufallsbefund ist "
            f"sehr unwahrscheinlich ({_p_text(p_value)})."
        )
    else:
        head = (
            f"Seit der Maßnahme am {measure_date:%d.%m.%Y} lässt sich an {location} keine sichere Veränderung "
            f"nachweisen: die Schätzung liegt bei {_pct(effect)}, die Daten passen aber zu allem zwischen "
            f"{_pct(ci[0])} und {_pct(ci[1])} ({level}-%-Konfidenzintervall, {_p_text(p_value)})."
        )
    considered = ["Wochentag", "Feiertage", "Schulferien"]
    if season != "none":
        considered.append("Jahreszeit")
    if has_control:
        considered.append("die Entwicklung an einer Vergleichszählstelle ohne Maßnahme")
    considered += covariates
    basis = (
        f"Berücksichtigt wurden {', '.join(considered[:-1])} und {considered[-1]}. Grundlage: {len(before)} Tage "
        f"vorher ({before[0]:%d.%m.%Y}–{before[-1]:%d.%m.%Y}) und {len(after)} Tage nachher "
        f"({after[0]:%d.%m.%Y}–{after[-1]:%d.%m.%Y})."
    )
    cautions = " ".join(f"Hinweis: {w.split(' / ')[0]}" for w in found)
    german = " ".join(part for part in (head, basis, cautions) if part)
    english = (
        f"Effect of the measure of {measure_date.isoformat()}: {effect:+.1f} % "
        f"({confidence:.0%} CI {ci[0]:+.1f} % to {ci[1]:+.1f} %, p = {p_value:.3g}), "
        f"{'statistically significant' if significant else 'not statistically significant'}; "
        f"{len(before)} days before, {len(after)} days after; {len(found)} caution(s)."
    )
    return german, english
