"""Lesson "Schätzen, dann prüfen": how many cyclists pass a counter between 7 and 8 on a school morning?

Everything is read as an anonymous visitor (``ANONYMOUS``): only counters of public, published sensor networks
take part, whoever is logged in. The answer is the sum over the counter's bicycle streams of the complete clock
hour 07:00–08:00 local time (hour rollups) on the most recent school day with data: a working day (Mon–Fri,
no public holiday in Hessen) outside the Hessian school holidays. For the explanation the same hour is averaged
over school days, over working days in the school holidays and over weekends and public holidays of the last
``WINDOW_DAYS`` days with data.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from dataclasses import dataclass

from sqlalchemy.orm import Session

from kikz.errors import InvalidInput, NotFound
from kikz.sensors import reports
from kikz.sensors.calendar import HESSE, HESSE_SCHOOL_HOLIDAYS, DayType, TrafficCalendar
from kikz.sensors.kpi import BERLIN
from kikz.sensors.series import hourly
from kikz.sensors.traffic import Mode
from kikz.tenancy.permissions import ANONYMOUS

MORNING_HOUR = 7
WINDOW_DAYS = 365
MAX_GUESS = 100_000


@dataclass(frozen=True)
class BikeCounter:
    thing_id: int
    name: str
    city: str
    directions: tuple[str, ...]
    stream_ids: tuple[int, ...]

    @property
    def short_name(self) -> str:
        """The name without a leading "Zählstelle", for sentences that say "an der Zählstelle …" themselves."""
        return self.name.removeprefix("Zählstelle ").strip() or self.name


def bike_counters(session: Session) -> list[BikeCounter]:
    """Public counting sites that count bicycles, by city and name."""
    return [
        BikeCounter(
            e.site.id,
            e.site.name,
            e.city.name,
            tuple(dict.fromkeys(r.direction for r in e.site.counts(Mode.BICYCLE))),
            tuple(r.datastream_id for r in e.site.counts(Mode.BICYCLE)),
        )
        for e in reports.site_entries(session, ANONYMOUS)
        if e.site.counts(Mode.BICYCLE)
    ]


def bike_counter(session: Session, thing_id: int) -> BikeCounter:
    found = next((c for c in bike_counters(session) if c.thing_id == thing_id), None)
    if found is None:
        raise NotFound("Diese Radzählstelle gibt es nicht (öffentlich). / No such public bicycle counter.")
    return found


class DayKind(enum.StrEnum):
    SCHOOL = "school"
    HOLIDAY = "holiday"
    """A working day in the school holidays."""
    FREE = "free"
    """Saturday, Sunday or public holiday."""


@dataclass(frozen=True)
class Average:
    value: float | None
    days: int


@dataclass(frozen=True)
class MorningFacts:
    counter: BikeCounter
    day: dt.date
    """The school morning asked about."""
    count: int
    school: Average
    holiday: Average
    free: Average
    holiday_name: str | None
    """The most recent school holidays in the window (e.g. "Sommerferien 2025"), if any had data."""
    first: dt.date
    last: dt.date


def day_kind(day: dt.date, calendar: TrafficCalendar = HESSE) -> DayKind:
    if calendar.day_type(day) != DayType.WORKING_DAY:
        return DayKind.FREE
    return DayKind.HOLIDAY if calendar.is_school_holiday(day) else DayKind.SCHOOL


def _holiday_name(day: dt.date) -> str | None:
    return next((p.name for p in HESSE_SCHOOL_HOLIDAYS if p.first <= day <= p.last), None)


def morning_counts(session: Session, counter: BikeCounter, first: dt.date, last: dt.date) -> dict[dt.date, float]:
    """Per local day the cyclists counted 07:00–08:00, summed over directions (days missing a direction left out)."""
    start = dt.datetime.combine(first, dt.time(), BERLIN).astimezone(dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), BERLIN).astimezone(dt.UTC)
    series = hourly(session, ANONYMOUS, list(counter.stream_ids), start, end)
    if len(series) != len(counter.stream_ids):
        return {}
    per_stream = [
        {int(s): float(v) for s, v in zip(part.start, part.values, strict=True) if not math.isnan(v)}
        for part in series.values()
    ]
    out: dict[dt.date, float] = {}
    day = first
    while day <= last:
        moment = int(dt.datetime.combine(day, dt.time(MORNING_HOUR), BERLIN).timestamp())
        values = [stream.get(moment) for stream in per_stream]
        if all(v is not None for v in values):
            out[day] = sum(v for v in values if v is not None)
        day += dt.timedelta(days=1)
    return out


def _average(values: list[float]) -> Average:
    return Average(sum(values) / len(values) if values else None, len(values))


def school_morning(session: Session, thing_id: int, calendar: TrafficCalendar = HESSE) -> MorningFacts:
    counter = bike_counter(session, thing_id)
    extent = reports.data_extent(session, ANONYMOUS, list(counter.stream_ids))
    if extent.first is None or extent.last is None:
        raise InvalidInput("Für diese Zählstelle gibt es noch keine Zählwerte. / This counter has no data yet.")
    first = max(extent.first, extent.last - dt.timedelta(days=WINDOW_DAYS - 1))
    counts = morning_counts(session, counter, first, extent.last)
    kinds = {day: day_kind(day, calendar) for day in counts}
    school_days = sorted(day for day, kind in kinds.items() if kind == DayKind.SCHOOL)
    if not school_days:
        raise InvalidInput(
            "Für diese Zählstelle gibt es keinen Schultag mit vollständigen Werten zwischen 7 und 8 Uhr. "
            "/ No school day with complete data between 7 and 8 for this counter."
        )
    holidays = sorted(day for day, kind in kinds.items() if kind == DayKind.HOLIDAY)
    day = school_days[-1]
    return MorningFacts(
        counter=counter,
        day=day,
        count=round(counts[day]),
        school=_average([counts[d] for d in school_days]),
        holiday=_average([counts[d] for d in holidays]),
        free=_average([counts[d] for d, kind in kinds.items() if kind == DayKind.FREE]),
        holiday_name=_holiday_name(holidays[-1]) if holidays else None,
        first=first,
        last=extent.last,
    )


class Verdict(enum.StrEnum):
    EXACT = "exact"
    CLOSE = "close"
    TOO_LOW = "too_low"
    TOO_HIGH = "too_high"


@dataclass(frozen=True)
class GuessResult:
    guess: int
    actual: int
    verdict: Verdict
    difference: int
    """guess − actual"""
    percent: float | None
    """Deviation in percent of the real figure (None when the real figure is 0)."""


def judge(guess: int, actual: int) -> GuessResult:
    """Within 10 % counts as (almost) exact, within 25 % as close."""
    if guess < 0 or guess > MAX_GUESS:
        german = f"{MAX_GUESS:,}".replace(",", ".")
        raise InvalidInput(
            f"Bitte eine Zahl zwischen 0 und {german} schätzen. / Please guess a number from 0 to {MAX_GUESS:,}."
        )
    difference = guess - actual
    percent = difference / actual * 100 if actual else None
    share = abs(percent) if percent is not None else (0.0 if guess == 0 else math.inf)
    if share <= 10:
        verdict = Verdict.EXACT
    elif share <= 25:
        verdict = Verdict.CLOSE
    else:
        verdict = Verdict.TOO_HIGH if difference > 0 else Verdict.TOO_LOW
    return GuessResult(guess, actual, verdict, difference, percent)
