"""Decision analytics for one counting site: the right series for a site, mode and period, then the analytics.

Pages and the JSON API call these functions with the raw query values; they parse them (German messages), load
the hourly cross-section of the chosen mode (all directions) through :mod:`kikz.sensors.series`, which applies the
caller's rights in SQL, and call :mod:`kikz.sensors.analytics`. An invisible site or control site is reported as
missing (404); malformed input and series too short for a method are a :class:`~kikz.sensors.reports.BadRequest`
(400), never a server error.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy.orm import Session

from kikz.errors import InvalidInput, NotFound
from kikz.sensors import kpi, reports, series
from kikz.sensors.analytics.before_after import BeforeAfterResult, compare
from kikz.sensors.analytics.forecast import MAX_DAYS, BacktestResult, Forecast, Resolution, backtest, forecast
from kikz.sensors.analytics.gapfill import GapFillResult, fill_gaps
from kikz.sensors.analytics.outages import IncidentReport, check_series
from kikz.sensors.kpi import CountSeries
from kikz.sensors.reports import BadRequest, DataExtent, Period, SiteEntry, parse_date
from kikz.sensors.traffic import MODE_LABELS, Mode, Site, StreamRole
from kikz.tenancy.permissions import Principal

MODE_ORDER = (Mode.MOTOR_VEHICLE, Mode.BICYCLE, Mode.PEDESTRIAN, Mode.HEAVY, Mode.CAR)
HOUR = 3600
SIDE_DAYS = 364
"""Default span on each side of a measure: up to a year, so the same calendar months are seen before and after."""
MAX_TRANSITION_DAYS = 90
MAX_EXCLUDED_ITEMS = 50
FORECAST_HISTORY_DAYS = 182
"""Days of history the forecast model is fitted on (the default of :func:`~analytics.forecast.forecast`)."""
FORECAST_DEFAULT_DAYS = 7
CONTEXT_DAYS = 7
"""Measured days shown before the forecast in its chart."""
GAP_DEFAULT_DAYS = 56
MAX_GAP_DAYS = 366


class DayRole:
    """How a day enters the before/after comparison (values of the JSON field ``role``)."""

    BEFORE = "before"
    AFTER = "after"
    TRANSITION = "transition"
    EXCLUDED = "excluded"
    NO_CONTROL = "no_control"
    INVALID = "invalid"


@contextmanager
def as_bad_request() -> Iterator[None]:
    """The analytics refuse unusable input with InvalidInput (422); for a query that is a 400."""
    try:
        yield
    except InvalidInput as exc:
        raise BadRequest(exc.message) from None


# --- site, mode and series -------------------------------------------------------------------------------------


def site_modes(site: Site) -> list[Mode]:
    """Counted modes: motor vehicles (also from pkw + sv), bicycles, pedestrians, heavy vehicles, cars."""
    return [m for m in MODE_ORDER if (site.motor_vehicle_streams() if m == Mode.MOTOR_VEHICLE else site.counts(m))]


def mode_groups(site: Site, mode: Mode) -> list[list[StreamRole]]:
    """The streams whose sum is ``mode`` over all directions (motor vehicles: kfz, else pkw + sv per direction)."""
    return site.motor_vehicle_streams() if mode == Mode.MOTOR_VEHICLE else [[r] for r in site.counts(mode)]


def mode_stream_ids(site: Site, mode: Mode) -> list[int]:
    return [r.datastream_id for group in mode_groups(site, mode) for r in group]


def parse_mode(raw: str | None, site: Site) -> Mode:
    """``modus`` of the query; empty means the site's main mode (motor vehicles, else bicycles, …)."""
    counted = site_modes(site)
    if not counted:
        raise BadRequest(f"An {site_phrase(site)} werden keine Zählwerte erfasst. / The site has no count streams.")
    if raw is None or not raw.strip():
        return counted[0]
    try:
        mode = Mode(raw.strip().lower())
    except ValueError:
        raise BadRequest(
            f"Unbekannte Verkehrsart „{raw.strip()[:20]}“; möglich sind {', '.join(m.value for m in Mode)}. "
            "/ Unknown mode."
        ) from None
    if mode not in counted:
        raise BadRequest(
            f"An {site_phrase(site)} wird {MODE_LABELS[mode]} nicht gezählt; gezählt werden "
            f"{', '.join(MODE_LABELS[m] for m in counted)}. / This mode is not counted at the site."
        )
    return mode


def _bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return reports.period_bounds(Period(first, last))


def load_series(
    session: Session, principal: Principal, site: Site, mode: Mode, first: dt.date, last: dt.date
) -> CountSeries:
    """Complete clock hours of ``mode`` over all directions, local days ``first``..``last``, through the rights.

    An hour counts only when every stream of the cross-section has it; a stream without any value in the
    period leaves the whole cross-section empty (a sum of some directions is no total).
    """
    ids = mode_stream_ids(site, mode)
    start, end = _bounds(first, last)
    found = series.hourly(session, principal, ids, start, end)
    if not ids or any(i not in found for i in ids):
        return CountSeries(np.zeros(0, dtype=np.int64), np.zeros(0), HOUR)
    return kpi.combine([found[i] for i in ids])


def on_grid(counts: CountSeries, first: dt.date, last: dt.date) -> CountSeries:
    """The series on every hour of the local days ``first``..``last``; NaN where nothing was measured."""
    start, end = _bounds(first, last)
    epochs = np.arange(int(start.timestamp()), int(end.timestamp()), HOUR, dtype=np.int64)
    values = np.full(epochs.size, np.nan)
    inside = (counts.start >= epochs[0]) & (counts.start <= epochs[-1]) if epochs.size else counts.start < 0
    values[(counts.start[inside] - epochs[0]) // HOUR] = counts.values[inside]
    return CountSeries(epochs, values, HOUR)


def site_phrase(site: Site) -> str:
    """The site in the dative for German sentences; many site names begin with "Zählstelle" already."""
    name = site.name.strip()
    return f"der {name}" if name.lower().startswith("zählstelle") else f"der Zählstelle {name}"


@dataclass(frozen=True)
class Subject:
    """The site, the chosen mode and the days with data of that mode."""

    entry: SiteEntry
    modes: list[Mode]
    mode: Mode
    extent: DataExtent

    @property
    def site(self) -> Site:
        return self.entry.site

    @property
    def mode_label(self) -> str:
        return MODE_LABELS[self.mode]


def subject(session: Session, principal: Principal, thing_id: int, modus: str | None) -> Subject:
    entry = reports.site_entry(session, principal, thing_id)
    mode = parse_mode(modus, entry.site)
    extent = reports.data_extent(session, principal, mode_stream_ids(entry.site, mode))
    return Subject(entry, site_modes(entry.site), mode, extent)


def _require_data(subj: Subject) -> tuple[dt.date, dt.date]:
    if subj.extent.first is None or subj.extent.last is None:
        raise BadRequest(
            f"Für {subj.mode_label} liegen an {site_phrase(subj.site)} keine Zählwerte vor. "
            "/ No counts for this mode at the site."
        )
    return subj.extent.first, subj.extent.last


def _check_period(first: dt.date, last: dt.date, limit: int = reports.MAX_PERIOD_DAYS) -> Period:
    if last < first:
        raise BadRequest("Das Ende des Zeitraums („bis“) liegt vor dem Anfang („von“). / Period ends before it starts.")
    if (last - first).days + 1 > limit:
        raise BadRequest(
            f"Der Zeitraum darf höchstens {limit} Tage umfassen. / The period may span at most {limit} days."
        )
    return Period(first, last)


def parse_int(raw: str | None, name: str, *, default: int, low: int, high: int) -> int:
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise BadRequest(
            f"„{name}“ muss eine ganze Zahl sein: {raw.strip()[:20]!r}. / '{name}' must be a whole number."
        ) from None
    if not low <= value <= high:
        raise BadRequest(f"„{name}“ muss zwischen {low} und {high} liegen. / '{name}' must be in {low}…{high}.")
    return value


# --- before/after -------------------------------------------------------------------------------------------------


def parse_days(raw: str | None) -> list[dt.date]:
    """Dates and ranges to leave out: ``2025-05-01, 2025-05-10..2025-05-12`` (commas, semicolons or spaces)."""
    if raw is None or not raw.strip():
        return []
    items = [item for item in re.split(r"[,;\s]+", raw.strip()) if item]
    if len(items) > MAX_EXCLUDED_ITEMS:
        raise BadRequest(
            f"Höchstens {MAX_EXCLUDED_ITEMS} Angaben für auszuschließende Tage. / At most {MAX_EXCLUDED_ITEMS} items."
        )
    days: set[dt.date] = set()
    for item in items:
        first_text, _, last_text = item.partition("..")
        first = parse_date(first_text, "ausschluss_daten")
        last = parse_date(last_text, "ausschluss_daten") if last_text else first
        if first is None or last is None:
            raise BadRequest(
                f"„ausschluss_daten“: {item[:30]!r} ist kein Datum oder Zeitraum (JJJJ-MM-TT oder "
                "JJJJ-MM-TT..JJJJ-MM-TT). / Not a date or range."
            )
        _check_period(first, last, limit=366)
        days.update(first + dt.timedelta(days=i) for i in range((last - first).days + 1))
    return sorted(days)


@dataclass(frozen=True)
class DayPoint:
    date: dt.date
    total: float | None
    """Daily total (hours extrapolated to the day when at least 90 % were measured); None when invalid."""
    role: str


@dataclass
class BeforeAfterView:
    subject: Subject
    period: Period
    measure_date: dt.date
    transition_days: int
    excluded: list[dt.date]
    control: SiteEntry | None
    result: BeforeAfterResult
    days: list[DayPoint]
    control_days: list[DayPoint] = field(default_factory=list)


def control_candidates(session: Session, principal: Principal, entry: SiteEntry, mode: Mode) -> list[SiteEntry]:
    """Visible sites other than ``entry`` that count ``mode``: the choices for a control site."""
    return [
        e for e in reports.site_entries(session, principal) if e.site.id != entry.site.id and mode in site_modes(e.site)
    ]


def _control(session: Session, principal: Principal, raw: str | None, subj: Subject) -> SiteEntry | None:
    if raw is None or not raw.strip():
        return None
    control_id = parse_int(raw, "kontrolle", default=0, low=1, high=2**31 - 1)
    if control_id == subj.site.id:
        raise BadRequest(
            "Die Vergleichszählstelle muss eine andere Zählstelle sein. / The control must be another site."
        )
    try:
        entry = reports.site_entry(session, principal, control_id)
    except NotFound:
        raise NotFound("Vergleichszählstelle nicht gefunden. / Control site not found.") from None
    if subj.mode not in site_modes(entry.site):
        raise BadRequest(
            f"Die gewählte Vergleichszählstelle ({entry.site.name}) zählt kein(e) {subj.mode_label}. "
            "/ The control site does not count this mode."
        )
    return entry


def _day_points(
    counts: CountSeries,
    measure: dt.date,
    transition_days: int,
    excluded: set[dt.date],
    control_valid: set[dt.date] | None,
) -> list[DayPoint]:
    days = kpi.daily_totals(counts)
    start_after = measure + dt.timedelta(days=transition_days)
    out = []
    for day, total, ok in zip(days.dates, days.totals, days.valid, strict=True):
        value = float(total) if ok and float(total) > 0 else None
        if value is None:
            role = DayRole.INVALID
        elif day in excluded:
            role = DayRole.EXCLUDED
        elif measure <= day < start_after:
            role = DayRole.TRANSITION
        elif control_valid is not None and day not in control_valid:
            role = DayRole.NO_CONTROL
        else:
            role = DayRole.BEFORE if day < measure else DayRole.AFTER
        out.append(DayPoint(day, value, role))
    return out


def before_after(
    session: Session,
    principal: Principal,
    thing_id: int,
    *,
    massnahme: str | None,
    modus: str | None = None,
    kontrolle: str | None = None,
    von: str | None = None,
    bis: str | None = None,
    ausschluss_tage: str | None = None,
    ausschluss_daten: str | None = None,
) -> BeforeAfterView:
    """Effect of a measure from ``massnahme`` on, by default over up to a year before and after it."""
    subj = subject(session, principal, thing_id, modus)
    measure = parse_date(massnahme, "massnahme")
    if measure is None:
        raise BadRequest(
            "Bitte das Datum der Maßnahme angeben (massnahme=JJJJ-MM-TT). / The date of the measure is required."
        )
    data_first, data_last = _require_data(subj)
    first = parse_date(von, "von") or max(data_first, measure - dt.timedelta(days=SIDE_DAYS))
    last = parse_date(bis, "bis") or min(data_last, measure + dt.timedelta(days=SIDE_DAYS))
    period = _check_period(first, last)
    if not period.first < measure <= period.last:
        raise BadRequest(
            f"Das Datum der Maßnahme ({measure:%d.%m.%Y}) muss nach dem Beginn und spätestens am Ende des "
            f"Auswertungszeitraums liegen ({period.first:%d.%m.%Y}–{period.last:%d.%m.%Y}). "
            "/ The measure must lie within the period."
        )
    transition = parse_int(ausschluss_tage, "ausschluss_tage", default=0, low=0, high=MAX_TRANSITION_DAYS)
    excluded = parse_days(ausschluss_daten)
    control = _control(session, principal, kontrolle, subj)
    counts = load_series(session, principal, subj.site, subj.mode, period.first, period.last)
    if not counts.present.any():
        raise BadRequest(
            f"Im Zeitraum {period.first:%d.%m.%Y}–{period.last:%d.%m.%Y} gibt es an {site_phrase(subj.site)} keine "
            "vollständig gemessenen Stunden. / No complete hours in the period."
        )
    control_counts = None
    control_valid: set[dt.date] | None = None
    control_days: list[DayPoint] = []
    if control is not None:
        control_counts = load_series(session, principal, control.site, subj.mode, period.first, period.last)
        if not control_counts.present.any():
            raise BadRequest(
                f"Die gewählte Vergleichszählstelle ({control.site.name}) hat im Zeitraum keine vollständig gemessenen "
                "Stunden. / The control site has no data in the period."
            )
        control_days = _day_points(control_counts, measure, transition, set(excluded), None)
        control_valid = {d.date for d in control_days if d.total is not None}
    with as_bad_request():
        result = compare(
            counts,
            measure,
            exclude_days=excluded,
            control=control_counts,
            transition_days=transition,
            location=site_phrase(subj.site),
        )
    days = _day_points(counts, measure, transition, set(excluded), control_valid)
    return BeforeAfterView(subj, period, measure, transition, excluded, control, result, days, control_days)


# --- forecast -----------------------------------------------------------------------------------------------------


@dataclass
class ForecastView:
    subject: Subject
    data_until: dt.date
    """Last local day whose counts the forecast may use."""
    days: int
    forecast: Forecast
    backtest: BacktestResult | None
    backtest_error: str | None
    recent: CountSeries
    """Measured hours shortly before the forecast start (context for the chart)."""
    actual: CountSeries | None
    """Counted hours of the forecast horizon, when the data goes on after ``data_until`` (a look back)."""


@dataclass(frozen=True)
class ForecastInput:
    subject: Subject
    data_until: dt.date
    days: int
    history: CountSeries
    actual: CountSeries | None


def forecast_input(
    session: Session,
    principal: Principal,
    thing_id: int,
    *,
    modus: str | None = None,
    tage: str | None = None,
    bis: str | None = None,
) -> ForecastInput:
    """The history up to ``bis`` (default: the last day with data) and, if counted, what followed."""
    subj = subject(session, principal, thing_id, modus)
    days = parse_int(tage, "tage", default=FORECAST_DEFAULT_DAYS, low=1, high=MAX_DAYS)
    data_first, data_last = _require_data(subj)
    until = min(parse_date(bis, "bis") or data_last, data_last)
    if until < data_first:
        raise BadRequest(
            f"Vor dem {data_first:%d.%m.%Y} liegen keine Zählwerte vor. / No counts before {data_first.isoformat()}."
        )
    start = max(data_first, until - dt.timedelta(days=FORECAST_HISTORY_DAYS + CONTEXT_DAYS))
    history = load_series(session, principal, subj.site, subj.mode, start, until)
    if not history.present.any():
        raise BadRequest(
            "Im Vorlauf der Prognose gibt es keine vollständig gemessenen Stunden. / No complete hours before the "
            "forecast."
        )
    actual = None
    if until < data_last:
        actual = load_series(
            session, principal, subj.site, subj.mode, until + dt.timedelta(days=1), until + dt.timedelta(days=days)
        )
    return ForecastInput(subj, until, days, history, actual)


def run_forecast(data: ForecastInput, resolution: Resolution) -> ForecastView:
    horizon = data.days * 24 if resolution == "hour" else data.days
    with as_bad_request():
        result = forecast(data.history, horizon=horizon, resolution=resolution)
    quality: BacktestResult | None = None
    error = None
    try:
        quality = backtest(data.history, horizon=horizon, resolution=resolution)
    except InvalidInput as exc:  # the forecast stands; only its check lacks history
        error = exc.message
    begin = int(result.points[0].start.timestamp())
    context = (data.history.start >= begin - CONTEXT_DAYS * 86400) & (data.history.start < begin)
    recent = CountSeries(data.history.start[context], data.history.values[context], data.history.step)
    return ForecastView(data.subject, data.data_until, data.days, result, quality, error, recent, data.actual)


def site_forecast(
    session: Session,
    principal: Principal,
    thing_id: int,
    *,
    modus: str | None = None,
    tage: str | None = None,
    bis: str | None = None,
    resolution: Resolution = "hour",
) -> ForecastView:
    data = forecast_input(session, principal, thing_id, modus=modus, tage=tage, bis=bis)
    return run_forecast(data, resolution)


def parse_resolution(raw: str | None) -> Resolution:
    value = (raw or "stunde").strip().lower()
    if value in ("stunde", "hour", "h"):
        return "hour"
    if value in ("tag", "day", "d"):
        return "day"
    raise BadRequest("„aufloesung“ muss „stunde“ oder „tag“ sein. / 'aufloesung' must be 'stunde' or 'tag'.")


# --- gap filling --------------------------------------------------------------------------------------------------


@dataclass
class GapView:
    subject: Subject
    period: Period
    requested: Period
    result: GapFillResult
    hours: int
    measured: int
    filled: int
    missing: int
    """Hours still without a value (gaps longer than the method fills)."""


def gap_fill(
    session: Session,
    principal: Principal,
    thing_id: int,
    *,
    modus: str | None = None,
    von: str | None = None,
    bis: str | None = None,
) -> GapView:
    """Fill the hourly gaps of the period (default: the last eight weeks with data) with prediction intervals."""
    subj = subject(session, principal, thing_id, modus)
    data_first, data_last = _require_data(subj)
    default = Period(max(data_first, data_last - dt.timedelta(days=GAP_DEFAULT_DAYS - 1)), data_last)
    asked = reports.parse_period(von, bis, default)
    requested = _check_period(asked.first, asked.last, MAX_GAP_DAYS)
    period = Period(max(requested.first, data_first), min(requested.last, data_last))
    if period.last < period.first:
        raise BadRequest(
            f"Im Zeitraum liegen keine Zählwerte; Daten gibt es vom {data_first:%d.%m.%Y} bis {data_last:%d.%m.%Y}. "
            "/ No counts in the period."
        )
    loaded = load_series(session, principal, subj.site, subj.mode, period.first, period.last)
    counts = on_grid(loaded, period.first, period.last)
    with as_bad_request():
        result = fill_gaps(counts)
    measured = int((~np.isnan(result.series.values) & ~result.filled).sum())
    filled = int(result.filled.sum())
    hours = int(result.series.values.size)
    return GapView(subj, period, requested, result, hours, measured, filled, hours - measured - filled)


# --- incidents ----------------------------------------------------------------------------------------------------


@dataclass
class IncidentView:
    subject: Subject
    period: Period
    report: IncidentReport


def incidents(
    session: Session,
    principal: Principal,
    thing_id: int,
    *,
    modus: str | None = None,
    von: str | None = None,
    bis: str | None = None,
) -> IncidentView:
    """Outages and anomalies of the mode's hourly series; the default period is the site page's."""
    subj = subject(session, principal, thing_id, modus)
    period = reports.parse_period(von, bis, reports.default_period(subj.extent))
    counts = load_series(session, principal, subj.site, subj.mode, period.first, period.last)
    with as_bad_request():
        report = check_series(counts, period=_bounds(period.first, period.last))
    return IncidentView(subj, period, report)
