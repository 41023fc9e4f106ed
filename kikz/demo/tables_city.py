"""Generated tables on population, geography, environment and the city's own buildings and roads."""

from __future__ import annotations

import datetime as dt
import math
import random

from kikz.demo import geo
from kikz.demo.cities import City
from kikz.demo.files import Table, Value
from kikz.demo.tables_mobility import YEAR

AGE_GROUPS = (
    "0 bis 5",
    "6 bis 14",
    "15 bis 17",
    "18 bis 24",
    "25 bis 44",
    "45 bis 64",
    "65 bis 79",
    "80 und älter",
)

AGE_SHARES = (0.058, 0.083, 0.027, 0.085, 0.285, 0.265, 0.137, 0.06)

# (Gattung, botanischer Name, deutscher Name, typical growth in cm girth per year)

# (Gattung, botanischer Name, deutscher Name, typical growth in cm girth per year)
# fmt: off
TREES = (
    ("Acer", "Acer platanoides", "Spitz-Ahorn", 2.4), ("Acer", "Acer pseudoplatanus", "Berg-Ahorn", 2.5),
    ("Acer", "Acer campestre", "Feld-Ahorn", 1.8), ("Tilia", "Tilia cordata", "Winter-Linde", 2.3),
    ("Tilia", "Tilia × europaea", "Holländische Linde", 2.6),
    ("Platanus", "Platanus × hispanica", "Platane", 3.2), ("Quercus", "Quercus robur", "Stiel-Eiche", 2.2),
    ("Carpinus", "Carpinus betulus", "Hainbuche", 1.7),
    ("Aesculus", "Aesculus hippocastanum", "Rosskastanie", 2.9),
    ("Fraxinus", "Fraxinus excelsior", "Esche", 2.4), ("Betula", "Betula pendula", "Sand-Birke", 2.0),
    ("Robinia", "Robinia pseudoacacia", "Robinie", 2.5), ("Prunus", "Prunus avium", "Vogel-Kirsche", 2.0),
    ("Ginkgo", "Ginkgo biloba", "Ginkgo", 1.5), ("Liquidambar", "Liquidambar styraciflua", "Amberbaum", 2.0),
    ("Corylus", "Corylus colurna", "Baum-Hasel", 1.9), ("Sorbus", "Sorbus aria", "Echte Mehlbeere", 1.6),
    ("Pyrus", "Pyrus calleryana", "Chinesische Birne", 1.6),
)
# fmt: on


def district_people(city: City) -> list[tuple[str, int]]:
    total = sum(d.weight for d in city.districts)
    return [(d.name, round(city.population * d.weight / total)) for d in city.districts]


def district_boundaries(city: City, rng: random.Random) -> Table:
    rows, geoms = [], []
    for i, (shape, (_, people)) in enumerate(zip(geo.shapes(city), district_people(city), strict=True)):
        rows.append(
            (
                f"{city.ags}{i + 1:03d}",
                shape.district.name,
                round(shape.area_km2, 2),
                people,
                round(people / shape.area_km2),
            )
        )
        geoms.append({"type": "Polygon", "coordinates": [[list(p) for p in shape.ring]]})
    return Table(["Stadtteil-Schlüssel", "Stadtteil", "Fläche km²", "Einwohner", "Einwohner je km²"], rows, geoms)


def population_by_district(city: City, rng: random.Random) -> Table:
    rows: list[tuple[Value, ...]] = []
    for name, people in district_people(city):
        groups = [round(people * s * rng.uniform(0.85, 1.15)) for s in AGE_SHARES]
        total = sum(groups)
        female = round(total * rng.uniform(0.49, 0.52))
        rows.append(
            (
                name,
                total,
                female,
                total - female,
                *groups,
                round(rng.uniform(12, 42), 1),
                round(total / rng.uniform(1.8, 2.2)),
            )
        )
    cols = [
        "Stadtteil",
        "Einwohner insgesamt",
        "weiblich",
        "männlich",
        *[f"Alter {g}" for g in AGE_GROUPS],
        "Anteil nichtdeutsch %",
        "Haushalte",
    ]
    return Table(cols, rows)


def age_structure(city: City, rng: random.Random) -> Table:
    """Single years of age by sex for five reference dates (31.12.)."""
    rows = []
    for year in range(2020, 2025):
        scale = city.population * (1 + 0.004 * (year - 2024)) / 5200
        for age in range(101):
            bulge = 1 + 0.45 * math.exp(-((age - (58 - (2024 - year))) ** 2) / 60)
            survive = 1.0 if age < 60 else math.exp(-(((age - 60) / 19) ** 2))
            base = scale * 70 * bulge * survive / 100
            male = round(base * rng.uniform(0.95, 1.05) * (1.04 if age < 55 else 0.9))
            female = round(base * rng.uniform(0.95, 1.05))
            label = "100 und älter" if age == 100 else str(age)
            rows.append((dt.date(year, 12, 31), label, male, female, male + female))
    return Table(["Stichtag", "Alter", "männlich", "weiblich", "insgesamt"], rows)


def tree_register(city: City, rng: random.Random, *, count: int = 2400) -> Table:
    rows = []
    for i in range(count):
        genus, botanic, german, growth = rng.choice(TREES)
        planted = rng.randint(1925, 2023)
        age = YEAR - planted
        girth = max(15, round(age * growth * rng.uniform(0.7, 1.3)))
        lat, lon, district = geo.random_point(rng, city)
        rows.append(
            (
                f"{city.kfz}-{i + 10001}",
                genus,
                botanic,
                german,
                planted,
                girth,
                round(min(22, 1.5 + age * 0.16 * rng.uniform(0.7, 1.2)), 1),
                round(min(32, 3 + age * 0.24 * rng.uniform(0.7, 1.2)), 1),
                rng.choice(city.streets),
                district,
                rng.choices((0, 1, 2, 3, 4), (40, 30, 18, 9, 3))[0],
                lat,
                lon,
            )
        )
    cols = [
        "Baumnummer",
        "Gattung",
        "Art botanisch",
        "Art deutsch",
        "Pflanzjahr",
        "Stammumfang cm",
        "Kronendurchmesser m",
        "Baumhöhe m",
        "Straße",
        "Stadtteil",
        "Vitalitätsstufe",
        "lat",
        "lon",
    ]
    return Table(cols, rows)


def air_quality(city: City, rng: random.Random) -> Table:
    """Hourly means of a roadside station (µg/m³), with the usual gaps during calibration."""
    rows = []
    start = dt.datetime(YEAR, 1, 1)
    # Weather moves slowly: autocorrelated anomalies instead of independent noise per hour.
    weather = dust = warm = 0.0
    for h in range(366 * 24):
        ts = start + dt.timedelta(hours=h)
        weather = 0.93 * weather + rng.gauss(0, 0.12)
        dust = 0.95 * dust + rng.gauss(0, 1.2)
        warm = 0.98 * warm + rng.gauss(0, 0.15)
        winter = 1 + 0.35 * math.cos(2 * math.pi * (ts.timetuple().tm_yday - 15) / 366)
        traffic = (
            0.5
            + (1.0 if ts.weekday() < 5 else 0.6) * math.exp(-((ts.hour - 8) ** 2) / 6)
            + 0.6 * math.exp(-((ts.hour - 17) ** 2) / 8)
        )
        no2 = max(2.0, 22 * winter * traffic * math.exp(weather) + rng.gauss(0, 2))
        pm10 = max(1.0, 15 * winter * math.exp(weather) + dust + rng.gauss(0, 1.5))
        pm25 = max(0.5, pm10 * rng.uniform(0.6, 0.7))
        sun = max(0.0, math.sin(math.pi * (ts.hour - 6) / 14)) if 6 <= ts.hour <= 20 else 0.0
        o3 = max(1.0, 35 + 45 * sun * (2 - winter) - 8 * weather + rng.gauss(0, 3))
        temp = 10 - 9 * math.cos(2 * math.pi * (ts.timetuple().tm_yday - 15) / 366) + 4 * sun + 3 * warm
        gap = ts.day == 15 and ts.hour in (9, 10, 11) and ts.month % 3 == 0
        rows.append(
            (
                ts,
                None if gap else round(no2, 1),
                None if gap else round(pm10, 1),
                None if gap else round(pm25, 1),
                round(o3, 1),
                round(temp, 1),
            )
        )
    return Table(["Zeitpunkt", "NO2 µg/m³", "PM10 µg/m³", "PM2,5 µg/m³", "O3 µg/m³", "Temperatur °C"], rows)


def noise_mapping(city: City, rng: random.Random) -> Table:
    """Road sections of the noise mapping (EU Environmental Noise Directive, round 4)."""
    rows = []
    for street in city.streets:
        for part in range(1, rng.randint(2, 6)):
            dtv = rng.randint(3_000, 32_000)
            lden = round(10 * math.log10(dtv) + rng.uniform(24, 30), 1)
            rows.append(
                (
                    street,
                    f"Abschnitt {part}",
                    rng.randint(120, 900),
                    dtv,
                    lden,
                    round(lden - rng.uniform(8, 11), 1),
                    max(0, round((lden - 65) * rng.uniform(20, 90))),
                    max(0, round((lden - 62) * rng.uniform(15, 70))),
                )
            )
    return Table(
        [
            "Straße",
            "Abschnitt",
            "Länge m",
            "DTV Kfz/24h",
            "Lden dB(A)",
            "Lnight dB(A)",
            "Betroffene Lden > 65 dB",
            "Betroffene Lnight > 55 dB",
        ],
        rows,
    )


def building_energy(city: City, rng: random.Random) -> Table:
    """Monthly electricity and heat of municipal buildings (energy management), 2024."""
    buildings = [
        ("Rathaus", "Verwaltung"),
        ("Stadthaus", "Verwaltung"),
        ("Bauhof", "Betriebshof"),
        ("Feuerwache", "Feuerwehr"),
        ("Stadtbibliothek", "Kultur"),
        ("Hallenbad", "Bad"),
        ("Sporthalle Ost", "Sport"),
    ]
    buildings += [(f"Grundschule {d.name}", "Schule") for d in city.districts[1:9]]
    buildings += [(f"Kita {s}", "Kita") for s in city.streets[:6]]
    base = {
        "Verwaltung": 28_000,
        "Betriebshof": 14_000,
        "Feuerwehr": 9_000,
        "Kultur": 11_000,
        "Bad": 95_000,
        "Sport": 6_000,
        "Schule": 9_500,
        "Kita": 2_600,
    }
    rows = []
    for n, (name, use) in enumerate(buildings, start=1):
        size = rng.uniform(0.7, 1.4)
        for month in range(1, 13):
            winter = 1 + 0.25 * math.cos(2 * math.pi * (month - 1) / 12)
            holidays = 0.6 if use in ("Schule", "Kita") and month in (7, 8) else 1.0
            power = round(base[use] * size * winter * holidays * rng.uniform(0.93, 1.07))
            heat = round(power * (3.2 if use != "Bad" else 1.8) * max(0.15, winter - 0.6) * rng.uniform(0.9, 1.1))
            rows.append(
                (
                    f"L-{n:03d}",
                    name,
                    use,
                    f"{YEAR}-{month:02d}",
                    power,
                    heat,
                    round(power * 0.29 + heat * 0.11, 2),
                    round(power * 0.434 / 1000, 3),
                )
            )
    return Table(
        [
            "Liegenschaft",
            "Gebäude",
            "Nutzung",
            "Monat",
            "Strom kWh",
            "Wärme kWh",
            "Kosten EUR",
            "CO2 t (Strom)",
        ],
        rows,
    )


def road_condition(city: City, rng: random.Random) -> Table:
    """Road condition survey (Zustandserfassung, grades 1.0 = very good to 5.0 = very poor) per section."""
    rows = []
    for street in city.streets:
        for part in range(1, rng.randint(2, 7)):
            grade = round(min(5.0, max(1.0, rng.gauss(2.8, 0.9))), 1)
            rows.append(
                (
                    street,
                    part,
                    rng.randint(80, 700),
                    rng.choice(("Asphalt", "Asphalt", "Pflaster", "Beton")),
                    grade,
                    rng.choice(("keine", "Oberflächenbehandlung", "Deckenerneuerung", "grundhafte Erneuerung"))
                    if grade >= 3.5
                    else "keine",
                    rng.randint(1965, 2022),
                )
            )
    return Table(
        [
            "Straße",
            "Abschnitt",
            "Länge m",
            "Bauweise",
            "Zustandsnote",
            "Maßnahmenvorschlag",
            "letzte Erneuerung",
        ],
        rows,
    )
