"""Generated mobility tables: bicycle and motor-traffic counts, car parks, charging points, stops, signals."""

from __future__ import annotations

import datetime as dt
import math
import random

from kikz.demo import geo
from kikz.demo.cities import City
from kikz.demo.files import Table

YEAR = 2024
# Gesetzliche Feiertage in Hessen 2024: counted like Sundays in the traffic profiles.
HOLIDAYS_2024 = frozenset(
    dt.date(2024, m, d)
    for m, d in ((1, 1), (3, 29), (4, 1), (5, 1), (5, 9), (5, 20), (5, 30), (10, 3), (12, 25), (12, 26))
)
UTILITIES = {
    "offenbach": "EVO Energieversorgung Offenbach",
    "giessen": "Stadtwerke Gießen",
    "wetzlar": "enwag",
    "fulda": "RhönEnergie Fulda",
    "marburg": "Stadtwerke Marburg",
    "limburg": "Energieversorgung Limburg",
}


def _sunday_like(day: dt.date) -> bool:
    return day.weekday() == 6 or day in HOLIDAYS_2024


def _workday_profile(hour: int) -> float:
    """Two commuter peaks (7–8 and 16–17 o'clock) over a low night."""
    return (
        0.05
        + 1.0 * math.exp(-((hour - 7.6) ** 2) / 1.6)
        + 0.85 * math.exp(-((hour - 16.8) ** 2) / 3.0)
        + (0.35 if 9 <= hour <= 15 else 0.0)
    )


def _weekend_profile(hour: int) -> float:
    return 0.04 + 0.7 * math.exp(-((hour - 14.0) ** 2) / 10.0)


def _season(day: dt.date) -> float:
    return 1.0 + 0.45 * math.sin(2 * math.pi * (day.timetuple().tm_yday - 105) / 366)


def bike_counts(city: City, rng: random.Random, *, sites: int = 2) -> Table:
    """Hourly counts of a year at ``sites`` counting stations, both directions (Eco-Counter style)."""
    rows = []
    for site in city.bike_sites[:sites]:
        base = rng.uniform(90, 220)
        split = rng.uniform(0.45, 0.55)
        day = dt.date(YEAR, 1, 1)
        while day.year == YEAR:
            rain = 0.45 if rng.random() < 0.3 else 1.0
            weekend = day.weekday() >= 5 or _sunday_like(day)
            season = _season(day)
            for hour in range(24):
                shape = _weekend_profile(hour) if weekend else _workday_profile(hour)
                mean = base * shape * season * rain
                total = max(0, round(rng.gauss(mean, math.sqrt(mean + 1))))
                inbound = round(total * (split if hour < 12 else 1 - split))
                rows.append((site, dt.datetime.combine(day, dt.time(hour)), inbound, total - inbound, total))
            day += dt.timedelta(days=1)
    return Table(["Zählstelle", "Zeitpunkt", "Richtung stadteinwärts", "Richtung stadtauswärts", "Gesamt"], rows)


def traffic_counts(city: City, rng: random.Random, *, days: int = 21) -> Table:
    """15-minute counts by vehicle class at the city's traffic counting sites, with v85 and a status flag."""
    rows = []
    start = dt.datetime(YEAR, 3, 4)
    for site in city.traffic_sites:
        daily = rng.uniform(9_000, 28_000)
        heavy_share = rng.uniform(0.03, 0.09)
        limit = 50 if rng.random() < 0.8 else 30
        for q in range(days * 96):
            ts = start + dt.timedelta(minutes=15 * q)
            hour = ts.hour + ts.minute / 60
            weekend = ts.weekday() >= 5 or _sunday_like(ts.date())
            shape = _weekend_profile(int(hour)) if weekend else _workday_profile(int(hour))
            mean = daily * shape / 4 / 11.0
            total = max(0, round(rng.gauss(mean, math.sqrt(mean + 1))))
            heavy = min(total, round(total * heavy_share * (0.4 if weekend else 1.0)))
            bus = min(total - heavy, rng.choice((0, 0, 0, 1, 1, 2)) if 5 <= hour <= 23 else 0)
            moto = min(total - heavy - bus, round(total * 0.015))
            van = min(total - heavy - bus - moto, round(total * 0.08))
            cars = total - heavy - bus - moto - van
            v85 = round(limit + rng.gauss(6 if hour < 6 or hour > 21 else 2, 2.5), 1)
            status = "gestört" if rng.random() < 0.004 else "ok"
            rows.append((site, ts, cars, van, heavy, bus, moto, total, v85 if total else None, status))
    cols = [
        "Zählstelle",
        "Zeitpunkt",
        "Pkw",
        "Lieferwagen",
        "Lkw",
        "Bus",
        "Krad",
        "Kfz gesamt",
        "v85 km/h",
        "Status",
    ]
    return Table(cols, rows)


def car_park_occupancy(city: City, rng: random.Random, *, days: int = 28) -> Table:
    """Hourly occupancy of the city's car parks (Parkleitsystem export)."""
    rows = []
    start = dt.datetime(YEAR, 11, 4)
    for name, capacity in city.car_parks:
        pull = rng.uniform(0.55, 0.9)
        for h in range(days * 24):
            ts = start + dt.timedelta(hours=h)
            saturday = ts.weekday() == 5
            shape = (
                _weekend_profile(ts.hour) * 1.3
                if saturday
                else (0.15 if _sunday_like(ts.date()) else 0.2 + 0.8 * math.exp(-((ts.hour - 13) ** 2) / 14))
            )
            occupied = max(0, min(capacity, round(capacity * pull * shape + rng.gauss(0, capacity * 0.03))))
            rows.append((ts, name, capacity, occupied, capacity - occupied, round(100 * occupied / capacity, 1)))
    return Table(["Zeitpunkt", "Parkhaus", "Stellplätze", "belegt", "frei", "Auslastung %"], rows)


def car_parks(city: City, rng: random.Random) -> Table:
    """Master data of the car parks with position and tariffs (JSON for apps)."""
    rows = []
    for name, capacity in city.car_parks:
        lat, lon, district = geo.random_point(rng, city, city.districts[0].name)
        rows.append(
            (
                name,
                rng.choice(city.streets),
                str(rng.randint(1, 60)),
                district,
                capacity,
                round(capacity * rng.uniform(0.01, 0.03)),
                round(rng.choice((1.5, 2.0, 2.5)), 2),
                rng.choice(("06:00–24:00", "rund um die Uhr", "07:00–22:00")),
                lat,
                lon,
            )
        )
    cols = [
        "Name",
        "Straße",
        "Hausnummer",
        "Stadtteil",
        "Stellplätze",
        "Frauenparkplätze",
        "Tarif EUR je Stunde",
        "Öffnungszeiten",
        "lat",
        "lon",
    ]
    return Table(cols, rows)


def charging_points(city: City, rng: random.Random, *, count: int = 48) -> Table:
    """Public charging stations (Ladesäulenregister style) with operator, power and connectors."""
    operators = [UTILITIES[city.slug]] * 5 + [
        "EnBW mobility+",
        "Aral pulse",
        "IONITY",
        "Tesla Supercharger",
        "Shell Recharge",
        "Mainova",
    ]
    rows = []
    for i in range(count):
        lat, lon, district = geo.random_point(rng, city)
        operator = rng.choice(operators)
        fast = operator in ("IONITY", "Tesla Supercharger", "Aral pulse") or rng.random() < 0.15
        power = rng.choice((150.0, 300.0)) if fast else rng.choice((11.0, 22.0, 22.0))
        plugs = "CCS" if fast else rng.choice(("Typ 2", "Typ 2", "Typ 2; Schuko"))
        opened = dt.date(rng.randint(2014, 2024), rng.randint(1, 12), rng.randint(1, 28))
        rows.append(
            (
                f"{city.kfz}-LS-{i + 1:03d}",
                operator,
                rng.choice(city.streets),
                str(rng.randint(1, 120)),
                rng.choice(city.postcodes),
                district,
                rng.choice((2, 2, 2, 4, 6)) if fast else 2,
                power,
                plugs,
                opened,
                lat,
                lon,
            )
        )
    cols = [
        "Ladestation",
        "Betreiber",
        "Straße",
        "Hausnummer",
        "PLZ",
        "Stadtteil",
        "Ladepunkte",
        "Nennleistung kW",
        "Steckertypen",
        "Inbetriebnahme",
        "lat",
        "lon",
    ]
    return Table(cols, rows)


def transit_stops(city: City, rng: random.Random) -> Table:
    """Bus stops with global stop id (DHID), lines served and accessibility."""
    kreis = city.ags[:5]
    names = [f"{d.name} Mitte" for d in city.districts[1:]] + [*city.landmarks[:5], *city.streets[:18]]
    names += ["Hauptbahnhof", "Rathaus", "Friedhof", "Krankenhaus", "Schulzentrum"]
    lines = [str(n) for n in range(1, 13)] + ["N1", "N2"]
    rows = []
    for i, name in enumerate(dict.fromkeys(names)):
        district = name.removesuffix(" Mitte") if name.endswith(" Mitte") else None
        lat, lon, district = geo.random_point(rng, city, district)
        served = sorted(rng.sample(lines, rng.randint(1, 4)), key=lambda x: (len(x), x))
        rows.append(
            (
                f"de:{kreis}:{2100 + i * 7}",
                name,
                ", ".join(served),
                district,
                rng.choice(("ja", "ja", "teilweise", "nein")),
                rng.random() < 0.45,
                lat,
                lon,
            )
        )
    return Table(
        ["DHID", "Haltestelle", "Linien", "Stadtteil", "barrierefrei", "Fahrgastinformation", "lat", "lon"],
        rows,
    )


def traffic_signals(city: City, rng: random.Random, *, count: int = 64) -> Table:
    """Signalised junctions: control mode, cycle time and priority for buses."""
    rows = []
    for i in range(count):
        a, b = rng.sample(city.streets, 2)
        rows.append(
            (
                f"LSA {100 + i}",
                f"{a} / {b}",
                rng.choice(("verkehrsabhängig", "Festzeit", "verkehrsabhängig")),
                rng.choice((60, 70, 80, 90, 90, 100, 120)),
                rng.randint(2, 6),
                rng.randint(1978, 2023),
                rng.random() < 0.4,
                rng.random() < 0.7,
            )
        )
    return Table(
        [
            "LSA-Nr",
            "Knotenpunkt",
            "Steuerung",
            "Umlaufzeit s",
            "Signalprogramme",
            "Baujahr",
            "ÖPNV-Bevorrechtigung",
            "Akustiksignal",
        ],
        rows,
    )


def road_works(city: City, rng: random.Random, *, count: int = 90) -> Table:
    """Construction sites on public roads for the inter-agency coordination (Baustellenkoordination)."""
    kinds = (
        "Kanalsanierung",
        "Fahrbahnerneuerung",
        "Glasfaserausbau",
        "Fernwärmeleitung",
        "Gasleitung",
        "Wasserleitung",
        "Gehwegsanierung",
        "Radweg-Neubau",
        "Haltestellenumbau barrierefrei",
    )
    agents = (
        "Tiefbauamt",
        UTILITIES[city.slug],
        "Deutsche Telekom",
        "Hessen Mobil",
        "Stadtentwässerung",
        "Deutsche GigaNetz",
    )
    rows = []
    for i in range(count):
        start = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(330))
        rows.append(
            (
                f"BK-2025-{i + 1:03d}",
                rng.choice(city.streets),
                geo.random_point(rng, city)[2],
                rng.choice(kinds),
                rng.choice(agents),
                start,
                start + dt.timedelta(days=rng.randint(5, 160)),
                rng.choice(("halbseitige Sperrung", "Vollsperrung", "Ampelregelung", "Einengung")),
                rng.random() < 0.35,
                round(rng.uniform(8, 900) * 1000, 2),
            )
        )
    return Table(
        [
            "Maßnahme-Nr",
            "Straße",
            "Stadtteil",
            "Maßnahme",
            "Vorhabenträger",
            "Beginn",
            "Ende",
            "Verkehrsführung",
            "Umleitung ÖPNV",
            "Kosten EUR",
        ],
        rows,
    )


def winter_service(city: City, rng: random.Random) -> Table:
    """Daily winter-service operations of the municipal depot (Bauhof) over one season."""
    rows = []
    day = dt.date(2024, 11, 15)
    routes = [f"Tour {n}" for n in range(1, 9)]
    while day <= dt.date(2025, 3, 15):
        cold = rng.random() < (0.35 if day.month in (12, 1, 2) else 0.12)
        if cold:
            for route in rng.sample(routes, rng.randint(2, len(routes))):
                salt = round(rng.uniform(1.5, 9.0), 1)
                rows.append(
                    (
                        day,
                        route,
                        rng.choice(("Glätte", "Schneefall", "Reifglätte", "Eisregen")),
                        f"{rng.randint(3, 5):02d}:{rng.choice((0, 15, 30)):02d}",
                        round(rng.uniform(2.5, 7.5), 2),
                        salt,
                        round(salt * rng.uniform(80, 140)),
                        rng.randint(1, 3),
                    )
                )
        day += dt.timedelta(days=1)
    return Table(
        [
            "Datum",
            "Räumtour",
            "Anlass",
            "Einsatzbeginn",
            "Einsatzdauer h",
            "Streusalz t",
            "Sole l",
            "Fahrzeuge",
        ],
        rows,
    )
