"""The Hessian traffic calendar: public holidays, school holidays and the day types KPIs group by.

Public holidays come from the maintained ``holidays`` package (``Germany(subdiv="HE")``), so new
years need no code change. School holidays are data: the periods below were written down from
the Hessian Kultusministerium's published Ferientermine (kultusministerium.hessen.de) without
network access while building this module. Operators must verify them and extend them for later
school years; a city supplies its own file through :func:`load_school_holidays`.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import holidays

from kikz.errors import InvalidInput

SCHOOL_HOLIDAY_SOURCE = (
    "Hessisches Kultusministerium, Ferientermine 2023/24–2026/27 (aus veröffentlichten Terminen "
    "übernommen; von Betreibern zu prüfen und fortzuschreiben)"
)


class DayType(enum.StrEnum):
    """Day classes used by German traffic counting practice (Werktag, Samstag, Sonn-/Feiertag)."""

    WORKING_DAY = "working_day"
    SATURDAY = "saturday"
    SUNDAY_OR_HOLIDAY = "sunday_or_holiday"


@dataclass(frozen=True, slots=True)
class SchoolHoliday:
    name: str
    first: dt.date
    last: dt.date
    """Inclusive: the last day without school."""


def _period(name: str, first: str, last: str) -> SchoolHoliday:
    return SchoolHoliday(name, dt.date.fromisoformat(first), dt.date.fromisoformat(last))


HESSE_SCHOOL_HOLIDAYS: tuple[SchoolHoliday, ...] = (
    _period("Herbstferien 2023", "2023-10-23", "2023-10-28"),
    _period("Weihnachtsferien 2023/24", "2023-12-27", "2024-01-13"),
    _period("Osterferien 2024", "2024-03-25", "2024-04-13"),
    _period("Sommerferien 2024", "2024-07-15", "2024-08-23"),
    _period("Herbstferien 2024", "2024-10-14", "2024-10-26"),
    _period("Weihnachtsferien 2024/25", "2024-12-23", "2025-01-11"),
    _period("Osterferien 2025", "2025-04-07", "2025-04-25"),
    _period("Sommerferien 2025", "2025-07-07", "2025-08-15"),
    _period("Herbstferien 2025", "2025-10-06", "2025-10-18"),
    _period("Weihnachtsferien 2025/26", "2025-12-22", "2026-01-10"),
    _period("Osterferien 2026", "2026-03-30", "2026-04-10"),
    _period("Sommerferien 2026", "2026-06-29", "2026-08-07"),
    _period("Herbstferien 2026", "2026-10-05", "2026-10-17"),
    _period("Weihnachtsferien 2026/27", "2026-12-23", "2027-01-12"),
    _period("Osterferien 2027", "2027-03-29", "2027-04-10"),
    _period("Sommerferien 2027", "2027-06-28", "2027-08-06"),
)


def load_school_holidays(path: Path) -> tuple[SchoolHoliday, ...]:
    """A city's own school-holiday file: JSON list of {"name", "first", "last"} (ISO dates, inclusive)."""
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"Die Ferien-Datei '{path.name}' ist nicht lesbar: {exc}") from exc
    if not isinstance(entries, list):
        raise InvalidInput("Die Ferien-Datei muss eine JSON-Liste von Zeiträumen sein.")
    periods = []
    for number, entry in enumerate(entries, start=1):
        try:
            period = _period(str(entry["name"]), str(entry["first"]), str(entry["last"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(
                f"Eintrag {number} der Ferien-Datei braucht 'name', 'first' und 'last' als ISO-Datum."
            ) from exc
        if period.last < period.first:
            raise InvalidInput(f"Eintrag {number} der Ferien-Datei endet vor seinem Beginn.")
        periods.append(period)
    return tuple(periods)


@lru_cache(maxsize=32)
def _public_holidays(year: int) -> Mapping[dt.date, str]:
    return dict(holidays.Germany(subdiv="HE", years=year, language="de").items())


class TrafficCalendar:
    """Answers per date: public holiday, school holiday, day type. Cheap to build, cached per year."""

    def __init__(self, school_holidays: Iterable[SchoolHoliday] = HESSE_SCHOOL_HOLIDAYS) -> None:
        self._school: set[dt.date] = set()
        for period in school_holidays:
            day = period.first
            while day <= period.last:
                self._school.add(day)
                day += dt.timedelta(days=1)

    def public_holiday(self, day: dt.date) -> str | None:
        """The holiday's name in Hessen, or None."""
        return _public_holidays(day.year).get(day)

    def is_school_holiday(self, day: dt.date) -> bool:
        return day in self._school

    def day_type(self, day: dt.date) -> DayType:
        if day.weekday() == 6 or self.public_holiday(day) is not None:
            return DayType.SUNDAY_OR_HOLIDAY
        if day.weekday() == 5:
            return DayType.SATURDAY
        return DayType.WORKING_DAY


HESSE = TrafficCalendar()
