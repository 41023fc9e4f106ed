"""The decision analytics of a site as charts and text in the reader's language (German first).

Charts follow :mod:`kikz.sensors.charts` (plain SVG with presentation attributes, ``<title>``/``<desc>``, series
told apart by colour *and* dash, every value repeated in a table on the page) and add what those analytics need:
an uncertainty band (prediction interval) and a marked moment (the measure, the forecast start).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import numpy as np
from markupsafe import Markup
from sqlalchemy.orm import Session

from kikz.sensors import analysis, kpi, reports
from kikz.sensors.analysis import BeforeAfterView, DayRole, ForecastView, GapView
from kikz.sensors.charts import AXIS, DASHES, GRID, PALETTE, Series, Style, _open, _runs, _text, nice_ticks, number
from kikz.sensors.kpi import BERLIN, CountSeries
from kikz.sensors.present import _date_ticks, date_text, mode_label, moment_text, t
from kikz.sensors.reports import BadRequest, SiteEntry
from kikz.sensors.traffic import Mode
from kikz.tenancy.permissions import Principal

BAND_OPACITY = "0.2"


@dataclass(frozen=True)
class Band:
    """An interval around a series (``index`` = the series' colour); single points are drawn as error bars."""

    label: str
    lower: Sequence[float | None]
    upper: Sequence[float | None]
    index: int = 0


@dataclass(frozen=True)
class Marker:
    """A vertical line at a (fractional) x index with a short label."""

    at: float
    label: str


def _legend(
    series: Sequence[Series], bands: Sequence[Band], left: float, width: float, style: Style
) -> tuple[list[str], float]:
    """Line samples for the series, shaded swatches for the bands; also the baseline of the last legend row."""
    parts: list[str] = []
    x, y = left, 14.0
    items = [(s.label, i, False) for i, s in enumerate(series)] + [(b.label, b.index, True) for b in bands]
    for label, index, is_band in items:
        item_width = 34 + len(label) * style.font_size * 0.6 + 18
        if x > left and x + item_width > left + width:
            x, y = left, y + 18
        colour = PALETTE[index % len(PALETTE)]
        if is_band:
            parts.append(
                f'<rect x="{x + 2:.1f}" y="{y - 11:.1f}" width="24" height="13" fill="{colour}" '
                f'fill-opacity="{BAND_OPACITY}" stroke="{colour}" stroke-width="0.5"/>'
            )
        else:
            dash = DASHES[index % len(DASHES)]
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<line x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 28:.1f}" y2="{y - 4:.1f}" stroke="{colour}" '
                f'stroke-width="3"{dash_attr}/>'
            )
        parts.append(_text(x + 34, y, label))
        x += item_width
    return parts, y


def band_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    series: Sequence[Series],
    bands: Sequence[Band] = (),
    x_labels: Sequence[tuple[int, str]],
    unit: str,
    marker: Marker | None = None,
    width: int = 720,
    height: int = 320,
    markers: bool = False,
    style: Style = Style(),
) -> str:
    """Lines over the indices 0..n-1 (``None`` leaves gaps) with shaded intervals behind them."""
    count = max([len(s.values) for s in series] + [len(b.upper) for b in bands] + [0])
    values = [v for s in series for v in s.values if v is not None and math.isfinite(v)]
    values += [v for b in bands for v in b.upper if v is not None and math.isfinite(v)]
    ticks = nice_ticks(max(values) if values else 0.0)
    label_width = max(len(number(tick, 0, style.lang)) for tick in ticks) * style.font_size * 0.62 + 14
    left, right, bottom = max(48.0, label_width), 16.0, 34.0
    legend, legend_bottom = _legend(series, bands, left, width - left - right, style)
    top = legend_bottom + 24 + (16 if marker else 0)
    plot_w, plot_h = width - left - right, height - top - bottom
    out = _open(width, height, chart_id, title, description, style)
    out.extend(legend)
    out.append(_text(4, top - 8 - (16 if marker else 0), unit, fill=AXIS))

    def y_of(value: float) -> float:
        return top + plot_h - min(max(value, 0.0), ticks[-1]) / ticks[-1] * plot_h

    def x_of(index: float) -> float:
        return left + (index / (count - 1) * plot_w if count > 1 else plot_w / 2)

    for tick in ticks:
        y = y_of(tick)
        out.append(f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{left + plot_w:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        out.append(_text(left - 6, y + 4, number(tick, 0 if ticks[-1] >= 10 else 1, style.lang), anchor="end"))
    base = top + plot_h
    out.append(f'<line x1="{left:.1f}" y1="{base:.1f}" x2="{left + plot_w:.1f}" y2="{base:.1f}" stroke="{AXIS}"/>')
    for index, label in x_labels:
        if 0 <= index < max(count, 1):
            x = x_of(index)
            out.append(f'<line x1="{x:.1f}" y1="{base:.1f}" x2="{x:.1f}" y2="{base + 5:.1f}" stroke="{AXIS}"/>')
            out.append(_text(x, base + 18, label, anchor="middle"))
    for band in bands:
        out.extend(_band_shapes(band, x_of, y_of))
    if marker is not None and count:
        x = x_of(min(max(marker.at, 0.0), count - 1))
        out.append(
            f'<line x1="{x:.1f}" y1="{top - 6:.1f}" x2="{x:.1f}" y2="{base:.1f}" stroke="{AXIS}" stroke-width="1.5" '
            'stroke-dasharray="5 3"/>'
        )
        anchor = "end" if x > left + plot_w * 0.7 else "start"
        out.append(_text(x + (-4 if anchor == "end" else 4), top - 10, marker.label, anchor=anchor, weight="bold"))
    for number_, item in enumerate(series):
        colour, dash = PALETTE[number_ % len(PALETTE)], DASHES[number_ % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        for run in _runs(item.values):
            points = [(x_of(i), y_of(v)) for i, v in run]
            if len(points) > 1:
                coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
                out.append(
                    f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"'
                    f' stroke-linejoin="round"{dash_attr}/>'
                )
            if markers or len(points) == 1:
                out.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"/>' for x, y in points)
    if not values:
        out.append(_text(left + plot_w / 2, top + plot_h / 2, "–", anchor="middle", fill=AXIS))
    out.append("</svg>")
    return "\n".join(out)


def _band_shapes(band: Band, x_of: Callable[[float], float], y_of: Callable[[float], float]) -> list[str]:
    colour = PALETTE[band.index % len(PALETTE)]
    pairs: list[float | None] = [
        None if lo is None or hi is None or not (math.isfinite(lo) and math.isfinite(hi)) else 0.0
        for lo, hi in zip(band.lower, band.upper, strict=True)
    ]
    shapes = []
    for run in _runs(pairs):
        idx = [i for i, _ in run]
        if len(idx) == 1:
            i = idx[0]
            x, y_hi, y_lo = x_of(i), y_of(_value(band.upper[i])), y_of(_value(band.lower[i]))
            shapes.append(
                f'<line x1="{x:.1f}" y1="{y_hi:.1f}" x2="{x:.1f}" y2="{y_lo:.1f}" stroke="{colour}" '
                f'stroke-width="6" stroke-opacity="0.35"/>'
            )
            continue
        upper = [f"{x_of(i):.1f},{y_of(_value(band.upper[i])):.1f}" for i in idx]
        lower = [f"{x_of(i):.1f},{y_of(_value(band.lower[i])):.1f}" for i in reversed(idx)]
        shapes.append(
            f'<polygon points="{" ".join(upper + lower)}" fill="{colour}" fill-opacity="{BAND_OPACITY}" stroke="none"/>'
        )
    return shapes


def _value(value: float | None) -> float:
    return 0.0 if value is None else float(value)


# --- numbers and words --------------------------------------------------------------------------------------------


def pct(value: float | None, lang: str, digits: int = 1) -> str:
    """Signed percentage, e.g. "+30,2 %" / "−4.1 %"."""
    if value is None or not math.isfinite(value):
        return "–"
    sign = "+" if value >= 0 else "−"
    return f"{sign}{number(abs(value), digits, lang)} %"


def p_text(p: float, lang: str) -> str:
    return "p < 0,001" if p < 0.001 and lang == "de" else "p < 0.001" if p < 0.001 else f"p = {number(p, 3, lang)}"


def hour_ticks(starts: Sequence[dt.datetime], lang: str, *, max_labels: int = 8) -> list[tuple[int, str]]:
    """A label at local midnights ("Mo 02.06."), every n-th day so that at most ``max_labels`` show."""
    midnights = [(i, s) for i, s in enumerate(starts) if s.hour == 0]
    every = max(1, math.ceil(len(midnights) / max_labels))
    return [
        (i, f"{t(lang, f'traffic.weekday.{s.weekday()}')[:2]} {s.strftime('%d.%m.' if lang == 'de' else '%m-%d')}")
        for n, (i, s) in enumerate(midnights)
        if n % every == 0
    ]


# --- before/after -------------------------------------------------------------------------------------------------


def before_after_chart(view: BeforeAfterView, lang: str, *, chart_id: str = "chart-before-after") -> str:
    """Daily totals over the period: before the measure, after it, and the control site when there is one."""
    period = view.period
    dates = [period.first + dt.timedelta(days=i) for i in range(period.days)]
    position = {d: i for i, d in enumerate(dates)}
    before: list[float | None] = [None] * len(dates)
    after: list[float | None] = [None] * len(dates)
    for point in view.days:
        if point.date in position and point.role in (DayRole.BEFORE, DayRole.AFTER):
            (before if point.role == DayRole.BEFORE else after)[position[point.date]] = point.total
    series = [
        Series(t(lang, "analysis.ba.chart_before"), before),
        Series(t(lang, "analysis.ba.chart_after"), after),
    ]
    if view.control is not None:
        control: list[float | None] = [None] * len(dates)
        for point in view.control_days:
            if point.date in position:
                control[position[point.date]] = point.total
        series.append(Series(t(lang, "analysis.ba.chart_control", site=view.control.site.name), control))
    return band_chart(
        chart_id=chart_id,
        title=t(lang, "analysis.ba.chart_title", site=view.subject.site.name, mode=mode_label(view.subject.mode, lang)),
        description=t(
            lang,
            "analysis.ba.chart_desc",
            period=f"{date_text(period.first, lang)} – {date_text(period.last, lang)}",
            measure=date_text(view.measure_date, lang),
        ),
        series=series,
        x_labels=_date_ticks(dates, lang),
        unit=t(lang, "traffic.unit.per_day"),
        marker=Marker(position[view.measure_date] - 0.5, t(lang, "analysis.ba.chart_measure")),
        markers=len(dates) <= 62,
        style=Style(lang=lang),
    )


# --- forecast -----------------------------------------------------------------------------------------------------


def _hour_values(counts: CountSeries | None, index: dict[int, int], size: int) -> list[float | None]:
    out: list[float | None] = [None] * size
    if counts is None:
        return out
    for epoch, value in zip(counts.start.tolist(), counts.values.tolist(), strict=True):
        if epoch in index and math.isfinite(value):
            out[index[epoch]] = value
    return out


def forecast_chart(view: ForecastView, lang: str, *, chart_id: str = "chart-forecast") -> str:
    """The last measured week, the hourly forecast with its interval, and what was counted (look back)."""
    points = view.forecast.points
    begin = int(points[0].start.timestamp())
    first = int(view.recent.start[0]) if view.recent.start.size else begin
    epochs = list(range(first, int(points[-1].start.timestamp()) + 3600, 3600))
    index = {e: i for i, e in enumerate(epochs)}
    size = len(epochs)
    predicted: list[float | None] = [None] * size
    lower: list[float | None] = [None] * size
    upper: list[float | None] = [None] * size
    for point in points:
        i = index[int(point.start.timestamp())]
        predicted[i], lower[i], upper[i] = point.value, point.lower, point.upper
    series = [
        Series(t(lang, "analysis.fc.chart_measured"), _hour_values(view.recent, index, size)),
        Series(t(lang, "analysis.fc.chart_forecast"), predicted),
    ]
    if view.actual is not None and view.actual.present.any():
        series.append(Series(t(lang, "analysis.fc.chart_actual"), _hour_values(view.actual, index, size)))
    coverage = number(view.forecast.coverage * 100, 0, lang)
    starts = [dt.datetime.fromtimestamp(e, BERLIN) for e in epochs]
    return band_chart(
        chart_id=chart_id,
        title=t(lang, "analysis.fc.chart_title", site=view.subject.site.name, mode=mode_label(view.subject.mode, lang)),
        description=t(lang, "analysis.fc.chart_desc", coverage=coverage),
        series=series,
        bands=[Band(t(lang, "analysis.fc.chart_band", coverage=coverage), lower, upper, index=1)],
        x_labels=hour_ticks(starts, lang),
        unit=t(lang, "traffic.unit.per_hour"),
        marker=Marker(index[begin] - 0.5, t(lang, "analysis.fc.chart_start")),
        style=Style(lang=lang),
    )


# --- gap filling --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GapDay:
    date: dt.date
    total: float | None
    """Day total after filling; None while hours are still missing."""
    lower: float | None
    upper: float | None
    filled: bool


def gap_days(view: GapView) -> list[GapDay]:
    """Every local day of the period with its total after filling and, for filled days, the interval."""
    days = kpi.daily_totals(view.result.series, min_completeness=1.0)
    filled = {d.date: d for d in view.result.days}
    out = []
    for day, total, ok in zip(days.dates, days.totals, days.valid, strict=True):
        info = filled.get(day)
        if info is not None:
            out.append(GapDay(day, info.total, info.lower, info.upper, True))
        else:
            value = float(total) if ok else None
            out.append(GapDay(day, value, None, None, False))
    return out


def gaps_chart(view: GapView, lang: str, *, chart_id: str = "chart-gaps") -> str:
    """Daily totals after filling; the days with estimated hours carry their interval."""
    rows = gap_days(view)
    totals = [r.total for r in rows]
    lower = [r.lower for r in rows]
    upper = [r.upper for r in rows]
    coverage = number(view.result.coverage * 100, 0, lang)
    return band_chart(
        chart_id=chart_id,
        title=t(
            lang, "analysis.gaps.chart_title", site=view.subject.site.name, mode=mode_label(view.subject.mode, lang)
        ),
        description=t(lang, "analysis.gaps.chart_desc", coverage=coverage),
        series=[Series(t(lang, "analysis.gaps.chart_total"), totals)],
        bands=[Band(t(lang, "analysis.gaps.chart_band", coverage=coverage), lower, upper, index=0)],
        x_labels=_date_ticks([r.date for r in rows], lang),
        unit=t(lang, "traffic.unit.per_day"),
        markers=len(rows) <= 62,
        style=Style(lang=lang),
    )


def filled_share(view: GapView) -> float:
    return float(view.filled / view.hours * 100) if view.hours else 0.0


def relative_band(bounds: tuple[float, float]) -> tuple[float, float]:
    """Relative error quantiles as percentages."""
    return float(np.round(bounds[0] * 100, 1)), float(np.round(bounds[1] * 100, 1))


# --- page contexts ------------------------------------------------------------------------------------------------

BEFORE_AFTER_FIELDS = ("massnahme", "modus", "kontrolle", "von", "bis", "ausschluss_tage", "ausschluss_daten")
FORECAST_FIELDS = ("modus", "tage", "bis")
GAP_FIELDS = ("modus", "von", "bis")
MAX_FIELD = 1000


def _form(query: Mapping[str, str], names: Sequence[str]) -> dict[str, str]:
    return {name: (query.get(name) or "")[:MAX_FIELD] for name in names}


def _mode_choice(entry: SiteEntry, raw: str) -> tuple[Mode, str | None]:
    """The chosen mode, or the main mode and the message why the chosen one cannot be used."""
    try:
        return analysis.parse_mode(raw, entry.site), None
    except BadRequest as exc:
        return analysis.parse_mode(None, entry.site), exc.message


def _common(session: Session, principal: Principal, entry: SiteEntry, mode: Mode, lang: str) -> dict[str, Any]:
    extent = reports.data_extent(session, principal, analysis.mode_stream_ids(entry.site, mode))
    return {
        "active": "traffic",
        "entry": entry,
        "site": entry.site,
        "modes": analysis.site_modes(entry.site),
        "mode": mode,
        "extent": extent,
        "mode_label": lambda m: mode_label(m, lang),
        "date_text": lambda day: date_text(day, lang),
        "moment_text": lambda moment: moment_text(moment, lang),
        "number": lambda value, digits=0: number(value, digits, lang),
        "pct": lambda value, digits=1: pct(value, lang, digits),
        "p_text": lambda value: p_text(value, lang),
    }


def before_after_page(
    session: Session, principal: Principal, thing_id: int, query: Mapping[str, str], lang: str
) -> tuple[dict[str, Any], int]:
    """The form, and the comparison once the date of the measure is given; bad input is shown with the form."""
    entry = reports.site_entry(session, principal, thing_id)
    form = _form(query, BEFORE_AFTER_FIELDS)
    mode, error = _mode_choice(entry, form["modus"])
    view = None
    if error is None and form["massnahme"].strip():
        try:
            view = analysis.before_after(session, principal, thing_id, **form)
        except BadRequest as exc:
            error = exc.message
    context = _common(session, principal, entry, mode, lang) | {
        "form": form,
        "error": error,
        "view": view,
        "candidates": analysis.control_candidates(session, principal, entry, mode),
        "max_transition": analysis.MAX_TRANSITION_DAYS,
    }
    if view is not None:
        context["chart_svg"] = Markup(before_after_chart(view, lang))  # noqa: S704 - escaped SVG built here
        context["summary"] = view.result.summary if lang == "de" else view.result.summary_en
        context["json_url"] = f"/api/v1/sensors/sites/{thing_id}/before-after?{urlencode(_filled(form))}"
    return context, 400 if error else 200


def forecast_page(
    session: Session, principal: Principal, thing_id: int, query: Mapping[str, str], lang: str
) -> tuple[dict[str, Any], int]:
    """Hourly forecast with its chart, the daily forecast, and the backtests of both."""
    entry = reports.site_entry(session, principal, thing_id)
    form = _form(query, FORECAST_FIELDS)
    mode, error = _mode_choice(entry, form["modus"])
    hourly = daily = None
    if error is None:
        try:
            data = analysis.forecast_input(session, principal, thing_id, **form)
            hourly = analysis.run_forecast(data, "hour")
            daily = analysis.run_forecast(data, "day")
        except BadRequest as exc:
            error = exc.message
    context = _common(session, principal, entry, mode, lang) | {
        "form": form,
        "error": error,
        "hourly": hourly,
        "daily": daily,
        "max_days": analysis.MAX_DAYS,
        "default_days": analysis.FORECAST_DEFAULT_DAYS,
    }
    if hourly is not None:
        context["chart_svg"] = Markup(forecast_chart(hourly, lang))  # noqa: S704 - escaped SVG built here
        context["actual"] = _actual_by_hour(hourly)
        context["json_url"] = f"/api/v1/sensors/sites/{thing_id}/forecast?{urlencode(_filled(form))}"
    return context, 400 if error else 200


def _actual_by_hour(view: ForecastView) -> dict[int, float]:
    if view.actual is None:
        return {}
    counts = view.actual
    return {
        int(e): float(v) for e, v in zip(counts.start.tolist(), counts.values.tolist(), strict=True) if math.isfinite(v)
    }


def gaps_page(
    session: Session, principal: Principal, thing_id: int, query: Mapping[str, str], lang: str
) -> tuple[dict[str, Any], int]:
    """How many hours of the period were filled, and how uncertain the affected day totals are."""
    entry = reports.site_entry(session, principal, thing_id)
    form = _form(query, GAP_FIELDS)
    mode, error = _mode_choice(entry, form["modus"])
    view = None
    if error is None:
        try:
            view = analysis.gap_fill(session, principal, thing_id, **form)
        except BadRequest as exc:
            error = exc.message
    context = _common(session, principal, entry, mode, lang) | {"form": form, "error": error, "view": view}
    if view is not None:
        context["chart_svg"] = Markup(gaps_chart(view, lang))  # noqa: S704 - escaped SVG built here
        context["filled_days"] = [d for d in gap_days(view) if d.filled]
        context["filled_share"] = filled_share(view)
        context["day_error"] = relative_band(view.result.day_error)
        context["block_error"] = relative_band(view.result.block_error)
        query_text = urlencode(_filled({"modus": mode.value, "von": view.period.first, "bis": view.period.last}))
        context["json_url"] = f"/api/v1/sensors/sites/{thing_id}/gaps-filled?{query_text}"
    return context, 400 if error else 200


def _filled(form: Mapping[str, object]) -> dict[str, str]:
    return {k: str(v) for k, v in form.items() if v is not None and str(v).strip()}
