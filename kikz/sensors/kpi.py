"""Traffic KPIs (DTV, DTVw, DTVSV/pSV, Spitzenstunde, MSV30, v85, modal split) on plain numpy data.

A :class:`CountSeries` is one counted quantity (a direction, a vehicle class, a mode) at a fixed
resolution (15 or 60 minutes): interval starts as UTC epoch seconds and the counts, NaN or absent
meaning "not measured". Days are local days in Europe/Berlin, so the DST days have 23 and 25
hours (92 and 100 quarter-hours) and are judged against that length.

Completeness: a day is *valid* if at least ``min_completeness`` (default 90 %) of its intervals
were measured; the total of a valid but incomplete day is extrapolated by expected/present
intervals (counts are rates, and Telraam counts are extrapolated already). Every KPI reports the
valid days it used and a definition string, so a published figure says what it means.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from kikz.errors import InvalidInput
from kikz.sensors.calendar import HESSE, DayType, TrafficCalendar

BERLIN = ZoneInfo("Europe/Berlin")
MIN_COMPLETENESS = 0.9
"""Share of a day's intervals that must be present for the day to count (90 %)."""
EPOCH_DATE = _EPOCH = dt.date(1970, 1, 1)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class CountSeries:
    start: IntArray
    """Interval starts, UTC epoch seconds, strictly increasing, multiples of ``step``."""
    values: FloatArray
    step: int
    """Interval length in seconds (900 or 3600)."""

    def __post_init__(self) -> None:
        if self.step not in (900, 3600):
            raise InvalidInput("Zählreihen müssen 15-Minuten- oder Stundenwerte haben.")
        if self.start.shape != self.values.shape:
            raise InvalidInput("Zeitpunkte und Werte der Zählreihe sind unterschiedlich lang.")
        if self.start.size and (np.any(np.diff(self.start) <= 0) or np.any(self.start % self.step)):
            raise InvalidInput("Die Intervalle der Zählreihe sind nicht aufsteigend oder nicht am Raster ausgerichtet.")

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[dt.datetime, float | None]], *, step_minutes: int = 15) -> CountSeries:
        """From (timezone-aware interval start, count) pairs in any order; None is a missing value."""
        items: dict[int, float] = {}
        for when, value in pairs:
            if when.tzinfo is None:
                raise InvalidInput("Zeitpunkte einer Zählreihe brauchen eine Zeitzone.")
            items[int(when.timestamp())] = np.nan if value is None else float(value)
        keys = sorted(items)
        return cls(
            np.array(keys, dtype=np.int64), np.array([items[k] for k in keys], dtype=np.float64), step_minutes * 60
        )

    @property
    def present(self) -> BoolArray:
        return ~np.isnan(self.values)


@dataclass(frozen=True)
class KpiResult:
    name: str
    value: float | None
    """None when no valid day (or hour) was available."""
    unit: str
    valid_days: int
    definition: str
    details: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class DailyTotals:
    dates: list[dt.date]
    totals: FloatArray
    """Extrapolated daily totals; NaN for days that are not valid."""
    present: IntArray
    expected: IntArray
    valid: BoolArray


def combine(series: Sequence[CountSeries]) -> CountSeries:
    """Sum of several series (directions, classes); an interval is present only if present in all."""
    if not series:
        raise InvalidInput("Keine Zählreihe zum Zusammenfassen angegeben.")
    step = series[0].step
    if any(s.step != step for s in series):
        raise InvalidInput("Zählreihen mit unterschiedlicher Auflösung lassen sich nicht addieren.")
    starts = series[0].start
    for s in series[1:]:
        starts = np.union1d(starts, s.start)
    total = np.zeros(starts.size)
    for s in series:
        aligned = np.full(starts.size, np.nan)
        aligned[np.searchsorted(starts, s.start)] = s.values
        total += aligned  # NaN propagates: one missing direction makes the interval missing
    return CountSeries(starts.astype(np.int64), total, step)


def _offsets_at(epochs: IntArray, tz: ZoneInfo) -> IntArray:
    return np.array(
        [dt.datetime.fromtimestamp(int(t), tz).utcoffset().total_seconds() for t in epochs],  # type: ignore[union-attr]
        dtype=np.int64,
    )


def local_day_numbers(epochs: IntArray, tz: ZoneInfo) -> IntArray:
    # Offsets change at most once per UTC day and on a whole hour: look them up per day, and per
    # hour only on the few days where the offset at the day's start and end differ.
    days, inverse = np.unique(epochs // 86400, return_inverse=True)
    at_start = _offsets_at(days * 86400, tz)
    at_end = _offsets_at(days * 86400 + 86399, tz)
    offsets = at_start[inverse]
    for day in days[at_start != at_end]:
        inside = epochs // 86400 == day
        offsets[inside] = _offsets_at(epochs[inside] // 3600 * 3600, tz)
    return np.asarray((epochs + offsets) // 86400, dtype=np.int64)


def _day_seconds(day_number: int, tz: ZoneInfo) -> int:
    day = _EPOCH + dt.timedelta(days=day_number)
    begin = dt.datetime.combine(day, dt.time(), tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tz)
    return int(end.timestamp() - begin.timestamp())


def daily_totals(
    series: CountSeries, *, min_completeness: float = MIN_COMPLETENESS, tz: ZoneInfo = BERLIN
) -> DailyTotals:
    """Every local day from the first to the last measured one, with totals and validity."""
    mask = series.present
    if not mask.any():
        empty = np.zeros(0)
        return DailyTotals([], empty, empty.astype(np.int64), empty.astype(np.int64), empty.astype(bool))
    days = local_day_numbers(series.start[mask], tz)
    first = int(days.min())
    index = days - first
    width = int(index.max()) + 1
    sums = np.bincount(index, weights=series.values[mask], minlength=width)
    present = np.bincount(index, minlength=width).astype(np.int64)
    expected = np.array([_day_seconds(first + i, tz) // series.step for i in range(width)], dtype=np.int64)
    valid = present >= np.ceil(min_completeness * expected)
    with np.errstate(invalid="ignore", divide="ignore"):
        totals = np.where(valid, sums * expected / present, np.nan)
    dates = [_EPOCH + dt.timedelta(days=first + i) for i in range(width)]
    return DailyTotals(dates, totals, present, expected, valid)


def _mean_over(daily: DailyTotals, selected: BoolArray) -> tuple[float | None, int]:
    use = daily.valid & selected
    count = int(use.sum())
    return (float(daily.totals[use].mean()) if count else None), count


def _completeness_text(min_completeness: float) -> str:
    return (
        f"Tage mit mindestens {min_completeness:.0%} gemessenen Intervallen (Europe/Berlin-Ortstage, "
        "unvollständige Tage auf die Tageslänge hochgerechnet)"
    )


def _as_daily(series: CountSeries | DailyTotals, min_completeness: float) -> DailyTotals:
    """Day totals of a series, or the given ones (already judged, e.g. from the day rollups)."""
    if isinstance(series, DailyTotals):
        return series
    return daily_totals(series, min_completeness=min_completeness)


def dtv(
    series: CountSeries | DailyTotals, *, min_completeness: float = MIN_COMPLETENESS, name: str = "DTV"
) -> KpiResult:
    """Mean daily traffic over all valid days (all weekdays, holidays included)."""
    daily = _as_daily(series, min_completeness)
    value, days = _mean_over(daily, np.ones(len(daily.dates), dtype=bool))
    return dtv_result(value, days, min_completeness=min_completeness, name=name)


def dtv_result(
    value: float | None, valid_days: int, *, min_completeness: float = MIN_COMPLETENESS, name: str = "DTV"
) -> KpiResult:
    """A DTV figure with its definition (for means computed elsewhere, e.g. inside the database)."""
    definition = f"{name}: Mittel der Tagessummen über alle Tage; {_completeness_text(min_completeness)}."
    return KpiResult(name, value, "Fz/24h", valid_days, definition)


DtvwVariant = Literal["mo-fr", "mo-sa"]


def dtvw(
    series: CountSeries | DailyTotals,
    *,
    variant: DtvwVariant = "mo-fr",
    exclude_school_holidays: bool = False,
    calendar: TrafficCalendar = HESSE,
    min_completeness: float = MIN_COMPLETENESS,
) -> KpiResult:
    """Mean daily traffic on working days: Mon–Fri without Hessian public holidays (or the older Mon–Sat)."""
    daily = _as_daily(series, min_completeness)
    allowed = {DayType.WORKING_DAY, DayType.SATURDAY} if variant == "mo-sa" else {DayType.WORKING_DAY}
    selected = np.array(
        [
            calendar.day_type(d) in allowed and not (exclude_school_holidays and calendar.is_school_holiday(d))
            for d in daily.dates
        ],
        dtype=bool,
    )
    value, days = _mean_over(daily, selected)
    days_text = "Montag–Samstag" if variant == "mo-sa" else "Montag–Freitag"
    school = ", außerhalb der hessischen Schulferien" if exclude_school_holidays else ""
    definition = (
        f"DTVw: Mittel der Tagessummen an Werktagen {days_text} ohne gesetzliche Feiertage in Hessen{school}; "
        f"{_completeness_text(min_completeness)}."
    )
    return KpiResult("DTVw", value, "Fz/24h", days, definition, {"variant": variant})


def dtv_by_direction(
    directions: Mapping[str, CountSeries], *, min_completeness: float = MIN_COMPLETENESS
) -> dict[str, KpiResult]:
    """DTV per direction and for the cross-section (key "gesamt": intervals present in all directions)."""
    results = {key: dtv(s, min_completeness=min_completeness, name=f"DTV ({key})") for key, s in directions.items()}
    results["gesamt"] = dtv(combine(list(directions.values())), min_completeness=min_completeness)
    return results


def heavy_vehicle_share(
    total: CountSeries, heavy: CountSeries, *, min_completeness: float = MIN_COMPLETENESS
) -> tuple[KpiResult, KpiResult]:
    """(DTVSV, pSV) over the days valid in both series; ``total`` includes the heavy vehicles."""
    all_days = daily_totals(total, min_completeness=min_completeness)
    sv_days = daily_totals(heavy, min_completeness=min_completeness)
    common = sorted(set(all_days.dates) & set(sv_days.dates))
    pick_all = _select(all_days, common)
    pick_sv = _select(sv_days, common)
    use = all_days.valid[pick_all] & sv_days.valid[pick_sv]
    count = int(use.sum())
    text = _completeness_text(min_completeness)
    if not count:
        none = KpiResult("DTVSV", None, "Fz/24h", 0, f"DTVSV: Schwerverkehr je Tag; {text}.")
        return none, KpiResult("pSV", None, "%", 0, "pSV = DTVSV / DTV · 100.")
    dtv_sv = float(sv_days.totals[pick_sv][use].mean())
    dtv_all = float(all_days.totals[pick_all][use].mean())
    share = dtv_sv / dtv_all * 100 if dtv_all else None
    return (
        KpiResult("DTVSV", dtv_sv, "Fz/24h", count, f"DTVSV: Mittel der Schwerverkehr-Tagessummen (> 3,5 t); {text}."),
        KpiResult(
            "pSV",
            share,
            "%",
            count,
            "pSV = DTVSV / DTV · 100, beide über dieselben gültigen Tage.",
            {"dtv": dtv_all},
        ),
    )


def _select(daily: DailyTotals, dates: list[dt.date]) -> IntArray:
    position = {d: i for i, d in enumerate(daily.dates)}
    return np.array([position[d] for d in dates], dtype=np.int64)


def _grid(series: CountSeries) -> tuple[int, FloatArray]:
    """The series on a gap-free grid from its first to its last interval (NaN where missing)."""
    first = int(series.start[0])
    values = np.full((int(series.start[-1]) - first) // series.step + 1, np.nan)
    values[(series.start - first) // series.step] = series.values
    return first, values


def peak_hour(series: CountSeries, *, min_completeness: float = MIN_COMPLETENESS, tz: ZoneInfo = BERLIN) -> KpiResult:
    """Spitzenstunde: the highest sum of four consecutive quarter-hours (or the highest hour).

    The share q_SpH/DTV relates it to the DTV of the same series; ``details`` also holds the mean
    of the daily peak-hour shares over valid days.
    """
    if not series.present.any():
        return KpiResult("Spitzenstunde", None, "Fz/h", 0, "Keine Messwerte.")
    width = 3600 // series.step
    first, grid = _grid(series)
    if grid.size < width:
        return KpiResult("Spitzenstunde", None, "Fz/h", 0, "Zu wenige Intervalle für eine Stunde.")
    filled = np.nan_to_num(grid)
    sums = np.convolve(filled, np.ones(width), mode="valid")
    missing = np.convolve(np.isnan(grid).astype(np.int64), np.ones(width, dtype=np.int64), mode="valid")
    sums[missing > 0] = np.nan
    if np.isnan(sums).all():
        return KpiResult("Spitzenstunde", None, "Fz/h", 0, "Keine vollständige Stunde gemessen.")
    best = int(np.nanargmax(sums))
    begins = dt.datetime.fromtimestamp(first + best * series.step, tz)
    daily = daily_totals(series, min_completeness=min_completeness, tz=tz)
    base, days = _mean_over(daily, np.ones(len(daily.dates), dtype=bool))
    peak = float(sums[best])
    window_days = local_day_numbers(first + np.arange(sums.size, dtype=np.int64) * series.step, tz)
    day_peaks = np.full(len(daily.dates), -np.inf)
    ok = ~np.isnan(sums)
    first_day = (daily.dates[0] - _EPOCH).days
    np.maximum.at(day_peaks, window_days[ok] - first_day, sums[ok])
    valid = daily.valid & np.isfinite(day_peaks)
    daily_shares = day_peaks[valid] / daily.totals[valid] * 100
    label = "vier aufeinanderfolgende 15-Minuten-Intervalle" if width == 4 else "Stundenintervall"
    return KpiResult(
        "Spitzenstunde",
        peak,
        "Fz/h",
        days,
        f"Spitzenstunde q_SpH: höchste Summe über {label} im Zeitraum (gleitend); Anteil = q_SpH / DTV · 100.",
        {
            "begins": begins,
            "share_of_dtv": peak / base * 100 if base else None,
            "mean_daily_share": float(daily_shares.mean()) if daily_shares.size else None,
        },
    )


def msv(series: CountSeries, *, rank: int = 30) -> KpiResult:
    """MSV30: the 30th highest complete clock hour (design hour); a full year is the intended basis."""
    mask = series.present
    hours, inverse = np.unique(series.start[mask] // 3600, return_inverse=True)
    sums = np.bincount(inverse, weights=series.values[mask], minlength=hours.size)
    counts = np.bincount(inverse, minlength=hours.size)
    complete = np.sort(sums[counts == 3600 // series.step])[::-1]
    value = float(complete[rank - 1]) if complete.size >= rank else None
    days = int(np.unique(local_day_numbers(hours[counts == 3600 // series.step] * 3600, BERLIN)).size)
    return KpiResult(
        f"MSV{rank}",
        value,
        "Fz/h",
        days,
        f"MSV{rank}: {rank}.-höchste vollständig gemessene Uhrzeitstunde des Zeitraums (Bemessungsstunde).",
        {"complete_hours": int(complete.size)},
    )


def speed_percentile_from_samples(speeds: Iterable[float] | FloatArray, *, percentile: float = 85.0) -> KpiResult:
    """v85 from single-vehicle speeds: linearly interpolated percentile."""
    values = np.asarray(list(speeds) if not isinstance(speeds, np.ndarray) else speeds, dtype=np.float64)
    values = values[~np.isnan(values)]
    value = float(np.percentile(values, percentile, method="linear")) if values.size else None
    return KpiResult(
        f"v{percentile:g}",
        value,
        "km/h",
        0,
        f"v{percentile:g}: Geschwindigkeit, die {percentile:g} % der Fahrzeuge nicht überschreiten "
        "(Einzelwerte, linear interpoliertes Perzentil).",
        {"samples": int(values.size)},
    )


def speed_percentile_from_histogram(
    edges: Sequence[float], counts: Sequence[float], *, percentile: float = 85.0
) -> KpiResult:
    """v85 from a speed histogram; ``edges`` has one more entry than ``counts`` (last may be inf).

    Within a bin vehicles are assumed evenly spread; an open top bin is given the width of the
    bin below it.
    """
    bounds = np.asarray(edges, dtype=np.float64).copy()
    weights = np.asarray(counts, dtype=np.float64)
    if bounds.size != weights.size + 1 or weights.size == 0 or np.any(weights < 0):
        raise InvalidInput("Ein Geschwindigkeitshistogramm braucht n Klassen und n+1 Klassengrenzen.")
    if np.isinf(bounds[-1]):
        bounds[-1] = bounds[-2] + (bounds[-2] - bounds[-3] if bounds.size > 2 else 10.0)
    total = float(weights.sum())
    name = f"v{percentile:g}"
    definition = (
        f"{name}: Geschwindigkeit, die {percentile:g} % der Fahrzeuge nicht überschreiten, "
        "aus dem Histogramm linear innerhalb der Klasse interpoliert."
    )
    if total <= 0:
        return KpiResult(name, None, "km/h", 0, definition)
    cumulative = np.concatenate([[0.0], np.cumsum(weights)]) / total * 100
    value = float(np.interp(percentile, cumulative, bounds))
    return KpiResult(name, value, "km/h", 0, definition, {"vehicles": total})


def modal_split(modes: Mapping[str, CountSeries], *, min_completeness: float = MIN_COMPLETENESS) -> KpiResult:
    """Shares of the modes (e.g. Kfz, Rad, Fuß) in % of all counted, over days valid for every mode."""
    dailies = {key: daily_totals(s, min_completeness=min_completeness) for key, s in modes.items()}
    common = sorted(set.intersection(*(set(d.dates) for d in dailies.values()))) if dailies else []
    use = np.ones(len(common), dtype=bool)
    picks = {key: _select(d, common) for key, d in dailies.items()}
    for key, d in dailies.items():
        use &= d.valid[picks[key]]
    sums = {key: float(d.totals[picks[key]][use].sum()) for key, d in dailies.items()}
    overall = sum(sums.values())
    shares = {key: (v / overall * 100 if overall else None) for key, v in sums.items()}
    return KpiResult(
        "Modal Split",
        None,
        "%",
        int(use.sum()),
        "Modal Split: Anteil jeder Verkehrsart an der Summe aller gezählten Verkehrsteilnehmenden über "
        f"dieselben gültigen Tage; {_completeness_text(min_completeness)}.",
        {"shares": shares, "totals": sums},
    )
