"""The demo's counting sites and the seeded model of their 15-minute counts over 2025 (ground truth in docs/demo.md).

An interval's expected count is ``level × day factor × intraday shape / 96 × event factor``:

* **level**: a site's working-day total per direction for one component (light vehicles, heavy vehicles, bikes,
  pedestrians), at season factor 1;
* **day factor**: day type (public holidays in Hessen count as Sundays, heavy vehicles keep the Sunday ban),
  weekday, school holidays, the days between Christmas and New Year, season (bikes far lower in winter),
  the city's weather of the day (rain keeps bikes and walkers at home) and a log-normal day-to-day variation;
* **intraday shape**: commuter peaks on working days (the inbound direction carries the morning peak), a broad
  midday hump on Saturdays and an afternoon hump on Sundays; leisure sites peak on weekend afternoons;
* **events**: the construction site, its diversion, the new bike lane and the device outage (no values at all).

Light and heavy vehicles are drawn from Poisson distributions (a Kfz stream is their sum, so SV never exceeds
Kfz), bikes and pedestrians from a negative binomial (groups). Telraam values are extrapolated by the device's
uptime, so they are fractional, like real Telraam exports. Every draw is seeded by city and site, and the year
is always generated whole and then cut, so a loaded period has the same values as the year.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from kikz.sensors.analytics.timegrid import local_midnight, local_offsets
from kikz.sensors.calendar import HESSE, DayType
from kikz.sensors.kpi import BERLIN, FloatArray, IntArray
from kikz.sensors.traffic import Mode, Quantity

FIRST_DAY = dt.date(2025, 1, 1)
LAST_DAY = dt.date(2025, 12, 31)
DAYS = (LAST_DAY - FIRST_DAY).days + 1
STEP = 900

LIGHT, HEAVY, BIKE, WALK = "light", "heavy", "bike", "walk"
"""Model components: a Kfz stream is light + heavy, a Pkw stream light, an SV stream heavy."""
COMPONENTS: dict[Mode, tuple[str, ...]] = {
    Mode.MOTOR_VEHICLE: (LIGHT, HEAVY),
    Mode.CAR: (LIGHT,),
    Mode.HEAVY: (HEAVY,),
    Mode.BICYCLE: (BIKE,),
    Mode.PEDESTRIAN: (WALK,),
}


# --- sites --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SensorKind:
    key: str
    name: str
    description: str
    metadata: str
    fractional: bool = False
    """Counts extrapolated by uptime (Telraam), so not whole numbers."""


LOOP = SensorKind(
    "schleife",
    "Induktionsschleifen-Zählgerät (8+1 Fahrzeugklassen)",
    "Dauerzählstelle mit Doppel-Induktionsschleifen je Fahrstreifen; Klassifizierung nach TLS 8+1, Schwerverkehr "
    "sind Fahrzeuge über 3,5 t (Lkw, Lastzüge, Sattelzüge, Busse).",
    "https://www.bast.de",
)
BIKE_COUNTER = SensorKind(
    "eco-zelt",
    "Eco-Counter ZELT (Induktionsschleifen im Radweg)",
    "Radverkehrszählstelle mit Induktionsschleifen im Radweg, je Richtung ein Kanal.",
    "https://www.eco-counter.com",
)
MULTI_COUNTER = SensorKind(
    "eco-multi",
    "Eco-Counter MULTI (Rad und Fuß)",
    "Kombinierte Zählstelle: Induktionsschleife für Fahrräder je Richtung, Pyroelektrik-Sensor für zu Fuß Gehende.",
    "https://www.eco-counter.com",
)
TELRAAM = SensorKind(
    "telraam",
    "Telraam S2",
    "KI-Kamera am Fenster einer Anwohnerin; zählt Pkw, Schwerverkehr, Rad und Fuß und meldet die v85. Die Werte "
    "sind auf die Verfügbarkeit (uptime) hochgerechnet; Bilder verlassen das Gerät nicht.",
    "https://telraam.net",
    fractional=True,
)


@dataclass(frozen=True)
class StreamSpec:
    mode: Mode
    direction: str = "gesamt"
    peak: float = 1.0
    """Weight of the morning peak (the evening peak gets its inverse): > 1 inbound, < 1 outbound."""
    quantity: Quantity = Quantity.COUNT

    @property
    def key(self) -> str:
        return f"{self.mode.value}-{self.quantity.value}-{self.direction.lower()}"


@dataclass(frozen=True)
class SiteSpec:
    number: str
    name: str
    lat: float
    lon: float
    sensor: SensorKind
    levels: dict[str, float]
    """Working-day count per direction and component at season factor 1."""
    streams: tuple[StreamSpec, ...]
    since: dt.date
    description: str
    leisure: bool = False
    limit: int = 50


def _road(
    number: str,
    name: str,
    lat: float,
    lon: float,
    *,
    light: float,
    heavy: float,
    directions: tuple[str, str] = ("stadteinwärts", "stadtauswärts"),
    peak: float = 1.3,
    since: dt.date,
    description: str,
) -> SiteSpec:
    """A main road with an induction-loop counter: Kfz and Schwerverkehr per direction."""
    inbound, outbound = directions
    streams = tuple(
        StreamSpec(mode, d, p)
        for d, p in ((inbound, peak), (outbound, 1 / peak))
        for mode in (Mode.MOTOR_VEHICLE, Mode.HEAVY)
    )
    return SiteSpec(number, name, lat, lon, LOOP, {LIGHT: light, HEAVY: heavy}, streams, since, description)


def _bikes(
    number: str,
    name: str,
    lat: float,
    lon: float,
    *,
    bike: float,
    walk: float = 0.0,
    directions: tuple[str, str] = ("stadteinwärts", "stadtauswärts"),
    peak: float = 1.25,
    leisure: bool = False,
    since: dt.date,
    description: str,
) -> SiteSpec:
    """A bike counter (Eco-Counter), with a pedestrian channel when ``walk`` is given."""
    streams = [StreamSpec(Mode.BICYCLE, directions[0], peak), StreamSpec(Mode.BICYCLE, directions[1], 1 / peak)]
    levels = {BIKE: bike}
    if walk:
        streams.append(StreamSpec(Mode.PEDESTRIAN))
        levels[WALK] = walk
    sensor = MULTI_COUNTER if walk else BIKE_COUNTER
    return SiteSpec(number, name, lat, lon, sensor, levels, tuple(streams), since, description, leisure)


D = dt.date
# fmt: off
NETWORKS: dict[str, tuple[SiteSpec, ...]] = {
    "offenbach": (
        _road("OF-01", "Berliner Straße (Kaiserstraße)", 50.10365, 8.76105, light=11_600, heavy=420,
              directions=("West", "Ost"), peak=1.25, since=D(2016, 3, 1),
              description="Innerstädtische Hauptverkehrsstraße in Ost-West-Richtung westlich der Kaiserstraße."),
        _bikes("OF-02", "Kaiserstraße", 50.10150, 8.76190, bike=820, directions=("Nord", "Süd"), peak=1.2,
               since=D(2019, 4, 1),
               description="Radverkehrszählstelle zwischen Hauptbahnhof und Marktplatz; seit 2. Juni 2025 mit "
                           "geschütztem Radfahrstreifen."),
        _bikes("OF-03", "Mainuferweg Hafen", 50.11140, 8.75560, bike=520, walk=680, directions=("Ost", "West"),
               peak=1.0, leisure=True, since=D(2021, 5, 1),
               description="Freizeit- und Pendelweg am Mainufer am Hafen Offenbach, Rad- und Fußverkehr."),
        SiteSpec(
            "OF-04", "Bieberer Straße", 50.10040, 8.78020, TELRAAM, {LIGHT: 3_900, HEAVY: 95, BIKE: 260, WALK: 520},
            (
                StreamSpec(Mode.CAR, "stadteinwärts", 1.3), StreamSpec(Mode.HEAVY, "stadteinwärts", 1.3),
                StreamSpec(Mode.CAR, "stadtauswärts", 1 / 1.3), StreamSpec(Mode.HEAVY, "stadtauswärts", 1 / 1.3),
                StreamSpec(Mode.BICYCLE), StreamSpec(Mode.PEDESTRIAN),
                StreamSpec(Mode.MOTOR_VEHICLE, quantity=Quantity.V85),
            ),
            D(2023, 9, 15), "Telraam-Zählpunkt einer Anwohnerin an der Bieberer Straße (Tempo 50), mit v85.",
        ),
    ),
    "giessen": (
        _road("GI-01", "Westanlage", 50.58580, 8.67010, light=15_200, heavy=760, directions=("Nord", "Süd"),
              peak=1.1, since=D(2014, 6, 1),
              description="Anlagenring am Neustädter Tor, meistbelastete Zählstelle der Stadt."),
        _road("GI-02", "Frankfurter Straße", 50.57560, 8.66840, light=8_300, heavy=530, since=D(2017, 10, 1),
              description="Einfallstraße aus Richtung Kleinlinden; Kanalsanierung vom 4. August bis "
                          "26. September 2025."),
        _bikes("GI-03", "Wieseckaue", 50.59250, 8.69050, bike=640, walk=820, directions=("Ost", "West"), peak=1.0,
               leisure=True, since=D(2020, 4, 1),
               description="Rad- und Fußweg durch die Wieseckaue, stark vom Freizeitverkehr geprägt."),
        _bikes("GI-04", "Lahnbrücke Rodheimer Straße", 50.59050, 8.66150, bike=1_350, peak=1.3,
               since=D(2018, 5, 1), description="Radverkehr über die Lahn zwischen Innenstadt und Weststadt."),
    ),
    "wetzlar": (
        _road("WZ-01", "Karl-Kellner-Ring", 50.55800, 8.50300, light=13_300, heavy=690, directions=("Nord", "Süd"),
              peak=1.1, since=D(2015, 8, 1),
              description="Innenstadtring am Bahnhof; Ausfall des Zählgeräts vom 23. bis 26. April 2025."),
        _road("WZ-02", "Hermannsteiner Straße", 50.56600, 8.49600, light=7_700, heavy=760, since=D(2018, 2, 1),
              description="Verbindung zur Innenstadt aus Hermannstein mit hohem Lkw-Anteil (Gewerbe Dillfeld)."),
        _bikes("WZ-03", "Alte Lahnbrücke", 50.55280, 8.50180, bike=380, walk=1_900, directions=("Nord", "Süd"),
               peak=1.0, leisure=True, since=D(2022, 3, 1),
               description="Historische Brücke zur Altstadt; viel Fußverkehr von Gästen am Wochenende."),
    ),
    "fulda": (
        _road("FD-01", "Petersberger Straße", 50.55550, 9.69500, light=10_500, heavy=420, since=D(2016, 11, 1),
              description="Einfallstraße aus Richtung Petersberg östlich der Innenstadt."),
        _road("FD-02", "Frankfurter Straße", 50.54600, 9.67000, light=11_600, heavy=880, since=D(2015, 4, 1),
              description="Einfallstraße von der B 27 und der A 7 im Südwesten mit Lieferverkehr."),
        _bikes("FD-03", "Pacelliallee", 50.56000, 9.67450, bike=560, peak=1.3, since=D(2020, 9, 1),
               description="Radverbindung zur Hochschule Fulda, Pendel- und Studierendenverkehr."),
        _bikes("FD-04", "Fuldaaue Langebrückenstraße", 50.55600, 9.66600, bike=430, walk=610,
               directions=("Nord", "Süd"), peak=1.0, leisure=True, since=D(2021, 6, 1),
               description="Fulda-Radweg (R1) und Fußweg in der Aue, stark vom Freizeitverkehr geprägt."),
    ),
}
# fmt: on
SITES: dict[str, SiteSpec] = {s.number: s for sites in NETWORKS.values() for s in sites}


# --- events (the stories the analytics should find) ---------------------------------------------------------


@dataclass(frozen=True)
class Event:
    site: str
    kind: str  # "Ausfall", "Baustelle", "Umleitung", "Maßnahme"
    start: dt.datetime
    """Local wall-clock time (Europe/Berlin)."""
    end: dt.datetime | None
    """Exclusive; None: lasting."""
    factors: dict[str, float] = field(default_factory=dict)
    """Per component; an outage has none (no values at all)."""
    title: str = ""


T = dt.datetime
# fmt: off
EVENTS: tuple[Event, ...] = (
    Event("WZ-01", "Ausfall", T(2025, 4, 23, 10, 45), T(2025, 4, 26, 14, 30), {},
          "Kabelschaden nach Tiefbauarbeiten: Zählgerät Karl-Kellner-Ring liefert keine Werte"),
    Event("GI-02", "Baustelle", T(2025, 8, 4), T(2025, 9, 27), {LIGHT: 0.55, HEAVY: 0.35},
          "Kanalsanierung Frankfurter Straße: ein Fahrstreifen mit Baustellenampel, Lkw umgeleitet"),
    Event("GI-01", "Umleitung", T(2025, 8, 4), T(2025, 9, 27), {LIGHT: 1.15, HEAVY: 1.25},
          "Umleitungsverkehr der Baustelle Frankfurter Straße über den Anlagenring"),
    Event("OF-02", "Maßnahme", T(2025, 6, 2), None, {BIKE: 1.30},
          "Geschützter Radfahrstreifen Kaiserstraße eröffnet"),
)
# fmt: on


# --- the time grid and the calendar -------------------------------------------------------------------------


@dataclass(frozen=True)
class YearGrid:
    epochs: IntArray
    """UTC starts of every local quarter-hour of the year."""
    day: IntArray
    """Index into ``dates``."""
    hour: FloatArray
    """Local clock time of the interval's middle, in hours."""
    dates: tuple[dt.date, ...]
    kind: IntArray
    """Per day: 0 working day, 1 Saturday, 2 Sunday or public holiday."""
    weekday: IntArray
    school: FloatArray
    """Per day: 1.0 in Hessian school holidays."""
    season: FloatArray
    """Per day: 0 in mid-January … 1 in mid-July."""
    christmas: FloatArray
    """Per day: 1.0 from 24 to 31 December."""


KINDS = (DayType.WORKING_DAY, DayType.SATURDAY, DayType.SUNDAY_OR_HOLIDAY)


@lru_cache(maxsize=1)
def year_grid() -> YearGrid:
    epochs = np.arange(local_midnight(FIRST_DAY), local_midnight(LAST_DAY + dt.timedelta(days=1)), STEP)
    local = epochs + local_offsets(epochs)
    day = (local // 86400 - local[0] // 86400).astype(np.int64)
    hour = (local % 86400) / 3600 + STEP / 7200
    dates = tuple(FIRST_DAY + dt.timedelta(days=i) for i in range(DAYS))
    doy = np.arange(DAYS, dtype=np.float64)
    return YearGrid(
        epochs=epochs.astype(np.int64),
        day=day,
        hour=hour.astype(np.float64),
        dates=dates,
        kind=np.array([KINDS.index(HESSE.day_type(d)) for d in dates], dtype=np.int64),
        weekday=np.array([d.weekday() for d in dates], dtype=np.int64),
        school=np.array([float(HESSE.is_school_holiday(d)) for d in dates]),
        season=0.5 - 0.5 * np.cos(2 * np.pi * (doy - 14) / 365),
        christmas=np.array([float(d.month == 12 and d.day >= 24) for d in dates]),
    )


def window(values: FloatArray, first: dt.date, days: int) -> tuple[IntArray, FloatArray]:
    """The part of a year series from local midnight of ``first`` for ``days`` days."""
    grid = year_grid()
    lo = np.searchsorted(grid.epochs, local_midnight(first))
    hi = np.searchsorted(grid.epochs, local_midnight(first + dt.timedelta(days=days)))
    return grid.epochs[lo:hi], values[lo:hi]


# --- day factors ------------------------------------------------------------------------------------------------

DAY_TYPE = {  # working day, Saturday, Sunday/holiday
    LIGHT: (1.0, 0.80, 0.60),
    HEAVY: (1.0, 0.38, 0.10),  # Sonn- und Feiertagsfahrverbot for lorries
    BIKE: (1.0, 0.72, 0.62),
    WALK: (1.0, 0.95, 0.75),
}
LEISURE_DAY_TYPE = {BIKE: (1.0, 1.25, 1.55), WALK: (1.0, 1.35, 1.70)}
WEEKDAY = {LIGHT: (0.97, 1.0, 1.0, 1.01, 1.05), HEAVY: (1.0, 1.02, 1.02, 1.0, 0.93), BIKE: (1.0, 1.04, 1.03, 1.0, 0.9)}
SCHOOL = {LIGHT: 0.90, HEAVY: 0.97, BIKE: 0.82, WALK: 0.95}
LEISURE_SCHOOL = {BIKE: 1.08, WALK: 1.10}
CHRISTMAS = {LIGHT: 0.80, HEAVY: 0.55, BIKE: 0.75, WALK: 0.90}
SEASON = {LIGHT: (0.94, 0.08), HEAVY: (0.97, 0.04), BIKE: (0.40, 0.60), WALK: (0.78, 0.22)}
"""(winter floor, summer gain): factor = floor + gain × season."""
LEISURE_SEASON = {BIKE: (0.22, 0.78), WALK: (0.55, 0.45)}
RAIN = {LIGHT: 1.02, HEAVY: 1.0, BIKE: 0.55, WALK: 0.75}
LEISURE_RAIN = {BIKE: 0.40, WALK: 0.55}
DAY_NOISE = {LIGHT: 0.03, HEAVY: 0.07, BIKE: 0.08, WALK: 0.10}
GROUPS = 6.0
"""Negative-binomial shape for bikes and walkers: they come in groups, so the variance exceeds the mean."""


def _rng(*parts: str) -> np.random.Generator:
    digest = hashlib.sha256(":".join(("kikz-demo-sensors", *parts)).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


@lru_cache(maxsize=8)
def rain_days(city: str) -> FloatArray:
    """Per day 1.0 when it rains most of the day in the city (more such days in winter)."""
    grid = year_grid()
    return (_rng(city, "wetter").random(DAYS) < 0.40 - 0.15 * grid.season).astype(np.float64)


def day_factors(city: str, component: str, leisure: bool, rng: np.random.Generator) -> FloatArray:
    grid = year_grid()
    types = (LEISURE_DAY_TYPE if leisure else DAY_TYPE).get(component, DAY_TYPE[component])
    factor = np.array(types)[grid.kind]
    working = grid.kind == 0
    weekday = np.array((*WEEKDAY.get(component, (1.0,) * 5), 1.0, 1.0))[grid.weekday]
    factor = factor * np.where(working, weekday, 1.0)
    school = (LEISURE_SCHOOL if leisure else SCHOOL).get(component, SCHOOL[component])
    factor = factor * np.where(working & (grid.school > 0), school, 1.0)
    factor = factor * np.where((grid.kind < 2) & (grid.christmas > 0), CHRISTMAS[component], 1.0)
    floor, gain = (LEISURE_SEASON if leisure else SEASON).get(component, SEASON[component])
    factor = factor * (floor + gain * grid.season)
    rain = (LEISURE_RAIN if leisure else RAIN).get(component, RAIN[component])
    factor = factor * np.where(rain_days(city) > 0, rain, 1.0)
    return np.asarray(factor * np.exp(rng.normal(0.0, DAY_NOISE[component], DAYS)), dtype=np.float64)


# --- intraday shapes ----------------------------------------------------------------------------------------


def _bump(h: FloatArray, centre: float, width: float) -> FloatArray:
    return np.asarray(np.exp(-0.5 * ((h - centre) / width) ** 2), dtype=np.float64)


Shape = Callable[[FloatArray, float], FloatArray]
SHAPES: dict[tuple[str, int, bool], Shape] = {
    (LIGHT, 0, False): lambda h, p: (
        0.04
        + p * _bump(h, 7.5, 1.3)
        + _bump(h, 16.8, 1.9) / p
        + 0.75 * _bump(h, 12.5, 3.0)
        + 0.15 * _bump(h, 20.5, 1.5)
    ),
    (LIGHT, 1, False): lambda h, p: 0.06 + 0.85 * _bump(h, 12.5, 3.4) + 0.2 * _bump(h, 19.5, 2.2),
    (LIGHT, 2, False): lambda h, p: 0.07 + 0.7 * _bump(h, 15.0, 3.6),
    (HEAVY, 0, False): lambda h, p: 0.10 + 0.9 * _bump(h, 9.5, 3.2) + 0.3 * p * _bump(h, 5.5, 1.2),
    (HEAVY, 1, False): lambda h, p: 0.15 + 0.5 * _bump(h, 11.0, 4.0),
    (BIKE, 0, False): lambda h, p: (
        0.005
        + p * _bump(h, 7.6, 0.85)
        + 0.9 * _bump(h, 17.0, 1.4) / p
        + 0.45 * _bump(h, 12.8, 1.8)
        + 0.15 * _bump(h, 20.0, 2.0)
    ),
    (BIKE, 1, False): lambda h, p: 0.005 + _bump(h, 14.5, 2.8),
    (BIKE, 0, True): lambda h, p: (
        0.005 + 0.45 * p * _bump(h, 7.8, 0.9) + 0.55 * _bump(h, 17.3, 1.5) / p + 0.6 * _bump(h, 14.0, 3.0)
    ),
    (WALK, 0, False): lambda h, p: (
        0.01 + 0.4 * p * _bump(h, 8.0, 1.2) + _bump(h, 12.5, 2.5) + 0.8 * _bump(h, 17.3, 2.0)
    ),
    (WALK, 1, False): lambda h, p: 0.01 + _bump(h, 14.5, 3.0),
}
_QUARTER_MIDDLES = np.arange(96) / 4 + 0.125


def _shape(component: str, kind: int, leisure: bool) -> Shape:
    for key in ((component, kind, leisure), (component, kind, False), (component, min(kind, 1), False)):
        if key in SHAPES:
            return SHAPES[key]
    raise KeyError(component)


def intraday(component: str, leisure: bool, peak: float) -> FloatArray:
    """Per interval of the year the relative intensity (mean 1 over a day's quarter-hours) for its day type."""
    grid = year_grid()
    kind = grid.kind[grid.day]
    out = np.empty(grid.hour.size)
    for code in range(3):
        shape = _shape(component, code, leisure)
        inside = kind == code
        out[inside] = shape(grid.hour[inside], peak) / float(shape(_QUARTER_MIDDLES, peak).mean())
    return out


# --- one site's year ------------------------------------------------------------------------------------------


def _utc(local: dt.datetime) -> int:
    return int(local.replace(tzinfo=BERLIN).timestamp())


def _during(event: Event) -> np.ndarray:
    epochs = year_grid().epochs
    inside = epochs >= _utc(event.start)
    if event.end is not None:
        inside &= epochs < _utc(event.end)
    return np.asarray(inside)


@lru_cache(maxsize=8)
def site_year(city: str, number: str) -> dict[str, FloatArray]:
    """Per stream key the modelled values of 2025 (NaN: no value delivered). Read-only arrays, cached."""
    site = SITES[number]
    grid = year_grid()
    rng = _rng(city, number)
    events = [e for e in EVENTS if e.site == number]
    days = {c: day_factors(city, c, site.leisure, rng)[grid.day] for c in site.levels}
    uptime = 0.6 + 0.4 * rng.beta(5.0, 1.5, grid.epochs.size) if site.sensor.fractional else None
    drawn: dict[tuple[str, str], FloatArray] = {}
    expected_motor = np.zeros(grid.epochs.size)

    def component(name: str, stream: StreamSpec) -> FloatArray:
        key = (name, stream.direction)
        if key not in drawn:
            mean = site.levels[name] * days[name] * intraday(name, site.leisure, stream.peak) / 96
            for event in events:
                if name in event.factors:
                    mean = np.where(_during(event), mean * event.factors[name], mean)
            if name in (LIGHT, HEAVY):
                nonlocal expected_motor
                expected_motor = expected_motor + mean
            else:
                mean = mean * rng.gamma(GROUPS, 1 / GROUPS, mean.size)
            if uptime is not None:
                drawn[key] = np.round(rng.poisson(mean * uptime) / uptime, 2)
            else:
                drawn[key] = rng.poisson(mean).astype(np.float64)
        return drawn[key]

    out: dict[str, FloatArray] = {}
    for stream in site.streams:
        if stream.quantity == Quantity.COUNT:
            out[stream.key] = np.sum([component(c, stream) for c in COMPONENTS[stream.mode]], axis=0)
    for stream in site.streams:
        if stream.quantity == Quantity.V85:
            # free flow at night, slower when the street is busy; no vehicle, no v85
            load = expected_motor / expected_motor.max()
            speed = site.limit + 5.5 - 9.0 * load**1.3 + rng.normal(0.0, 1.6, load.size)
            vehicles = sum(v for (name, _d), v in drawn.items() if name in (LIGHT, HEAVY))
            out[stream.key] = np.where(np.asarray(vehicles) > 0, np.round(speed, 1), np.nan)
    for event in events:
        if event.kind == "Ausfall":
            for values in out.values():
                values[_during(event)] = np.nan
    for values in out.values():
        values.setflags(write=False)
    return out
