"""Answers of the analytics JSON API (:mod:`kikz.sensors.analysis_api`): Pydantic models and their builders.

Numbers that are not finite (a missing MAPE, a NaN bound) become ``null``: JSON has no NaN.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from pydantic import BaseModel, Field

from kikz.sensors.analysis import BeforeAfterView, ForecastView, GapView, IncidentView, Subject
from kikz.sensors.analytics.before_after import BeforeAfterResult
from kikz.sensors.analytics.forecast import BacktestResult
from kikz.sensors.kpi import BERLIN
from kikz.sensors.reports import Period


def _f(value: float | None) -> float | None:
    """JSON has no NaN: a missing number is null."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return _f(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return _clean(value.item())
    return value


class SiteRef(BaseModel):
    id: int
    name: str
    city: str
    links: dict[str, str]


class PeriodPublic(BaseModel):
    first: dt.date
    last: dt.date
    days: int


def _site(subj: Subject, base: str) -> SiteRef:
    s = subj.site
    return SiteRef(
        id=s.id,
        name=s.name,
        city=subj.entry.city.name,
        links={
            "page": f"{base}/verkehr/zaehlstellen/{s.id}",
            "before_after": f"{base}/verkehr/zaehlstellen/{s.id}/vorher-nachher?modus={subj.mode.value}",
            "forecast": f"{base}/verkehr/zaehlstellen/{s.id}/prognose?modus={subj.mode.value}",
            "gaps": f"{base}/verkehr/zaehlstellen/{s.id}/luecken?modus={subj.mode.value}",
        },
    )


def _period(period: Period) -> PeriodPublic:
    return PeriodPublic(first=period.first, last=period.last, days=period.days)


# --- before/after ---------------------------------------------------------------------------------------------------


class DayTypeMeansPublic(BaseModel):
    day_type: str = Field(description="working_day, saturday oder sunday_or_holiday")
    label: str
    before: float | None = Field(description="Mittlere Tagessumme vorher / mean daily total before")
    after: float | None
    days_before: int
    days_after: int
    change_percent: float | None


class TermPublic(BaseModel):
    name: str
    label: str
    coefficient: float
    std_error: float
    p_value: float | None


class ControlPublic(BaseModel):
    site_id: int
    site: str
    city: str
    before_mean: float
    after_mean: float
    change_percent: float
    raw_did_percent: float = Field(
        description="(nachher/vorher Zählstelle) ÷ (nachher/vorher Vergleich) − 1 aus Rohmitteln, in % "
        "/ raw difference-in-differences from means"
    )
    correlation_before: float


class DayPublic(BaseModel):
    date: dt.date
    total: float | None = Field(description="Tagessumme; null für ungültige Tage / null for invalid days")
    role: str = Field(description="before, after, transition, excluded, no_control oder invalid")


class BeforeAfterPublic(BaseModel):
    site: SiteRef
    mode: str
    period: PeriodPublic
    measure_date: dt.date
    transition_days: int
    excluded_dates: list[dt.date]
    effect_percent: float = Field(description="Geschätzter Effekt der Maßnahme in % / estimated effect in %")
    ci_low_percent: float
    ci_high_percent: float
    confidence: float
    p_value: float
    significant: bool
    days_before: int
    days_after: int
    before_period: PeriodPublic
    after_period: PeriodPublic
    means_by_day_type: list[DayTypeMeansPublic]
    seasonality: str = Field(description="month, fourier oder none: die tatsächlich verwendete Saisonalität")
    terms: list[TermPublic]
    dropped_terms: list[str]
    days_left_out: dict[str, int]
    control: ControlPublic | None
    r_squared: float
    hac_lags: int
    summary: str = Field(description="Zusammenfassung in einfacher Sprache / plain-language summary (German)")
    summary_en: str
    definition: str
    warnings: list[str]
    daily: list[DayPublic]
    control_daily: list[DayPublic]


def _span(first: dt.date, last: dt.date) -> PeriodPublic:
    return PeriodPublic(first=first, last=last, days=(last - first).days + 1)


def before_after_public(view: BeforeAfterView, base: str) -> BeforeAfterPublic:
    r: BeforeAfterResult = view.result
    control = None
    if view.control is not None and r.control is not None:
        control = ControlPublic(
            site_id=view.control.site.id,
            site=view.control.site.name,
            city=view.control.city.name,
            before_mean=r.control.before_mean,
            after_mean=r.control.after_mean,
            change_percent=r.control.change_percent,
            raw_did_percent=r.control.raw_did_percent,
            correlation_before=r.control.correlation_before,
        )
    return BeforeAfterPublic(
        site=_site(view.subject, base),
        mode=view.subject.mode.value,
        period=_period(view.period),
        measure_date=view.measure_date,
        transition_days=view.transition_days,
        excluded_dates=view.excluded,
        effect_percent=r.effect_percent,
        ci_low_percent=r.ci_low_percent,
        ci_high_percent=r.ci_high_percent,
        confidence=r.confidence,
        p_value=r.p_value,
        significant=r.significant,
        days_before=r.days_before,
        days_after=r.days_after,
        before_period=_span(*r.before_period),
        after_period=_span(*r.after_period),
        means_by_day_type=[
            DayTypeMeansPublic(
                day_type=m.day_type.value,
                label=m.label,
                before=_f(m.before),
                after=_f(m.after),
                days_before=m.days_before,
                days_after=m.days_after,
                change_percent=_f(m.change_percent),
            )
            for m in r.raw_means
        ],
        seasonality=r.seasonality,
        terms=[
            TermPublic(
                name=term.name,
                label=term.label,
                coefficient=term.coefficient,
                std_error=term.std_error,
                p_value=_f(term.p_value),
            )
            for term in r.terms
        ],
        dropped_terms=r.dropped_terms,
        days_left_out=r.days_left_out,
        control=control,
        r_squared=r.r_squared,
        hac_lags=r.hac_lags,
        summary=r.summary,
        summary_en=r.summary_en,
        definition=r.definition,
        warnings=r.warnings,
        daily=[DayPublic(date=d.date, total=_f(d.total), role=d.role) for d in view.days],
        control_daily=[DayPublic(date=d.date, total=_f(d.total), role=d.role) for d in view.control_days],
    )


# --- forecast -------------------------------------------------------------------------------------------------------


class ForecastPointPublic(BaseModel):
    start: dt.datetime = Field(description="Beginn der Stunde bzw. des Ortstags (Europe/Berlin)")
    value: float = Field(description="Punktprognose (Median) / point forecast (median)")
    lower: float
    upper: float
    day_class: str


class BacktestPublic(BaseModel):
    resolution: str
    horizon: int
    origins: list[dt.date]
    points: int
    mae: float
    mape: float | None
    wape: float | None
    interval_hit_rate: float
    naive_mae: float
    naive_mape: float | None
    naive_wape: float | None
    skill_percent: float | None = Field(description="(1 − MAE / MAE saisonal-naiv) · 100; > 0 = besser als naiv")
    mape_min_count: float
    summary: str
    definition: str


class ForecastPublic(BaseModel):
    site: SiteRef
    mode: str
    resolution: str = Field(description="hour oder day")
    horizon: int
    days: int
    data_until: dt.date
    coverage: float = Field(description="Breite des Vorhersageintervalls / prediction interval coverage")
    history_from: dt.date
    history_to: dt.date
    days_used: int
    method: str
    parameters: dict[str, float | None]
    warnings: list[str]
    points: list[ForecastPointPublic]
    backtest: BacktestPublic | None
    backtest_error: str | None


def _backtest(result: BacktestResult) -> BacktestPublic:
    return BacktestPublic(
        resolution=result.resolution,
        horizon=result.horizon,
        origins=result.origins,
        points=result.points,
        mae=result.mae,
        mape=_f(result.mape),
        wape=_f(result.wape),
        interval_hit_rate=result.interval_hit_rate,
        naive_mae=result.naive_mae,
        naive_mape=_f(result.naive_mape),
        naive_wape=_f(result.naive_wape),
        skill_percent=_f(result.skill_percent),
        mape_min_count=result.mape_min_count,
        summary=result.summary,
        definition=result.definition,
    )


def forecast_public(view: ForecastView, base: str) -> ForecastPublic:
    fc = view.forecast
    return ForecastPublic(
        site=_site(view.subject, base),
        mode=view.subject.mode.value,
        resolution=fc.resolution,
        horizon=len(fc.points),
        days=view.days,
        data_until=view.data_until,
        coverage=fc.coverage,
        history_from=fc.history_from,
        history_to=fc.history_to,
        days_used=fc.days_used,
        method=fc.method,
        parameters={k: _f(v) for k, v in fc.parameters.items()},
        warnings=fc.warnings,
        points=[
            ForecastPointPublic(start=p.start, value=p.value, lower=p.lower, upper=p.upper, day_class=p.day_class)
            for p in fc.points
        ],
        backtest=_backtest(view.backtest) if view.backtest else None,
        backtest_error=view.backtest_error,
    )


# --- gap filling ----------------------------------------------------------------------------------------------------


class FilledHourPublic(BaseModel):
    start: dt.datetime = Field(description="Beginn der Stunde (Europe/Berlin)")
    value: float | None
    status: str = Field(description="measured, filled oder missing")
    lower: float | None = Field(description="Untergrenze des Vorhersageintervalls (gemessen: der Messwert)")
    upper: float | None


class FilledGapPublic(BaseModel):
    start: dt.datetime
    end: dt.datetime = Field(description="exklusiv / exclusive")
    hours: int
    filled: bool
    level_factor: float | None
    window_hours: int
    total: float | None
    lower: float | None
    upper: float | None
    reason: str


class FilledDayPublic(BaseModel):
    date: dt.date
    total: float
    measured_total: float
    filled_total: float
    lower: float
    upper: float
    filled_hours: int
    hours: int


class GapCounts(BaseModel):
    hours: int
    measured: int
    filled: int
    missing: int = Field(description="Stunden, die ohne Wert bleiben (Lücke zu lang) / hours left empty")


class GapFillPublic(BaseModel):
    site: SiteRef
    mode: str
    period: PeriodPublic
    requested_period: PeriodPublic
    coverage: float
    counts: GapCounts
    hours: list[FilledHourPublic]
    gaps: list[FilledGapPublic]
    days: list[FilledDayPublic] = Field(description="Tage mit gefüllten Stunden und der Unsicherheit ihrer Summe")
    block_error: list[float] = Field(description="Relative Fehlerquantile verborgener 6-Stunden-Blöcke")
    day_error: list[float] = Field(description="Relative Fehlerquantile verborgener ganzer Tage")
    check_days: int
    definition: str
    warnings: list[str]


def gap_fill_public(view: GapView, base: str) -> GapFillPublic:
    r = view.result
    starts = [dt.datetime.fromtimestamp(int(e), BERLIN) for e in r.series.start.tolist()]
    return GapFillPublic(
        site=_site(view.subject, base),
        mode=view.subject.mode.value,
        period=_period(view.period),
        requested_period=_period(view.requested),
        coverage=r.coverage,
        counts=GapCounts(hours=view.hours, measured=view.measured, filled=view.filled, missing=view.missing),
        hours=[
            FilledHourPublic(start=start, value=_f(value), status=status, lower=_f(low), upper=_f(high))
            for start, value, status, low, high in zip(
                starts, r.series.values.tolist(), r.status, r.lower.tolist(), r.upper.tolist(), strict=True
            )
        ],
        gaps=[
            FilledGapPublic(
                start=g.start,
                end=g.end,
                hours=g.intervals,
                filled=g.filled,
                level_factor=_f(g.level_factor),
                window_hours=g.window_intervals,
                total=_f(g.total),
                lower=_f(g.lower),
                upper=_f(g.upper),
                reason=g.reason,
            )
            for g in r.gaps
        ],
        days=[
            FilledDayPublic(
                date=d.date,
                total=d.total,
                measured_total=d.measured_total,
                filled_total=d.filled_total,
                lower=d.lower,
                upper=d.upper,
                filled_hours=d.filled_intervals,
                hours=d.intervals,
            )
            for d in r.days
        ],
        block_error=list(r.block_error),
        day_error=list(r.day_error),
        check_days=r.check_days,
        definition=r.definition,
        warnings=r.warnings,
    )


# --- incidents ------------------------------------------------------------------------------------------------------


class IncidentPublic(BaseModel):
    kind: str = Field(description="missing, flatline, zero_run, low_uptime oder profile_deviation")
    label: str
    start: dt.datetime
    end: dt.datetime = Field(description="exklusiv / exclusive")
    duration_seconds: int
    severity: str = Field(description="info, warning oder critical")
    message: str
    details: dict[str, Any]


class IncidentsPublic(BaseModel):
    site: SiteRef
    mode: str
    period: PeriodPublic
    checked_from: dt.datetime
    checked_to: dt.datetime
    intervals: int
    measured: int
    count: int
    incidents: list[IncidentPublic]
    rules: list[str]
    notes: list[str]


def incidents_public(view: IncidentView, base: str) -> IncidentsPublic:
    report = view.report
    return IncidentsPublic(
        site=_site(view.subject, base),
        mode=view.subject.mode.value,
        period=_period(view.period),
        checked_from=report.checked_from,
        checked_to=report.checked_to,
        intervals=report.intervals,
        measured=report.measured,
        count=len(report.incidents),
        incidents=[
            IncidentPublic(
                kind=i.kind.value,
                label=i.label,
                start=i.start,
                end=i.end,
                duration_seconds=int(i.duration.total_seconds()),
                severity=i.severity.value,
                message=i.message,
                details=_clean(i.details),
            )
            for i in report.incidents
        ],
        rules=report.rules,
        notes=report.notes,
    )
