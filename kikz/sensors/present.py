"""A site report and a comparison as text, tables and charts in the reader's language (German first).

Shared by the HTML pages, the printable council report and the PDF, so all three show the same figures.
Words come from the message catalogues (``kikz/web/messages``); KPI definitions are the German ones of
:mod:`kikz.sensors.kpi`, because a published figure must say exactly what it means.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from kikz.sensors.charts import Bar, Series, Style, bar_chart, line_chart, number
from kikz.sensors.kpi import BERLIN, KpiResult
from kikz.sensors.reports import WEEKDAY_GROUPS, Comparison, Period, SiteView
from kikz.sensors.traffic import MODE_LABELS, Mode
from kikz.web.templating import translate

HEAT_COLOURS = ("#f1f6fb", "#dbe8f4", "#bcd4ea", "#93b9dc", "#3f74aa", "#2b5a8c", "#1d4573", "#0f2f55")
"""Light to dark; the first four carry dark text, the others white (contrast ≥ 4.5:1 both ways).
The same colours are the ``.heat-N`` classes of ``static/verkehr.css``."""
HEAT_LEVELS = len(HEAT_COLOURS)
LABEL_TO_MODE = {label: mode for mode, label in MODE_LABELS.items()}
DIGITS = {"Fz/24h": 0, "Fz/h": 0, "%": 1, "km/h": 1}


def t(lang: str, key: str, **values: Any) -> str:
    return translate(lang, key, **values)


def mode_label(mode: Mode, lang: str) -> str:
    return t(lang, f"traffic.mode.{mode.value}")


def series_label(label: str, lang: str) -> str:
    """A mode label of :data:`kikz.sensors.traffic.MODE_LABELS` in the reader's language."""
    mode = LABEL_TO_MODE.get(label)
    return mode_label(mode, lang) if mode else label


def date_text(day: dt.date, lang: str) -> str:
    return day.strftime("%d.%m.%Y" if lang == "de" else "%Y-%m-%d")


def period_text(period: Period, lang: str) -> str:
    return f"{date_text(period.first, lang)} – {date_text(period.last, lang)}"


def moment_text(moment: dt.datetime, lang: str) -> str:
    local = moment.astimezone(BERLIN)
    return local.strftime("%d.%m.%Y, %H:%M Uhr" if lang == "de" else "%Y-%m-%d %H:%M")


def value_text(result: KpiResult, lang: str) -> str:
    return number(result.value, DIGITS.get(result.unit, 1), lang)


@dataclass(frozen=True)
class KpiRow:
    name: str
    value: str
    unit: str
    valid_days: str
    definition: str
    note: str
    result: KpiResult


def _note(result: KpiResult, lang: str) -> str:
    details = result.details
    if result.name == "Spitzenstunde" and isinstance(details.get("begins"), dt.datetime):
        share = details.get("share_of_dtv")
        note = t(lang, "traffic.kpi.peak_begins", begins=moment_text(details["begins"], lang))  # type: ignore[arg-type]
        if isinstance(share, float):
            note += "; " + t(lang, "traffic.kpi.peak_share", share=number(share, 1, lang))
        return note
    if result.name.startswith("MSV") and isinstance(details.get("complete_hours"), int):
        return t(lang, "traffic.kpi.msv_hours", n=number(details["complete_hours"], 0, lang))  # type: ignore[arg-type]
    if "samples" in details:
        return t(lang, "traffic.kpi.v85_samples", n=number(float(details["samples"]), 0, lang))  # type: ignore[arg-type]
    if "intervals" in details:
        return t(lang, "traffic.kpi.v85_intervals", n=number(float(details["intervals"]), 0, lang))  # type: ignore[arg-type]
    if result.name == "pSV" and isinstance(details.get("dtv"), float):
        return t(lang, "traffic.kpi.psv_dtv", dtv=number(details["dtv"], 0, lang))  # type: ignore[arg-type]
    return ""


def modal_split_text(result: KpiResult, lang: str) -> str:
    shares = result.details.get("shares")
    if not isinstance(shares, dict):
        return "–"
    return " · ".join(f"{series_label(str(k), lang)} {number(v, 1, lang)} %" for k, v in shares.items())


def kpi_rows(view: SiteView, lang: str) -> list[KpiRow]:
    rows = []
    for result in view.report.kpis:
        is_split = result.name == "Modal Split"
        rows.append(
            KpiRow(
                name=result.name,
                value=modal_split_text(result, lang) if is_split else value_text(result, lang),
                unit="" if is_split else result.unit,
                valid_days=number(result.valid_days, 0, lang) if result.valid_days else "–",
                definition=result.definition,
                note=_note(result, lang),
                result=result,
            )
        )
    return rows


def direction_rows(view: SiteView, lang: str) -> list[tuple[str, str, str, str]]:
    """(direction, DTV, unit, valid days) of the main mode per direction."""
    return [
        (name, value_text(r, lang), r.unit, number(r.valid_days, 0, lang)) for name, r in view.report.directions.items()
    ]


def completeness_text(view: SiteView, lang: str) -> str:
    if view.report.completeness is None:
        return t(lang, "traffic.completeness_none")
    return t(
        lang,
        "traffic.completeness",
        valid=number(view.valid_days, 0, lang),
        days=number(view.period.days, 0, lang),
        share=number(view.report.completeness * 100, 1, lang),
        min=number(view.min_completeness * 100, 0, lang),
    )


def summary_text(view: SiteView, lang: str) -> str:
    """One sentence a council member can quote: the main DTV with its period and valid days."""
    main = view.report.heatmap_mode
    dtv = view.kpi(f"DTV {MODE_LABELS[main]}") if main else None
    if dtv is None or dtv.value is None:
        return t(lang, "traffic.summary_none", site=view.entry.site.name, period=period_text(view.period, lang))
    assert main is not None
    return t(
        lang,
        "traffic.summary",
        site=view.entry.site.name,
        period=period_text(view.period, lang),
        value=value_text(dtv, lang),
        what=t(lang, f"traffic.counted.{main.value}"),
        mode=mode_label(main, lang),
        days=number(dtv.valid_days, 0, lang),
    )


# --- heatmap ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeatCell:
    text: str
    level: int | None
    """0..HEAT_LEVELS-1 (light to dark), None when the slot has no value."""
    value: float | None


@dataclass(frozen=True)
class Heatmap:
    rows: list[tuple[str, list[HeatCell]]]
    legend: list[tuple[int, str]]
    maximum: float


def heatmap(view: SiteView, lang: str) -> Heatmap:
    grid = view.report.heatmap
    values = [v for row in grid for v in row if v is not None]
    top = max(values) if values else 0.0

    def level(value: float | None) -> int | None:
        if value is None:
            return None
        return min(HEAT_LEVELS - 1, int(value / top * HEAT_LEVELS)) if top > 0 else 0

    rows = [
        (t(lang, f"traffic.weekday.{index}"), [HeatCell(number(v, 0, lang), level(v), v) for v in row])
        for index, row in enumerate(grid)
    ]
    step = top / HEAT_LEVELS
    legend = [(i, f"{number(i * step, 0, lang)} – {number((i + 1) * step, 0, lang)}") for i in range(HEAT_LEVELS)]
    return Heatmap(rows, legend if values else [], top)


# --- charts -------------------------------------------------------------------------------------------------


def _date_ticks(dates: list[dt.date], lang: str) -> list[tuple[int, str]]:
    if not dates:
        return []
    if len(dates) <= 62:
        step = 7 if len(dates) > 14 else 1 if len(dates) <= 8 else 2
        return [(i, d.strftime("%d.%m." if lang == "de" else "%m-%d")) for i, d in enumerate(dates) if i % step == 0]
    starts = [(i, d) for i, d in enumerate(dates) if d.day == 1 or i == 0]
    every = max(1, -(-len(starts) // 12))
    years = len({d.year for d in dates}) > 1
    out = []
    for number_, (i, d) in enumerate(starts):
        if number_ % every:
            continue
        month = t(lang, f"traffic.month.{d.month}")
        out.append((i, f"{month} {d.year % 100:02d}" if years else month))
    return out


def daily_table(view: SiteView, lang: str) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """Header labels and (date, values per mode) rows of the daily totals, for the chart's data table."""
    labels = list(view.report.daily_totals)
    by_date: dict[dt.date, list[str]] = {}
    for position, label in enumerate(labels):
        for day, value in view.report.daily_totals[label]:
            by_date.setdefault(day, ["–"] * len(labels))[position] = number(value, 0, lang)
    return [series_label(label, lang) for label in labels], [
        (date_text(day, lang), values) for day, values in sorted(by_date.items())
    ]


def daily_chart(view: SiteView, lang: str, *, chart_id: str = "chart-daily", style: Style | None = None) -> str:
    """Day totals of every counted mode over the period (invalid days are gaps)."""
    period = view.period
    dates = [period.first + dt.timedelta(days=i) for i in range(period.days)]
    position = {d: i for i, d in enumerate(dates)}
    series = []
    for label, points in view.report.daily_totals.items():
        values: list[float | None] = [None] * len(dates)
        for day, value in points:
            if day in position:
                values[position[day]] = value
        series.append(Series(series_label(label, lang), values))
    title = t(lang, "traffic.chart.daily_title", site=view.entry.site.name)
    description = t(lang, "traffic.chart.daily_desc", period=period_text(period, lang))
    return line_chart(
        chart_id=chart_id,
        title=title,
        description=description,
        series=series,
        x_labels=_date_ticks(dates, lang),
        unit=t(lang, "traffic.unit.per_day"),
        markers=len(dates) <= 62,
        style=style or Style(lang=lang),
    )


def profile_series(view: SiteView, lang: str) -> list[Series]:
    return [Series(t(lang, f"traffic.daygroup.{key}"), view.profiles.get(key, [None] * 24)) for key in WEEKDAY_GROUPS]


def profile_chart(view: SiteView, lang: str, *, chart_id: str = "chart-profile", style: Style | None = None) -> str:
    """Mean hourly volume of the main mode on working days, Saturdays and Sundays/holidays."""
    main = view.report.heatmap_mode
    return line_chart(
        chart_id=chart_id,
        title=t(lang, "traffic.chart.profile_title", mode=mode_label(main, lang) if main else ""),
        description=t(lang, "traffic.chart.profile_desc"),
        series=profile_series(view, lang),
        x_labels=[(h, f"{h:02d}") for h in range(0, 24, 2)],
        unit=t(lang, "traffic.unit.per_hour"),
        markers=True,
        height=280,
        style=style or Style(lang=lang),
    )


def comparison_chart(
    comparison: Comparison, mode: Mode, lang: str, *, chart_id: str | None = None, style: Style | None = None
) -> str:
    rows = [r for r in comparison.rows if r.mode == mode and r.result.value is not None]
    bars = [Bar(r.entry.site.name, float(r.result.value or 0.0), r.entry.city.name) for r in rows]
    cities = sorted({r.entry.city.name for r in comparison.rows})  # one colour per city in every chart
    return bar_chart(
        groups=cities,
        chart_id=chart_id or f"chart-compare-{mode.value}",
        title=t(lang, "traffic.chart.compare_title", mode=mode_label(mode, lang)),
        description=t(lang, "traffic.chart.compare_desc", period=period_text(comparison.period, lang)),
        bars=bars,
        unit=t(lang, "traffic.unit.per_day"),
        style=style or Style(lang=lang),
    )
